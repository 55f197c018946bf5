"""One read and one write for the common case: a clean CSV of a single instrument.

Large exports are usually one instrument, complete and valid. For them this
module reads the file once, checks it with the whole-frame screens of the very
same rules as the full path, and scores it with the same scoring expressions.
If anything at all looks unusual (a failed rule, a missing item, a second
instrument, text in a number column, white space to trim) it gives up and the
full path (:func:`measures.pipeline.score_parsed`) handles the file, so the
two always produce the same table.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from measures.catalog import KEY_COLUMNS, Catalog
from measures.csv_safety import FORMULA_PATTERN, neutralise_text_columns
from measures.definition import Instrument
from measures.parsing import (
    check_header,
    check_text,
    no_errors,
    normalise_measure,
    read_header,
)
from measures.rules import Validation, split
from measures.scoring import label_exprs, value_exprs
from measures.validation import administration_rules

#: Columns of a score table before the subscales (same as measures.pipeline).
SCORE_TABLE_COLUMNS = (
    *KEY_COLUMNS,
    "score",
    "severity",
    "items_answered",
    "prorated",
    "critical",
    "problems",
)


def try_score_csv(path: Path, catalog: Catalog, *, now: dt.datetime) -> pl.DataFrame | None:
    """The score table of ``path`` in one pass, or None when the full path is needed."""
    read = read_typed(path, catalog)
    if read is None:
        return None
    instrument, frame = read
    if _needs_full_path(_screen(frame, instrument, catalog, now=now)):
        return None
    try:
        return score_clean(
            frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64)),
            instrument,
        )
    except pl.exceptions.PolarsError:  # the full path reports what broke the scoring
        return None


def score_clean(frame: pl.DataFrame | pl.LazyFrame, instrument: Instrument) -> pl.DataFrame:
    """The score table of clean rows (``row`` and the typed columns) of ``instrument``:
    the columns of :func:`measures.pipeline.score_parsed`'s table, in its order."""
    extra = [s.column for s in instrument.subscales] + triage_columns([instrument])
    return (
        _scores(frame, instrument)
        .with_columns(
            pl.lit([], pl.List(pl.String)).alias("problems"),
            pl.lit(False).alias("rejected"),
            pl.lit(True).alias("complete"),
        )
        .select("row", *SCORE_TABLE_COLUMNS, *extra, "rejected", "complete")
        .collect()
    )


def try_write_scores(path: Path, out: Path, catalog: Catalog, *, now: dt.datetime) -> int | None:
    """Score ``path`` straight into the CSV ``out``.

    Returns the number of rows written, or None (and writes nothing) when the
    file needs the full path. The output is byte for byte what the full path
    writes for such a file.
    """
    written = write_scores(path, out, catalog, now=now)
    return written if isinstance(written, int) else None


#: Rows scored and written at a time by the fast path (it stops early on an unusual file).
WRITE_ROWS = 200_000


@dataclass(frozen=True)
class Unusual:
    """A file :func:`write_scores` read but left alone: its instrument, its rows (typed)
    and, for each row, whether it needs the full path (:func:`unusual_rows`; None when
    not screened: a missing value was enough to know)."""

    instrument: Instrument
    frame: pl.DataFrame
    rows: pl.Series | None


def write_scores(
    path: Path, out: Path, catalog: Catalog, *, now: dt.datetime
) -> int | Unusual | None:
    """:func:`try_write_scores`, but a file it could read with a few unusual rows gives
    back its read (for :func:`measures.splitpath.split_rows`) instead of None."""
    read = read_typed(path, catalog)
    if read is None:
        return None
    instrument, frame = read
    if any(frame.null_count().row(0)):  # a missing value, known at once: nothing to write
        return Unusual(instrument, frame, None)
    table = clean_text(frame, instrument)
    partial = out.with_name(out.name + ".partial")
    # polars lets go of the GIL: the rows are screened while the scores are written, a
    # part at a time, and an unusual file stops the writing at the next part
    with ThreadPoolExecutor(max_workers=1) as pool:
        screened = pool.submit(_screen, frame, instrument, catalog, now=now)
        try:
            failure = _write_csv(table, partial, frame.height, stop=screened)
            unusual = screened.result()
            if _needs_full_path(unusual):
                partial.unlink(missing_ok=True)
                return None if unusual is None else Unusual(instrument, frame, unusual)
            if failure is not None:
                raise failure
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(out)
    return frame.height


