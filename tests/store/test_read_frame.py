"""read_frame gives the same frame on both back ends, whatever the text holds (PostgreSQL
reads through COPY ... TO STDOUT as CSV where every column's kind allows it)."""

from __future__ import annotations

import datetime as dt
import gc

import polars as pl
import pytest
import sqlalchemy as sa

from dashboard.store.engine import read, write
from dashboard.store.reads import ColumnMismatch, collector_paused, read_frame

METADATA = sa.MetaData()
SAMPLES = sa.Table(
    "read_frame_samples",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text, nullable=True),
    sa.Column("flag", sa.Boolean, nullable=True),
    sa.Column("day", sa.Date, nullable=True),
    sa.Column("at", sa.DateTime, nullable=True),
    sa.Column("value", sa.Float, nullable=True),
)
ROWS = [
    {
        "id": 1,
        "label": 'a "quoted", comma',
        "flag": True,
        "day": dt.date(2026, 1, 2),
        "at": dt.datetime(2026, 1, 2, 9, 30),
        "value": 0.1,
    },
    {
        "id": 2,
        "label": "",
        "flag": False,
        "day": None,
        "at": dt.datetime(2026, 1, 2, 9, 30, 0, 123456),
        "value": -1e-7,
    },
    {"id": 3, "label": None, "flag": None, "day": None, "at": None, "value": None},
    {
        "id": 4,
        "label": "two\nlines, é ✓ \\N NULL",
        "flag": True,
        "day": dt.date(1999, 12, 31),
        "at": dt.datetime(1999, 12, 31, 23, 59, 59, 500000),
        "value": 1 / 3,
    },
]
SCHEMA = {
    "id": pl.Int64,
    "label": pl.String,
    "flag": pl.Boolean,
    "day": pl.Date,
    "at": pl.Datetime("us"),
    "value": pl.Float64,
}


@pytest.fixture
def samples(engine: sa.Engine) -> sa.Engine:
    METADATA.create_all(engine)
    with write(engine) as connection:
        connection.execute(SAMPLES.insert(), ROWS)
    return engine


def test_every_kind_of_value_reads_back_exactly(samples: sa.Engine) -> None:
    """Also on a PostgreSQL session whose own settings would print dates day first and
    floats rounded to 15 digits."""
    query = sa.select(*(SAMPLES.c[name] for name in SCHEMA)).order_by(SAMPLES.c.id)
    with read(samples) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET datestyle = 'SQL, DMY'; SET extra_float_digits = 0")
        frame = read_frame(connection, query, SCHEMA)
    assert frame.schema == pl.Schema(SCHEMA)
    assert frame.to_dicts() == ROWS
    assert gc.isenabled()  # paused for the read only


def test_a_single_column_keeps_its_null_rows(samples: sa.Engine) -> None:
    """A null alone on its line is an empty line of CSV: still a row."""
    query = sa.select(SAMPLES.c.label).order_by(SAMPLES.c.id)
    with read(samples) as connection:
        frame = read_frame(connection, query, {"label": pl.String})
    assert frame["label"].to_list() == [row["label"] for row in ROWS]


def test_a_query_without_rows_gives_the_schema(samples: sa.Engine) -> None:
    query = sa.select(*(SAMPLES.c[name] for name in SCHEMA)).where(SAMPLES.c.id > 99)
    with read(samples) as connection:
        frame = read_frame(connection, query, SCHEMA)
    assert frame.is_empty()
    assert frame.schema == pl.Schema(SCHEMA)


def test_parameters_and_in_lists_are_bound(samples: sa.Engine) -> None:
    query = (
        sa.select(SAMPLES.c.id, SAMPLES.c.label)
        .where(SAMPLES.c.id.in_([2, 4]), SAMPLES.c.label != "it's 100%")
        .order_by(SAMPLES.c.id)
    )
    with read(samples) as connection:
        frame = read_frame(connection, query, {"id": pl.Int64, "label": pl.String})
    assert frame.to_dicts() == [{"id": r["id"], "label": r["label"]} for r in ROWS[1::2]]


def test_a_timestamp_read_as_text_is_the_same_text_on_both_back_ends(samples: sa.Engine) -> None:
    """A column whose SQL type is not its schema's kind is read as before on PostgreSQL
    (its CSV text would differ: no zero fraction)."""
    query = (
        sa.select(sa.type_coerce(SAMPLES.c.at, sa.String).label("at"))
        .where(SAMPLES.c.id == 1)
        .order_by(SAMPLES.c.id)
    )
    with read(samples) as connection:
        frame = read_frame(connection, query, {"at": pl.String})
    assert frame["at"].to_list() == ["2026-01-02 09:30:00.000000"]


def test_columns_not_named_as_the_schema_are_refused(samples: sa.Engine) -> None:
    query = sa.select(SAMPLES.c.id, SAMPLES.c.label.label("name"))
    with read(samples) as connection, pytest.raises(ColumnMismatch, match="missing label"):
        read_frame(connection, query, {"id": pl.Int64, "label": pl.String})


def test_the_garbage_collector_is_paused_while_reads_overlap_and_left_as_it_was():
    assert gc.isenabled()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second read is still inside
    second.__exit__(None, None, None)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a process that turned it off keeps it off
    finally:
        gc.enable()
