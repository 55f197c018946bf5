"""The upload page: the same import as the command line, several files at once."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from dashboard.program_settings import APP_SECTIONS
from dashboard.review.reference import fingerprint
from dashboard.store.engine import read
from measures import load_catalog
from measures.program import ProgramConfig
from tests.app.conftest import DEMO_PROGRAM

ROOT = Path(__file__).resolve().parents[2]
REDCAP = ROOT / "data" / "fixtures" / "redcap"
QUESTIONNAIRE = (
    ROOT
    / "tests"
    / "data"
    / "conformance"
    / "lhncbc-lforms"
    / "sdc-2.8.0-Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
)
NEW_CLIENT_CSV = (
    "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10)) + "\n"
    "C9001,phq9,2025-01-06,1,1,1,1,1,1,1,1,0\n"
)


def fingerprints(engine: sa.Engine) -> tuple[str | None, str]:
    """The stored expected ranges' fingerprint, and what it is for the data now."""
    catalog = load_catalog()
    config = ProgramConfig.from_toml(
        DEMO_PROGRAM, catalog=catalog, other_sections=APP_SECTIONS
    ).expected_response
    with read(engine) as connection:
        stored = connection.exec_driver_sql("SELECT fingerprint FROM reference_cache").scalar()
        return stored, fingerprint(connection, catalog, config)


def click(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def test_the_admin_imports_a_csv_and_a_redcap_export_with_its_dictionary_and_mapping(
    open_app, app_db
):
    at = open_app("admin", "admin_imports")
    assert [w.label for w in at.file_uploader] == [at.file_uploader(key="import_files").label]
    at.file_uploader(key="import_files").set_value(
        [
            ("records.csv", (REDCAP / "records.csv").read_bytes(), "text/csv"),
            ("new.csv", NEW_CLIENT_CSV.encode(), "text/csv"),
        ]
    ).run()
    # the REDCap export is recognised: its dictionary and mapping are asked for
    at.file_uploader(key="redcap_dictionary").set_value(
        ("dictionary.csv", (REDCAP / "dictionary.csv").read_bytes(), "text/csv")
    )
    at.file_uploader(key="redcap_mapping").set_value(
        ("mapping.toml", (REDCAP / "mapping.toml").read_bytes(), "application/toml")
    ).run()
    click(at, "Import")
    assert not at.exception, at.exception
    assert not at.error
    records, new = (s.value for s in at.success)  # in the order given
    assert re.fullmatch(
        r"new\.csv \(csv, import #\d+\): 1 row read = 1 accepted \+ 0 duplicates \+ 0 rejected"
        r"; 1 dated outside every episode \(kept, marked\)",
        new,
    )
    assert re.match(
        r"records\.csv \(redcap, import #\d+\): 49 rows read = 47 accepted \+ 0 duplicates \+ "
        r"2 rejected",
        records,
    )
    imports = pl.from_pandas(at.dataframe[0].value)
    assert imports.head(2)["format"].to_list() == ["csv", "redcap"]  # the latest first
    assert "The program's expected ranges were updated." in [c.value for c in at.caption]
    stored, current = fingerprints(app_db)
    assert stored == current


def test_a_questionnaire_uploaded_alone_is_reported_with_why(open_app, app_db):
    at = open_app("admin", "admin_imports")
    before = fingerprints(app_db)
    at.file_uploader(key="import_files").set_value(
        (QUESTIONNAIRE.name, QUESTIONNAIRE.read_bytes(), "application/json")
    ).run()
    click(at, "Import")
    assert [e.value for e in at.error] == [
        f"{QUESTIONNAIRE.name}: holds only Questionnaire/ValueSet/CodeSystem resources: "
        "nothing to import"
    ]
    assert not at.success
    assert fingerprints(app_db) == before
