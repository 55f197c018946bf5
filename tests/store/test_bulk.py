"""The bulk writer: all of a frame or none of it, triggers fired, nothing left behind."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa

from dashboard.store.bulk import BATCH, insert_frame
from dashboard.store.engine import write


def _probe(engine: sa.Engine) -> sa.Table:
    """A table with a unique column and a row trigger counting what it was given."""
    metadata = sa.MetaData()
    table = sa.Table(
        "bulk_probe",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.Integer, unique=True, nullable=False),
        sa.Column("note", sa.Text),
    )
    sa.Table("bulk_seen", metadata, sa.Column("code", sa.Integer))
    metadata.create_all(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "CREATE FUNCTION bulk_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO bulk_seen VALUES (NEW.code); RETURN NULL; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER bulk_seen AFTER INSERT ON bulk_probe "
                "FOR EACH ROW EXECUTE FUNCTION bulk_seen()"
            )
        else:
            connection.exec_driver_sql(
                "CREATE TRIGGER bulk_seen AFTER INSERT ON bulk_probe FOR EACH ROW "
                "BEGIN INSERT INTO bulk_seen VALUES (NEW.code); END"
            )
    return table


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one())


def test_rows_of_several_batches_are_written_and_each_fires_the_triggers(engine) -> None:
    table = _probe(engine)
    rows = BATCH * 2 + 7
    frame = pl.DataFrame({"code": range(rows), "note": ["kept"] * rows})
    steps: list[int] = []
    with write(engine) as connection:
        insert_frame(connection, table, frame, progress=steps.append)
    assert (_count(engine, "bulk_probe"), _count(engine, "bulk_seen")) == (rows, rows)
    assert steps == [BATCH, BATCH, 7]


def test_a_refused_row_leaves_nothing_and_does_not_echo_the_values(engine) -> None:
    table = _probe(engine)
    frame = pl.DataFrame({"code": [*range(BATCH + 5), 3], "note": "private words"})
    with pytest.raises(sa.exc.IntegrityError) as refused, write(engine) as connection:
        insert_frame(connection, table, frame)
    assert "private words" not in str(refused.value)
    assert (_count(engine, "bulk_probe"), _count(engine, "bulk_seen")) == (0, 0)


def test_sqlite_keeps_no_staging_table(engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the staging table is SQLite's")
    table = _probe(engine)
    with write(engine) as connection:
        insert_frame(connection, table, pl.DataFrame({"code": [1, 2], "note": None}))
        left = connection.exec_driver_sql("SELECT name FROM sqlite_temp_master").scalars().all()
    assert left == []