def score_columns(instrument: Instrument) -> list[str]:
    """The columns `iop score` writes for a file of ``instrument`` alone."""
    columns = [*SCORE_TABLE_COLUMNS, *(s.column for s in instrument.subscales)]
    return columns + triage_columns([instrument])


def clean_text(
    frame: pl.DataFrame | pl.LazyFrame, instrument: Instrument, *, keep: Sequence[str] = ()
) -> pl.LazyFrame:
    """The score table of clean rows of ``instrument``, typed so that polars' CSV writer
    writes the full path's text (:func:`measures.scoretext.format_score_table`): whole
    scores as integers, labels neutralised, no problems; ``keep``: input columns to keep
    in front (a row number)."""
    columns = score_columns(instrument)
    # no text cell may start a spreadsheet formula (the full path's writer makes sure of
    # it too): the input's are screened by unusual_rows, the labels are rewritten here (an
    # Enum's labels are known, so only a label that needs it costs anything)
    labels = [c for c in columns if c not in frame.collect_schema().names()]
    return (
        neutralise_text_columns(_scores(frame, instrument), columns=labels)
        .with_columns(pl.lit("").alias("problems"))
        .select(*keep, *columns)
    )


def _screen(
    frame: pl.DataFrame, instrument: Instrument, catalog: Catalog, *, now: dt.datetime
) -> pl.Series | None:
    """:func:`unusual_rows`, or None when a value breaks a screen (the full path says
    what is wrong with it)."""
    try:
        return unusual_rows(frame, instrument, catalog, now=now)
    except pl.exceptions.PolarsError:
        return None


def _needs_full_path(unusual: pl.Series | None) -> bool:
    """Whether a screen (:func:`_screen`) flagged a row, or could not be run."""
    return unusual is None or bool(unusual.any())


def _write_csv(
    table: pl.LazyFrame, path: Path, rows: int, *, stop: Future[pl.Series | None]
) -> pl.exceptions.PolarsError | None:
    """Write ``table`` to ``path`` a part at a time, until ``stop`` says True; the error
    if unusual values broke the scoring. Every part is scored and written as one frame
    (faster than sink_csv once the file is in memory); the bytes are those of one write."""
    try:
        with path.open("wb") as handle:
            for start in range(0, max(rows, 1), WRITE_ROWS):
                if stop.done() and _needs_full_path(stop.result()):
                    return None
                part = table.slice(start, WRITE_ROWS).collect()
                part.write_csv(handle, include_header=start == 0)
    except pl.exceptions.PolarsError as exc:
        return exc
    return None


def triage_columns(instruments: Sequence[Instrument]) -> list[str]:
    """The risk-level column, once, where any of ``instruments`` has a triage.

    Examples
    --------
    >>> from measures import load_catalog
    >>> catalog = load_catalog()
    >>> triage_columns([catalog["phq9"]]), triage_columns(list(catalog))
    ([], ['risk_level'])
    """
    return list(dict.fromkeys(i.triage.column for i in instruments if i.triage is not None))


