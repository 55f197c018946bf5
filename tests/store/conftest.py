"""Helpers for the store tests: write small CSV files and import them as the command line does."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.auth.viewer import operator_viewer
from dashboard.imports import ImportOptions, ImportResult, import_files
from dashboard.store.importing import ImportSummary
from measures import load_catalog
from measures.program import ProgramConfig

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
def run_import(engine):
    """Import files into the test database through the import use-case; returns its result."""
    catalog = load_catalog()
    program = ProgramConfig.from_toml(None, catalog=catalog)

    def run(*paths: Path, **options) -> ImportResult:
        return import_files(
            engine,
            paths,
            viewer=operator_viewer("test"),
            catalog=catalog,
            program=program,
            options=ImportOptions(**options),
        )

    return run


@pytest.fixture
def do_import(run_import):
    """Import one file (with its supporting FHIR files); returns its summary."""

    def run(path: Path, *, supporting: tuple[Path, ...] = (), **options) -> ImportSummary:
        result = run_import(path, *supporting, **options)
        assert not result.unusable, [s.message for s in result.unusable]
        (summary,) = result.summaries
        return summary

    return run


def count(engine: sa.Engine, table: str, where: str = "") -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table} {where}").scalar())


def row_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows in every table of the schema: what a file that could not be used must not change."""
    from dashboard.store.tables import metadata

    with engine.connect() as connection:
        return {
            name: int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar())
            for name, table in metadata.tables.items()
        }
