"""Contender (the floor of ``iop import`` on PostgreSQL): the rows an import stored,
written again with a bare ``COPY ... FROM STDIN`` (psycopg, CSV: quoted text, unquoted
empty for null) into the same migrated database (indexes, constraints and triggers as
the import meets them), one transaction. Usage: ``postgres_floor.py URL ROWS.parquet``;
``postgres_floor.py --export URL ROWS.parquet`` writes the Parquet file (untimed setup)
from a database an import wrote (every column as stored but the id and the time
recorded), then empties its administrations: it becomes the floor's template, holding
the clients and the import the rows refer to.
"""

from __future__ import annotations

import sys

import polars as pl
import psycopg

#: Rows per CSV chunk handed to COPY (as the import's bulk writer).
BATCH = 20_000


def main(url: str, rows: str) -> None:
    """COPY every row of ``rows`` into ``administrations`` of the database at ``url``."""
    frame = pl.read_parquet(rows)
    statement = f"COPY administrations ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)"
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for start in range(0, frame.height, BATCH):
                batch = frame.slice(start, BATCH)
                copy.write(batch.write_csv(include_header=False, quote_style="non_numeric"))
        connection.commit()


def export(url: str, rows: str) -> None:
    """Write the stored administrations at ``url`` (values as stored) to ``rows``."""
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'administrations' ORDER BY ordinal_position"
        )
        columns = [r[0] for r in cursor.fetchall() if r[0] not in ("id", "recorded_at")]
        cursor.execute(f"SELECT {', '.join(columns)} FROM administrations ORDER BY id")
        frame = pl.DataFrame(
            cursor.fetchall(), schema=columns, orient="row", infer_schema_length=None
        )
        frame.write_parquet(rows)
        cursor.execute("TRUNCATE administrations CASCADE")
        connection.commit()


def _plain(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


if __name__ == "__main__":
    if sys.argv[1] == "--export":
        export(_plain(sys.argv[2]), sys.argv[3])
    else:
        main(_plain(sys.argv[1]), sys.argv[2])
