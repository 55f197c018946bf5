"""Hostile files through the import, on both back ends, drawn by Hypothesis.

For every reader: never an uncaught exception; a file set aside changes no table at
all; a file imported adds up (accepted + duplicates + rejected = rows read, every
FHIR entry counted) and changes exactly what its summary says: one administration
per accepted row, one quarantined row per rejected one, one client per new client id.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, seed, settings

from dashboard.imports import ImportResult
from tests.store.conftest import row_counts
from tests.support.hostile_files import administrations_csv, fhir_file, redcap_project, table_csv

#: A few examples per back end: each imports into a real database (the readers alone
#: get many more in tests/importers/test_hostile_properties.py).
few = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path


def check(engine, before: dict[str, int], result: ImportResult, entries: int | None = None):
    """The import's result against the database: nothing partly written."""
    after = row_counts(engine)
    for item in result.set_aside:
        assert "\n" not in item.message
    if not result.summaries:
        event("set aside")
        assert after == before, "a file set aside changed the database"
        return
    (summary,) = result.summaries
    event("some rows accepted" if summary.accepted else "no row accepted")
    assert summary.adds_up
    if entries is not None:
        assert summary.entries == entries
    if summary.already_imported is not None:
        # nothing changes, not even the data version (the pages' caches stay valid)
        assert after == before
        return
    assert after["clients"] - before["clients"] == len(summary.new_clients)
    assert after["rejected_rows"] - before["rejected_rows"] == summary.rejected
    assert after["imports"] - before["imports"] == 1
    if summary.format in ("csv", "redcap", "fhir"):
        assert after["administrations"] - before["administrations"] == summary.accepted


@few
@given(data=administrations_csv())
def test_importing_a_wide_csv(engine, run_import, folder, data):
    path = folder / "a.csv"
    path.write_bytes(data)
    before = row_counts(engine)
    check(engine, before, run_import(path, format="csv"))


@few
@given(drawn=table_csv())
def test_importing_a_table(engine, run_import, folder, drawn):
    kind, data = drawn
    path = folder / "t.csv"
    path.write_bytes(data)
    before = row_counts(engine)
    check(engine, before, run_import(path, format=kind))


@few
@given(project=redcap_project())
def test_importing_a_redcap_export(engine, run_import, folder, project):
    paths = [folder / name for name in ("records.csv", "dictionary.csv", "mapping.toml")]
    for path, data in zip(paths, project, strict=True):
        path.write_bytes(data)
    before = row_counts(engine)
    result = run_import(paths[0], redcap_dictionary=paths[1], redcap_mapping=paths[2])
    check(engine, before, result)


@few
@given(drawn=fhir_file())
def test_importing_fhir(engine, run_import, folder, drawn):
    name, data, entries = drawn
    path = folder / name
    path.write_bytes(data)
    before = row_counts(engine)
    check(engine, before, run_import(path), entries)


@seed(188934753563563292946115234288193447565)  # polars 2.1 panicked on these examples
@few
@given(drawn=table_csv())
def test_importing_the_tables_that_made_the_reasons_panic(engine, run_import, folder, drawn):
    kind, data = drawn
    path = folder / "t.csv"
    path.write_bytes(data)
    before = row_counts(engine)
    check(engine, before, run_import(path, format=kind))
