"""A mostly clean file: its clean rows on the fast path, the few others on the full path.

A large export with a few unusual rows (a missing item, an answer out of range, a
date in the future) is read once with typed items, as the fast path reads a clean
file (:mod:`measures.fastpath`). Each row is screened with the row screens of the
very same rules as the full path; the rows no screen flags are scored with the
fast path's expressions, and only the flagged rows are parsed, validated and scored
by the full path (:func:`measures.pipeline.score_parsed`), so its cost follows the
unusual rows, not the file. The one rule about other rows (duplicates) flags every
member of a group, so a group is never split; a flagged row whose parsed key
(trimmed, normalised id, measure and date) equals a clean row's would be judged
with that row by the full path, so such a file is left to the full path whole.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from measures.catalog import Catalog
from measures.definition import Instrument
from measures.fastpath import Unusual, read_typed, score_clean, unusual_rows
from measures.identifiers import normalise_columns
from measures.parsing import Parsed, parse_administrations, short_rows_in, with_short_rows


@dataclass(frozen=True)
class Split:
    """The clean rows' score table and the flagged rows, parsed as the full path would."""

    instrument: Instrument
    clean: pl.DataFrame
    flagged: Parsed


@dataclass(frozen=True)
class Rows:
    """The file's rows (numbered as the full path numbers them), which need the full
    path (``unusual``) and those rows parsed as the full path would."""

    instrument: Instrument
    frame: pl.DataFrame
    unusual: pl.Series
    flagged: Parsed


def split_csv(path: Path, catalog: Catalog, *, now: dt.datetime) -> Split | None:
    """``path`` read once and split, or None when the full path must read it whole.

    Examples
    --------
    >>> import tempfile
    >>> from measures import load_catalog
    >>> text = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 8))
    >>> text += "\\nC1,gad7,2025-01-06,1,1,1,1,1,1,1\\nC2,gad7,2025-01-06,1,1,,1,1,1,1\\n"
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write(text)
    >>> split = split_csv(Path(f.name), load_catalog(), now=dt.datetime(2026, 1, 1))
    >>> split.clean["row"].to_list(), split.flagged.frame["row"].to_list()
    ([2], [3])
    """
    rows = split_rows(path, catalog, now=now)
    if rows is None:
        return None
    clean = rows.frame.lazy().filter(~rows.unusual)
    return Split(rows.instrument, score_clean(clean, rows.instrument), rows.flagged)


def split_rows(
    path: Path, catalog: Catalog, *, now: dt.datetime, read: Unusual | None = None
) -> Rows | None:
    """:func:`split_csv` before the clean rows are scored (a writer scores them a part
    at a time), or None when the full path must read the file whole; ``read``: the
    fast path's read of the file (and its screen), when it has one."""
    if read is None:
        typed = read_typed(path, catalog)
        if typed is None:
            return None
        read = Unusual(*typed, None)
    instrument, frame = read.instrument, read.frame
    header = frame.columns
    numbered = frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    # a short row (a file cut off mid-line) shows in its line's fields: the lines are
    # read while the rows are screened (polars lets go of the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        short = pool.submit(short_rows_in, path, frame)
        mask = read.rows
        if mask is None:
            mask = unusual_rows(frame, instrument, catalog, now=now)
        flagged = _parsed(numbered.filter(mask), short.result(), header, catalog)
    if _keys_meet(flagged.frame, numbered.lazy().filter(~mask), instrument, catalog):
        return None
    return Rows(instrument, numbered, mask, flagged)


def _parsed(rows: pl.DataFrame, short: pl.DataFrame, header: list[str], catalog: Catalog) -> Parsed:
    """The flagged rows as :func:`measures.parsing.read_administrations_csv` gives them,
    with the file's ``short`` rows among them."""
    items = [c for c in header if c in catalog.item_columns]
    raw = rows.with_columns(pl.col(c).cast(pl.Int64) for c in items)
    return with_short_rows(parse_administrations(raw, catalog), short)


def _keys_meet(
    flagged: pl.DataFrame, clean: pl.LazyFrame, instrument: Instrument, catalog: Catalog
) -> bool:
    """Whether a flagged row, once parsed, has a clean row's key, or names another
    instrument of the catalog (its own columns in the table): then the full path must
    see the file whole."""
    if flagged.is_empty():
        return False
    named = set(flagged["measure"].drop_nulls().unique().to_list())
    if (named & set(catalog.ids)) - {instrument.id}:
        return True
    key = ["client_id", "measure", "administered_at"]
    theirs = normalise_columns(flagged, ["client_id"]).select(key).drop_nulls()
    date = pl.col("administered_on").str.to_date("%Y-%m-%d", strict=False)
    ours = clean.filter(pl.col("client_id").is_in(theirs["client_id"].unique().implode())).select(
        "client_id", "measure", date.cast(pl.Datetime("us")).alias(key[2])
    )
    return not theirs.lazy().join(ours, on=key, how="semi").collect().is_empty()
