"""Deliberate bad rows in the administration table, for the import and validation tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard.synthetic.cohort import Cohort
from dashboard.synthetic.responses import MISSING
from dashboard.synthetic.streams import EPOCH, stream
from dashboard.synthetic.table import MEASURE_NAMES, UNKNOWN_MEASURE, AdministrationRows
from measures import Catalog, Instrument

KINDS = (
    "exact_duplicate",
    "correction",
    "out_of_range",
    "text_in_item",
    "unknown_measure",
    "future_date",
    "empty_client_id",
)
TEXTS = ("n/a", "two", "2.5", "3?", "refused")
TEXT_COLUMNS = 3
#: Bad rows of each kind: at least two (out-of-range answers: four, one of each
#: variant), and one per 10,000 rows in large tables: under 0.1 % of the rows.
MIN_PER_KIND = 2
ROWS_PER_DEFECT = 10_000
#: Items and range of the unknown instrument's rows (the ORS has four 0-10 items).
UNKNOWN_ITEMS, UNKNOWN_MAX = 4, 10
BAD_ROW_SCHEMA = pl.Schema(
    {
        "line": pl.Int64(),
        "kind": pl.String(),
        "client_id": pl.String(),
        "measure": pl.String(),
        "administered_on": pl.Date(),
        "column": pl.String(),
        "value": pl.String(),
        "problem": pl.String(),
    }
)


@dataclass(frozen=True)
class Defect:
    """One deliberate bad row: its index among the rows, and what is wrong with it.

    ``problem`` may hold ``{original}``: the line of the row it repeats (``original``).
    """

    row: int
    kind: str
    problem: str
    column: str | None = None
    value: str | None = None
    original: int | None = None


def add_defects(
    rows: AdministrationRows, cohort: Cohort, catalog: Catalog, seed: int
) -> tuple[AdministrationRows, list[Defect]]:
    """Spoil some rows in place and add others; return the rows and the list of defects."""
    per_kind = max(MIN_PER_KIND, len(rows) // ROWS_PER_DEFECT)
    spoiler = _Spoiler(rows, _Picker(rows, cohort, catalog, stream(seed, "defects")))
    spoiler.exact_duplicates(per_kind)
    spoiler.corrections(per_kind)
    spoiler.out_of_range(2 * per_kind)
    spoiler.text_in_items(per_kind)
    spoiler.unknown_measures(per_kind)
    spoiler.future_dates(per_kind, as_of=cohort.as_of)
    spoiler.empty_client_ids(per_kind, no_client=len(cohort.client_ids))
    return spoiler.result(), spoiler.defects


class _Spoiler:
    """Collects the changes: rows spoiled in place, rows added, and what is wrong."""

    def __init__(self, rows: AdministrationRows, picker: _Picker) -> None:
        self.rows, self.picker, self.rng = rows, picker, picker.rng
        self.items, self.client = rows.items.copy(), rows.client.copy()
        self.added: list[AdministrationRows] = []
        self.defects: list[Defect] = []
        self.next_row = len(rows)

    def result(self) -> AdministrationRows:
        """The rows with the spoiled cells, followed by the added rows."""
        spoiled = vars(self.rows) | {"items": self.items, "client": self.client}
        return AdministrationRows(**spoiled).append(*self.added)

    def exact_duplicates(self, count: int) -> None:
        source = self.picker.take(count)
        for new, old in zip(self._add(source), source, strict=True):
            problem = "exact copy of line {original}"
            self.defects.append(Defect(new, "exact_duplicate", problem, original=int(old)))

    def corrections(self, count: int) -> None:
        source = self.picker.take(count, self.picker.multi_item)
        corrected = self.rows.items[source].copy()
        changes = [self.picker.other_answer(int(old)) for old in source]
        for position, (column, _, after) in enumerate(changes):
            corrected[position, column] = after
        added = self._add(source, items=corrected)
        for new, old, (column, before, after) in zip(added, source, changes, strict=True):
            problem = (
                "second submission for the same client, measure and date as line {original} "
                f"(a correction: item_{column + 1} {before} -> {after})"
            )
            self.defects.append(
                Defect(
                    new, "correction", problem, f"item_{column + 1}", str(after), original=int(old)
                )
            )

    def out_of_range(self, count: int) -> None:
        for row, column, value, allowed in self.picker.out_of_range(count):
            self.items[row, column] = value
            problem = f"item_{column + 1} is {value}; {allowed}"
            self.defects.append(
                Defect(row, "out_of_range", problem, f"item_{column + 1}", str(value))
            )

    def text_in_items(self, count: int) -> None:
        for position, (row, column) in enumerate(self.picker.with_text_columns(count)):
            text = TEXTS[position % len(TEXTS)]
            self.items[row, column] = MISSING
            problem = f"item_{column + 1} holds text '{text}'"
            self.defects.append(Defect(row, "text_in_item", problem, f"item_{column + 1}", text))

    def unknown_measures(self, count: int) -> None:
        source = self.picker.take(count)
        items = np.full((len(source), self.items.shape[1]), MISSING, dtype=np.int8)
        answered = min(UNKNOWN_ITEMS, items.shape[1])
        items[:, :answered] = self.rng.integers(0, UNKNOWN_MAX + 1, (len(source), answered))
        measure = np.full(len(source), MEASURE_NAMES.index(UNKNOWN_MEASURE), dtype=np.int8)
        for new in self._add(source, measure=measure, items=items):
            problem = f"unknown measure id '{UNKNOWN_MEASURE}'"
            self.defects.append(Defect(new, "unknown_measure", problem, "measure", UNKNOWN_MEASURE))

    def future_dates(self, count: int, *, as_of: int) -> None:
        source = self.picker.take(count, self.picker.active)
        future = as_of + self.rng.integers(1, 22, len(source)).astype(np.int32)
        after = (EPOCH + dt.timedelta(days=int(as_of))).isoformat()
        for new in self._add(source, day=future):
            problem = f"administered_on is after as_of ({after})"
            self.defects.append(Defect(new, "future_date", problem, "administered_on"))

    def empty_client_ids(self, count: int, *, no_client: int) -> None:
        for row in self.picker.take(count):
            self.client[row] = no_client
            self.defects.append(
                Defect(int(row), "empty_client_id", "client_id is empty", "client_id")
            )

    def _add(self, source: np.ndarray, **changes: np.ndarray) -> list[int]:
        """Copies of the ``source`` rows with ``changes``, placed right after them."""
        copies = self.rows.take(source)
        fields = vars(copies) | {"copy": np.ones(len(source), dtype=np.int8)} | changes
        self.added.append(AdministrationRows(**fields))
        first = self.next_row
        self.next_row += len(source)
        return list(range(first, self.next_row))


def bad_row_frame(defects: list[Defect], position: np.ndarray, frame: pl.DataFrame) -> pl.DataFrame:
    """The defects by line of the sorted CSV (header = line 1), with their keys."""
    lines = position[[d.row for d in defects]] + 2
    keys = frame.select("client_id", pl.col("measure").cast(pl.String), "administered_on")[
        lines - 2
    ]
    problems = [
        d.problem.format(original=int(position[d.original]) + 2)
        if d.original is not None
        else d.problem
        for d in defects
    ]
    table = pl.DataFrame(
        {
            "line": lines,
            "kind": [d.kind for d in defects],
            **keys.to_dict(),
            "column": [d.column for d in defects],
            "value": [d.value for d in defects],
            "problem": problems,
        },
        schema=BAD_ROW_SCHEMA,
    )
    return table.sort("line")


class _Picker:
    """Draws distinct source rows: complete rows, never the demo client's."""

    def __init__(
        self,
        rows: AdministrationRows,
        cohort: Cohort,
        catalog: Catalog,
        rng: np.random.Generator,
    ) -> None:
        self.rows, self.rng = rows, rng
        self.instruments = [catalog.instruments.get(m) for m in MEASURE_NAMES]
        required = np.zeros((len(MEASURE_NAMES), rows.items.shape[1]), dtype=bool)
        for code, instrument in enumerate(self.instruments):
            if instrument is not None:
                for n, item in enumerate(instrument.items[: rows.items.shape[1]]):
                    required[code, n] = not item.optional
        self.required = required
        complete = ~((rows.items == MISSING) & required[rows.measure]).any(axis=1)
        demo_client = cohort.episodes.client[cohort.demo_episode]
        eligible = np.flatnonzero(complete & (rows.client != demo_client))
        self.order = rng.permutation(eligible)
        self.taken = np.zeros(len(rows), dtype=bool)
        self.multi_item = required.sum(axis=1)[rows.measure] > 1
        self.active = cohort.episodes.planned_end[rows.episode] > cohort.as_of

    def take(self, count: int, where: np.ndarray | None = None) -> np.ndarray:
        """``count`` rows not taken before, from those ``where`` holds if enough do."""
        free = self.order[~self.taken[self.order]]
        if where is not None and where[free].sum() >= count:
            free = free[where[free]]
        chosen = np.asarray(free[:count])
        self.taken[chosen] = True
        return chosen

    def any_item(self, row: int) -> int:
        """A random answered item column of ``row``."""
        columns = np.flatnonzero(self.required[self.rows.measure[row]])
        return int(self.rng.choice(columns))

    def with_text_columns(self, count: int) -> list[tuple[int, int]]:
        """Rows and one of their first TEXT_COLUMNS items, a different column while they last.

        Few columns keep the written file cheap: each holding text is written as text.
        """
        chosen = []
        for column in range(min(count, TEXT_COLUMNS)):
            row = self.take(1, self.required[:, column][self.rows.measure])
            if len(row) and self.required[self.rows.measure[row[0]], column]:
                chosen.append((int(row[0]), column))
        rest = self.take(count - len(chosen), self.required[:, 0][self.rows.measure])
        return chosen + [(int(row), 0) for row in rest]

    def other_answer(self, row: int) -> tuple[int, int, int]:
        """An item of ``row``, its answer and a different allowed answer."""
        column = self.any_item(row)
        item = self._instrument(row).items[column]
        before = int(self.rows.items[row, column])
        others = [v for v in item.allowed_values if v != before]
        return column, before, int(self.rng.choice(others))

    def out_of_range(self, count: int) -> list[tuple[int, int, int, str]]:
        """Rows with an answer beyond its item's range: above the maximum, BAM-R item 14
        between its two allowed answers, a 0-10 rating of 11, and a negative answer."""
        measure = self.rows.measure
        bam_r = measure == MEASURE_NAMES.index("bam_r")
        rating = ~self.multi_item
        wanted = (self.multi_item, bam_r, rating, None)
        spoiled = []
        for variant, where in enumerate(wanted):
            chosen = self.take(len(range(variant, count, len(wanted))), where)
            for row in chosen:
                instrument = self._instrument(int(row))
                if variant == 1 and bam_r[row]:
                    column, value = 13, 2
                elif variant == 3:
                    column, value = self.any_item(int(row)), -1
                else:
                    column = self.any_item(int(row))
                    value = instrument.items[column].max + 1
                item = instrument.items[column]
                allowed = (
                    " or ".join(str(v) for v in item.values)
                    if item.values
                    else f"{item.min}-{item.max}"
                )
                spoiled.append(
                    (int(row), column, value, f"{instrument.abbreviation} answers are {allowed}")
                )
        return spoiled

    def _instrument(self, row: int) -> Instrument:
        instrument = self.instruments[int(self.rows.measure[row])]
        if instrument is None:
            msg = f"row {row} is of an instrument the catalog does not know"
            raise ValueError(msg)
        return instrument
