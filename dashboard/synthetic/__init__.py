"""Deterministic synthetic IOP data: episodes, attendance and administrations, seeded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from dashboard.synthetic.attributes import attribute_frame
from dashboard.synthetic.cohort import TRAJECTORIES, build_cohort, care_level_frame, episode_frame
from dashboard.synthetic.data import GENERATOR_VERSION, SyntheticData
from dashboard.synthetic.defects import add_defects, bad_row_frame
from dashboard.synthetic.responses import respond
from dashboard.synthetic.schedule import MEASURES, attendance_frame, due_measures, program_days
from dashboard.synthetic.severity import latent_states
from dashboard.synthetic.table import administration_frame, administration_rows, sort_order
from dashboard.synthetic.writer import write_fixtures

__all__ = ["GENERATOR_VERSION", "MEASURES", "SyntheticData", "generate", "write_fixtures"]


def generate(
    *,
    clients: int,
    seed: int,
    as_of: dt.date,
    instruments: Sequence[str] | None = None,
) -> SyntheticData:
    """Generate ``clients`` clients' episodes up to ``as_of``; same arguments, same data.

    ``instruments`` restricts the administrations to some instrument ids (for
    benchmark files); the other files do not change, nor do the rows of the
    instruments kept (only the deliberate bad rows differ).

    Examples
    --------
    >>> data = generate(clients=40, seed=1, as_of=dt.date(2026, 11, 26), instruments=["phq9"])
    >>> data.administrations["measure"].cast(str).unique().sort().to_list()
    ['ors', 'phq9']
    >>> data.administrations["administered_on"].max() > dt.date(2026, 11, 26)  # a bad row
    True
    """
    from measures import load_catalog

    if clients < 1:
        msg = f"clients must be at least 1, not {clients}"
        raise ValueError(msg)
    if seed < 0:
        msg = f"seed must be 0 or more, not {seed}"
        raise ValueError(msg)
    chosen = _instruments(instruments)
    catalog = load_catalog()
    cohort = build_cohort(clients=clients, seed=seed, as_of=as_of)
    days = program_days(cohort, seed)
    states = latent_states(cohort, days, seed)
    due = due_measures(cohort, days, chosen, seed)
    rows = administration_rows(cohort, days, respond(cohort, days, states, due, catalog, seed))
    rows, defects = add_defects(rows, cohort, catalog, seed)
    order = sort_order(rows)
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    administrations = administration_frame(rows.take(order), cohort)
    demo = cohort.demo_episode
    return SyntheticData(
        seed=seed,
        as_of=as_of,
        clients=clients,
        instruments=chosen,
        clinicians=cohort.clinicians,
        episodes=episode_frame(cohort),
        client_attributes=attribute_frame(cohort, seed),
        care_levels=care_level_frame(cohort),
        attendance=attendance_frame(cohort, days, seed),
        administrations=administrations,
        bad_rows=bad_row_frame(defects, position, administrations),
        trajectories=pl.DataFrame(
            {
                "episode_id": cohort.episode_ids,
                "trajectory": pl.Series(TRAJECTORIES).gather(cohort.episodes.trajectory),
            }
        ),
        demo_client_id=str(cohort.client_ids[int(cohort.episodes.client[demo])]),
        demo_episode_id=str(cohort.episode_ids[demo]),
    )


def _instruments(instruments: Sequence[str] | None) -> tuple[str, ...]:
    if instruments is None:
        return MEASURES
    unknown = sorted(set(instruments) - set(MEASURES))
    if unknown or not instruments:
        msg = (
            f"unknown instrument(s) {', '.join(unknown) or '(none given)'}; "
            f"the generator knows {', '.join(MEASURES)}"
        )
        raise ValueError(msg)
    return tuple(m for m in MEASURES if m in instruments)
