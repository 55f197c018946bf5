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
    at.checkbox(key="register_new_clients").check().run()  # new.csv's client is new
    click(at, "Import")
    assert not at.exception, at.exception
    assert not at.error
    (new,) = (s.value for s in at.main.success)
    # rows were rejected: a warning, not a success
    records = next(w.value for w in at.main.warning if w.value.startswith("records.csv"))
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
    assert imports.head(2)["What"].to_list() == [  # the latest first
        "Questionnaire answers (CSV)",
        "Questionnaire answers (REDCap)",
    ]
    # the stored expected ranges are those of the data now (brought up to date after
    # the import only when it changed what they rest on)
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


def test_an_upload_rejects_unknown_client_ids_unless_told_to_register_them(open_app, app_db):
    at = open_app("admin", "admin_imports")
    register = at.checkbox(key="register_new_clients")
    assert register.label.startswith("Register new clients")
    assert register.value is False
    at.file_uploader(key="import_files").set_value(
        ("week 48.csv", NEW_CLIENT_CSV.encode(), "text/csv")
    ).run()
    click(at, "Import")
    (told,) = at.main.warning  # and no client registered
    assert re.fullmatch(
        r"week 48\.csv \(csv, import #\d+\): 1 row read = 0 accepted \+ 0 duplicates \+ "
        r"1 rejected\. The rejected rows are kept in the quarantine below\.",
        told.value,
    )
    with app_db.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT count(*) FROM clients WHERE code = 'C9001'").scalar()
            == 0
        )
    # the list names the file as it was uploaded, with counts in words
    latest = at.dataframe[0].value.iloc[0]
    assert list(at.dataframe[0].value.columns) == ["When", "File", "Rows", "By", "What"]
    assert (latest["File"], latest["What"], latest["By"], latest["Rows"]) == (
        "week 48.csv",
        "Questionnaire answers (CSV)",
        "Demo Administrator",
        "1 row: 0 accepted, 1 rejected",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", latest["When"])
    chosen = at.selectbox[-1]
    assert chosen.label == "Rejected rows of"
    assert re.fullmatch(
        r"week 48\.csv, \d{4}-\d\d-\d\d \d\d:\d\d: 1 rejected row", chosen.format_func(chosen.value)
    )
    assert "1 rejected row, kept with its reason and the row as it was in the file." in [
        m.value for m in at.markdown
    ]
    quarantine = at.dataframe[1].value
    assert list(quarantine.columns) == ["Row", "Why it was rejected", "As it was in the file"]
    assert quarantine["Why it was rejected"].tolist() == [
        "unknown client id 'C9001': not registered, and this import registers no new clients"
    ]

    at.file_uploader(key="import_files").set_value(
        ("week 48 again.csv", NEW_CLIENT_CSV.encode() + b"\n", "text/csv")
    ).run()
    at.checkbox(key="register_new_clients").check().run()
    click(at, "Import")
    assert [w.value for w in at.main.warning] == ["New client ids registered: C9001"]
    assert at.dataframe[0].value.iloc[0]["Rows"] == "1 row: 1 accepted"


def test_the_imports_list_shows_every_import_a_clients_check_in_included(open_app, app_db):
    from dashboard.checkin.submit import submit_checkin
    from measures import load_catalog
    from tests.conftest import viewer_of

    saved = submit_checkin(
        app_db,
        viewer_of(app_db, "client"),
        answers={"mood_nrs": {"item_1": 6}},
        triggers=[],
        coping=[],
        reflection="",
        catalog=load_catalog(),
    )
    assert saved.saved, saved.errors
    imports = at_imports = open_app("admin", "admin_imports").dataframe[0].value
    latest = imports.iloc[0]
    assert (latest["File"], latest["What"], latest["By"], latest["Rows"]) == (
        "A client's check-in",
        "A client's check-in",
        "Demo Client",
        "1 row: 1 accepted",
    )
    assert set(at_imports["File"]) >= {"clinicians.csv", "episodes.csv", "administrations.csv"}
    assert not at_imports["File"].str.contains("/").any()  # no folder, no temporary path
