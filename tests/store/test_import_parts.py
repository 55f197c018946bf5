"""A large file is written a part at a time: the result is the one of writing it in one go."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from dashboard.importers.csv_administrations import read_administrations_file
from dashboard.store import tables as t
from dashboard.store.importing import ImportSummary, write_administrations
from measures import load_catalog
from tests.store.conftest import HEADER

NOW = dt.datetime(2026, 11, 26, 12, 0)
#: Repeats and resubmissions across the parts' boundaries (parts of 2 rows: lines 2-3, 4-5...).
FILE = HEADER + (
    "\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,0"
    "\nC2,gad7,2025-01-06,2,2,2,2,2,2,2,,"
    "\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,0"  # the same row again: a duplicate
    "\nC3,phq9,2025-01-07,9,9,9,9,9,9,9,9,9"  # rejected
    "\nC1,phq9,2025-01-06,3,3,3,1,1,1,1,1,0"  # changed: version 2, the current one
    "\nC4,phq9,2025-01-08,0,0,0,0,0,0,0,0,0"
    "\nC1,phq9,2025-01-06,2,2,2,1,1,1,1,1,0"  # changed again: version 3
    "\nC2,gad7,2025-01-06,2,2,2,2,2,2,2,,"  # a duplicate of a row two parts back
    "\n,phq9,2025-01-09,0,0,0,0,0,0,0,0,0"  # rejected: no client
    "\nC4,phq9,2025-01-08,0,0,0,0,0,0,0,0,0\n"
)
COLUMNS = ("instrument", "administered_at", "version", "is_current", "items")


def _written(engine: sa.Engine, path, *, part_rows: int) -> tuple[ImportSummary, list]:
    """Write the file, read back what it stored, then roll it all back."""
    catalog = load_catalog()
    batch = read_administrations_file(path, catalog)
    a = t.administrations.c
    with engine.connect() as connection:
        transaction = connection.begin()
        summary = write_administrations(
            connection,
            batch,
            file_name="a.csv",
            content_hash="x",
            imported_by="test",
            catalog=catalog,
            source="csv",
            now=NOW,
            part_rows=part_rows,
        )
        rows = connection.execute(
            sa.select(t.clients.c.code, *[a[c] for c in COLUMNS])
            .join(t.clients, a.client_id == t.clients.c.id)
            .order_by(a.id)
        ).all()
        transaction.rollback()
    return summary, list(rows)


def _facts(summary: ImportSummary) -> tuple[object, ...]:
    return (
        summary.records,
        summary.accepted,
        summary.duplicates,
        summary.rejected,
        summary.new_versions,
        summary.new_clients,
        summary.rejections.to_dicts(),
        summary.warnings.to_dicts(),
    )


def test_a_file_written_in_parts_stores_what_one_part_would(engine, write_csv):
    path = write_csv("a.csv", FILE)
    whole, whole_rows = _written(engine, path, part_rows=1_000)
    parted, parted_rows = _written(engine, path, part_rows=2)
    assert (whole.accepted, whole.duplicates, whole.rejected, whole.new_versions) == (5, 3, 2, 2)
    assert _facts(parted) == _facts(whole)
    assert parted_rows == whole_rows
    current = pl.DataFrame([r._asdict() for r in parted_rows]).filter(pl.col("is_current"))
    assert current["version"].to_list() == [1, 1, 3]  # one current row per administration


def test_a_line_with_too_many_fields_late_in_the_file_leaves_nothing_stored(
    engine, write_csv, run_import
):
    """The part reader finds a line with more fields than the header only when it reads
    that part: the transaction is rolled back (the parts before it included) and the
    file is set aside with the line named, as a file refused at once would be."""
    rows = [f"C{n},phq9,2025-01-{n + 1:02d},1,1,1,1,1,1,1,1,0" for n in range(6)]
    rows[4] += ",1,2"
    path = write_csv("late.csv", "\n".join([HEADER, *rows]) + "\n")
    before = _counts(engine)
    result = run_import(path)
    assert not result.summaries
    (unusable,) = result.unusable
    assert "line 6 has 14 fields but the header has 12" in unusable.message
    assert _counts(engine) == before


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (t.administrations, t.imports, t.clients)
        )