def read_typed(path: Path, catalog: Catalog) -> tuple[Instrument, pl.DataFrame] | None:
    """The file's one instrument and the whole file, read once with typed items;
    None when the file is not a plain single-instrument table."""
    header = read_header(path)
    check_header(header, catalog)
    check_text(path)
    instrument = _single_instrument(path, header, catalog)
    if instrument is None:
        return None
    items = [i.id for i in instrument.items]
    if sorted(header) != sorted([*KEY_COLUMNS, *items]):
        return None
    # small answers are read into small integers (less memory to fill); a value
    # beyond the type fails the read, and the full path reports it
    small = all(i.min >= -128 and i.max <= 127 for i in instrument.items)
    schema = {c: (pl.Int8 if small else pl.Int64) if c in items else pl.String for c in header}
    try:
        frame = pl.read_csv(path, schema=schema, has_header=True, encoding="utf8")
    except pl.exceptions.PolarsError:  # text in a number column, ragged rows...
        return None
    return None if frame.is_empty() else (instrument, frame)


def unusual_rows(
    frame: pl.DataFrame, instrument: Instrument, catalog: Catalog, *, now: dt.datetime
) -> pl.Series:
    """True for each row of ``frame`` (read by :func:`read_typed`) that needs the full
    path: a rule's row screen flags it (which may flag more than the rule, never
    less), a value is missing, the measure is not the instrument's id as written, or
    the date cell would be neutralised. A text cell a spreadsheet would run as a formula
    is written with a quote in front by the full path: client ids follow the id rule (a
    letter or digit first, no white space to trim) and the measure is the instrument's
    id, but a date cell may start with a sign (+2025-01-05 reads as a date)."""
    columns = [c for c in frame.columns if c != "row"]
    rules = administration_rules(catalog, columns, now=now, measures=[instrument.id])
    # a Date compares with ``now`` as its midnight, like the full path's Datetime;
    # polars' cache of distinct texts costs more than it saves here
    date = pl.col("administered_on").str.to_date("%Y-%m-%d", strict=False, cache=False)
    dated = frame.with_columns(date.alias("administered_at"))
    in_row = pl.any_horizontal(
        *[r.screen.fill_null(False) for r in rules if not r.across_rows],
        *[pl.col(c).is_null() for c in [*columns, "administered_at"]],
        pl.col("measure") != instrument.id,
        pl.col("administered_on").str.contains(FORMULA_PATTERN),
    )
    unusual = dated.select(in_row.fill_null(True)).to_series()
    # a rule about other rows (duplicates) is screened row by row only when its cheaper
    # whole-frame screen says some row may fail it
    across = [r for r in rules if r.across_rows]
    if across and dated.select(pl.any_horizontal(r.any_screen for r in across)).item():
        screens = [r.screen.fill_null(True) for r in across]
        unusual = unusual | dated.select(pl.any_horizontal(*screens)).to_series()
    return unusual.alias("unusual")


def _scores(frame: pl.DataFrame | pl.LazyFrame, instrument: Instrument) -> pl.LazyFrame:
    """The scores, band, caseness and flags of a clean single-instrument frame."""
    values, _problems = value_exprs(instrument, complete=True)
    return (
        frame.lazy()
        .with_columns(pl.col(i.id).cast(pl.Int64) for i in instrument.items)
        .with_columns(values)
        .with_columns(label_exprs(instrument))
        .with_columns(_whole_numbers(instrument))
    )


def _whole_numbers(instrument: Instrument) -> list[pl.Expr]:
    """Sums of whole answers are whole: keep them as integers (cheaper to write)."""
    return [
        pl.col(s.column).cast(pl.Int64)
        for s in instrument.scores
        if s.formula == "sum" or (s.formula == "sum_times" and s.multiplier.is_integer())
    ]


def _single_instrument(path: Path, header: list[str], catalog: Catalog) -> Instrument | None:
    """The instrument named on the first data row, if it is a catalog id as written."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = csv.reader(handle)
            next(rows, None)
            first = next(rows, None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if first is None or len(first) != len(header):
        return None
    named = pl.DataFrame({"measure": [first[header.index("measure")]]})
    mapped = named.select(normalise_measure(named["measure"], catalog)).item()
    if mapped != named["measure"][0] or mapped not in catalog:
        return None
    return catalog[mapped]


def empty_validation(table: pl.DataFrame) -> Validation:
    """The validation result of a file the fast path scored: nothing rejected."""
    return split(table, no_errors())
