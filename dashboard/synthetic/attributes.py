"""``client_attributes.csv``: age band, gender, primary substance and payer of each client."""

from __future__ import annotations

import numpy as np
import polars as pl

from dashboard.synthetic.cohort import SUBSTANCE_TRACKS, Cohort
from dashboard.synthetic.streams import stream

# Fictional shares chosen to give every cohort filter something to find; not
# the make-up of any real program.
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARES = (0.14, 0.30, 0.24, 0.16, 0.12, 0.04)
GENDERS = ("female", "male", "nonbinary")
GENDER_SHARES = (0.46, 0.50, 0.04)
SUBSTANCES = ("alcohol", "opioids", "stimulants", "cannabis")
SUBSTANCE_SHARES = (0.42, 0.28, 0.18, 0.12)
PAYERS = ("medicaid", "commercial", "medicare", "self_pay")
PAYER_SHARES = (0.48, 0.36, 0.10, 0.06)
#: Shares of cells left blank (not recorded), so that cohorts meet missing attributes.
BLANK_GENDER, BLANK_PAYER = 0.03, 0.06


def attribute_frame(cohort: Cohort, seed: int) -> pl.DataFrame:
    """One row per client, in client order; a client's substance follows the track of
    their first episode (``none`` on the mental-health track).

    Examples
    --------
    >>> import datetime as dt
    >>> from dashboard.synthetic.cohort import build_cohort
    >>> cohort = build_cohort(clients=20, seed=3, as_of=dt.date(2026, 11, 26))
    >>> attribute_frame(cohort, 3).columns
    ['client_id', 'age_band', 'gender', 'primary_substance', 'payer']
    """
    rng = stream(seed, "attributes")
    clients = len(cohort.client_ids)
    episodes = cohort.episodes
    order = np.argsort(episodes.admitted, kind="stable")
    seen, earliest = np.unique(episodes.client[order], return_index=True)
    first = np.full(clients, -1, dtype=np.int64)
    first[seen] = episodes.track[order][earliest]
    uses = np.isin(first, SUBSTANCE_TRACKS)
    substance = pl.Series(SUBSTANCES).gather(
        rng.choice(len(SUBSTANCES), clients, p=SUBSTANCE_SHARES)
    )
    return pl.DataFrame(
        {
            "client_id": cohort.client_ids,
            "age_band": pl.Series(AGE_BANDS).gather(
                rng.choice(len(AGE_BANDS), clients, p=AGE_SHARES)
            ),
            "gender": _blanked(
                pl.Series(GENDERS).gather(rng.choice(len(GENDERS), clients, p=GENDER_SHARES)),
                rng.random(clients) < BLANK_GENDER,
            ),
            "primary_substance": pl.Series(np.where(uses, substance.to_numpy(), "none")),
            "payer": _blanked(
                pl.Series(PAYERS).gather(rng.choice(len(PAYERS), clients, p=PAYER_SHARES)),
                rng.random(clients) < BLANK_PAYER,
            ),
        }
    )


def _blanked(values: pl.Series, blank: np.ndarray) -> pl.Series:
    return values.set(pl.Series(blank), None)
