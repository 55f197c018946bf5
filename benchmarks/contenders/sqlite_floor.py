"""Contender (the floor of ``iop import``): the rows an import stored, written again with
bare ``sqlite3``: a Parquet file of them read with polars, ``executemany`` of plain tuples
into the same migrated template (indexes, constraints and triggers as the import meets
them), one transaction, committed. Usage: ``sqlite_floor.py DATABASE ROWS.parquet``;
``sqlite_floor.py --export DATABASE ROWS.parquet`` writes the Parquet file (untimed setup)
from a database an import wrote (every column as stored, but the id and the time recorded),
then deletes the administrations from it: it becomes the floor's template, holding the
clients and the import the rows refer to.
"""

from __future__ import annotations

import sqlite3
import sys

import polars as pl

#: Rows per executemany call (as the import's bulk writer).
BATCH = 20_000


def main(database: str, rows: str) -> None:
    """Insert every row of ``rows`` into ``administrations`` of ``database``."""
    frame = pl.read_parquet(rows)
    columns = ", ".join(frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("BEGIN IMMEDIATE")
    statement = f"INSERT INTO administrations ({columns}) VALUES ({marks})"
    for start in range(0, frame.height, BATCH):
        connection.executemany(statement, frame.slice(start, BATCH).iter_rows())
    connection.execute("COMMIT")
    connection.close()


def export(database: str, rows: str) -> None:
    """Write the stored administrations of ``database`` (values as stored) to ``rows``."""
    connection = sqlite3.connect(database)
    names = [r[1] for r in connection.execute("PRAGMA table_info(administrations)")]
    columns = [n for n in names if n not in ("id", "recorded_at")]
    cursor = connection.execute(f"SELECT {', '.join(columns)} FROM administrations ORDER BY id")
    frame = pl.DataFrame(cursor.fetchall(), schema=columns, orient="row", infer_schema_length=None)
    frame.write_parquet(rows)
    connection.execute("DELETE FROM administrations")
    connection.commit()
    connection.execute("VACUUM")
    connection.close()


if __name__ == "__main__":
    if sys.argv[1] == "--export":
        export(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1], sys.argv[2])
