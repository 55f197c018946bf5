"""Every reader, over hostile files drawn by Hypothesis: a file is unusable with one line,
or every record it holds is read, each a row that is valid or rejected with its reasons.

Never an uncaught exception; the rows add up. (The same files through the import, with
the database counted before and after, are tests/store/test_import_properties.py.)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings

from dashboard.importers.csv_tables import read_table
from dashboard.importers.fhir import read_fhir
from dashboard.importers.fhir.support import holds_only_supporting
from dashboard.importers.redcap import read_redcap
from dashboard.imports.kinds import table_spec
from dashboard.store.batch import ImportBatch, UnusableFile
from measures import FormatError, load_catalog, read_administrations_csv
from measures.fastpath import try_write_scores
from measures.parsing import Parsed
from measures.pipeline import score_csv
from tests.support.hostile_files import administrations_csv, fhir_file, redcap_project, table_csv

CATALOG = load_catalog()
NOW = dt.datetime(2026, 11, 26, 12, 0)
TODAY = NOW.date()
quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def one_line(error: Exception) -> str:
    message = str(error)
    assert message
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def check_parsed(parsed: Parsed) -> None:
    rows = parsed.frame["row"].to_list()
    assert len(rows) == len(set(rows))
    assert set(parsed.errors["row"].to_list()) <= set(rows)


def check_batch(batch: ImportBatch) -> None:
    """Every record is a row of the frame and of the raw text; reasons name known rows."""
    assert batch.records == batch.parsed.frame.height == batch.raw.height
    assert batch.raw["row"].to_list() == batch.parsed.frame["row"].sort().to_list()
    check_parsed(batch.parsed)


@quick
@given(data=administrations_csv())
def test_the_wide_csv_reader_and_both_scoring_paths(folder, data):
    path = folder / "a.csv"
    path.write_bytes(data)
    try:
        parsed = read_administrations_csv(path, CATALOG)
    except FormatError as exc:
        one_line(exc)
        with pytest.raises(FormatError):
            score_csv(path, CATALOG, now=NOW)
        return
    check_parsed(parsed)
    run = score_csv(path, CATALOG, now=NOW)
    assert run.rows == run.table.height
    assert run.rejected + run.unscored <= run.rows
    out = folder / "out.csv"
    out.unlink(missing_ok=True)
    written = try_write_scores(path, out, CATALOG, now=NOW)
    assert written is None or (written == run.rows and run.rejected == 0 and out.is_file())
    assert not (folder / "out.csv.partial").exists()


@quick
@given(drawn=table_csv())
def test_the_table_readers(folder, drawn):
    kind, data = drawn
    path = folder / "t.csv"
    path.write_bytes(data)
    try:
        batch = read_table(path, table_spec(kind), today=TODAY)
    except UnusableFile as exc:
        one_line(exc)
        return
    validation = batch.validation
    assert batch.records == validation.valid.height + validation.rejected.height
    assert batch.raw.height == batch.records
    assert set(validation.errors["row"].to_list()) == set(validation.rejected["row"].to_list())


@quick
@given(project=redcap_project())
def test_the_redcap_reader_with_its_dictionary_and_mapping(folder, project):
    paths = [folder / name for name in ("records.csv", "dictionary.csv", "mapping.toml")]
    for path, data in zip(paths, project, strict=True):
        path.write_bytes(data)
    try:
        batch = read_redcap(*paths, CATALOG)
    except UnusableFile as exc:
        one_line(exc)
        return
    check_batch(batch)


@quick
@given(drawn=fhir_file())
def test_the_fhir_reader_accounts_for_every_entry(folder, drawn):
    name, data, entries = drawn
    path = folder / name
    path.write_bytes(data)
    try:
        batch = read_fhir([path], CATALOG)
    except UnusableFile as exc:
        one_line(exc)
        return
    check_batch(batch)
    event(f"{batch.parsed.frame.height - batch.parsed.errors['row'].n_unique()} valid")
    read = batch.records + sum(batch.not_administrations.values())
    assert read == entries or (read == 0 and holds_only_supporting(path))
