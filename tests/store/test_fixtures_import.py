"""The committed fixtures import completely on both back ends; twice changes nothing;
the score export round-trips through a fresh database."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import sqlalchemy as sa

from dashboard.auth.viewer import operator_viewer
from dashboard.imports import import_files
from dashboard.store import schema
from dashboard.store.engine import make_engine, read
from dashboard.store.exports import scores_table
from measures import load_catalog
from measures.program import ProgramConfig
from tests.store.conftest import count

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures"
FILES = (
    "clinicians.csv",
    "episodes.csv",
    "care_levels.csv",
    "administrations.csv",
    "attendance.csv",
)
TABLES = (
    "clients",
    "episodes",
    "care_levels",
    "administrations",
    "attendance",
    "rejected_rows",
    "imports",
    "audit_log",
)


def _import(engine: sa.Engine, *paths: Path) -> list:
    catalog = load_catalog()
    result = import_files(
        engine,
        paths,
        viewer=operator_viewer("test"),
        catalog=catalog,
        program=ProgramConfig.from_toml(None, catalog=catalog),
    )
    assert result.set_aside == ()
    return list(result.summaries)


def _import_all(engine: sa.Engine) -> list:
    return _import(engine, *(FIXTURES / name for name in FILES))


def test_every_fixture_row_is_accounted_for_and_a_second_import_changes_nothing(engine):
    summaries = _import_all(engine)
    assert all(s.adds_up for s in summaries)
    administrations = summaries[3]
    assert administrations.rejected == 12  # the deliberate bad rows of the manifest
    assert administrations.duplicates == 2  # the exact duplicates
    assert administrations.new_versions == 2  # the corrections
    before = {t: count(engine, t) for t in TABLES}
    again = _import_all(engine)
    assert all(s.already_imported is not None for s in again)
    assert {t: count(engine, t) for t in TABLES} == before


def test_the_score_export_round_trips(engine, tmp_path):
    _import_all(engine)
    catalog = load_catalog()
    with read(engine) as connection:
        first = scores_table(connection, catalog)
    exported = tmp_path / "export.csv"
    first.with_columns(pl.col("problems").list.join("; ")).write_csv(exported)
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = make_engine(fresh_url)
    schema.upgrade(fresh)
    (summary,) = _import(fresh, exported)
    assert (summary.accepted, summary.rejected) == (first.height, 0)
    with read(fresh) as connection:
        second = scores_table(connection, catalog)
    columns = [c for c in first.columns if c not in ("source", "source_id", "import_id")]
    assert second.select(columns).equals(first.select(columns))
    fresh.dispose()
