"""Helpers for the store tests: write small CSV files and import them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.importers.run import ImportRequest, import_file
from dashboard.store.importing import ImportSummary
from measures import load_catalog

HEADER = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10))


@pytest.fixture
def write_csv(tmp_path):
    """Write text to a CSV file in tmp_path and return its path."""

    def write(name: str, text: str, *, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def do_import(engine):
    """Import a file into the test database; returns the summary."""
    catalog = load_catalog()

    def run(path: Path, **options) -> ImportSummary:
        return import_file(
            engine, ImportRequest(path=path, **options), catalog=catalog, imported_by="test"
        )

    return run


def count(engine: sa.Engine, table: str, where: str = "") -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table} {where}").scalar())
