"""The wide administration table as arrays, its sort order, and its polars frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard.synthetic.cohort import Cohort
from dashboard.synthetic.responses import MISSING, Responses
from dashboard.synthetic.schedule import MEASURES, ProgramDays

#: An instrument the catalog does not know (Outcome Rating Scale): only bad rows use it.
UNKNOWN_MEASURE = "ors"
#: Measure codes: the scheduled measures in order of the day, then the unknown one.
MEASURE_NAMES = (*MEASURES, UNKNOWN_MEASURE)


@dataclass(frozen=True)
class AdministrationRows:
    """Administrations as aligned arrays; ``items`` holds MISSING where blank.

    ``client`` is the client index, or the number of clients for an empty
    client_id; ``copy`` is 1 for a row added right after the row it repeats.
    """

    episode: np.ndarray
    client: np.ndarray
    measure: np.ndarray
    day: np.ndarray
    items: np.ndarray
    copy: np.ndarray

    def __len__(self) -> int:
        return len(self.episode)

    def take(self, index: np.ndarray) -> AdministrationRows:
        """The rows at ``index``, in that order."""
        return AdministrationRows(**{name: value[index] for name, value in vars(self).items()})

    def append(self, *others: AdministrationRows) -> AdministrationRows:
        """These rows followed by the rows of ``others``."""
        return AdministrationRows(
            **{
                name: np.concatenate([value, *(getattr(other, name) for other in others)])
                for name, value in vars(self).items()
            }
        )


def administration_rows(
    cohort: Cohort, days: ProgramDays, responses: Responses
) -> AdministrationRows:
    """One row per administration given, in no particular order."""
    episode = days.episode[responses.day]
    return AdministrationRows(
        episode=episode,
        client=cohort.episodes.client[episode],
        measure=responses.measure,
        day=days.day[responses.day],
        items=responses.items,
        copy=np.zeros(len(episode), dtype=np.int8),
    )


def sort_order(rows: AdministrationRows) -> np.ndarray:
    """By date, client (empty last), measure in order of the day, then added copies."""
    return np.lexsort((rows.copy, rows.measure, rows.client, rows.day))


def administration_frame(rows: AdministrationRows, cohort: Cohort) -> pl.DataFrame:
    """The wide frame: client_id, measure, administered_on, item_1 ... item_N (Int8)."""
    client_ids = cohort.client_ids.extend(pl.Series([None], dtype=pl.String))
    measures = pl.Enum(MEASURE_NAMES)
    items = {
        f"item_{n}": pl.Series(rows.items[:, n - 1]) for n in range(1, rows.items.shape[1] + 1)
    }
    frame = pl.DataFrame(
        {
            "client_id": client_ids.gather(rows.client),
            "measure": pl.Series(MEASURE_NAMES, dtype=measures).gather(rows.measure),
            "administered_on": pl.Series(rows.day).cast(pl.Date),
            **items,
        }
    )
    return frame.with_columns(
        pl.when(pl.col(name) != MISSING).then(pl.col(name)).alias(name) for name in items
    )
