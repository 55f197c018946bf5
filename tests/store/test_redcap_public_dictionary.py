"""A real, public REDCap data dictionary (RADAR-base aRMT, Apache-2.0; see
tests/data/redcap/radar_armt/README.md) plans and imports, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dashboard.importers.redcap import read_redcap
from dashboard.importers.redcap.dictionary import read_dictionary
from measures import load_catalog
from measures.pipeline import score_parsed

FOLDER = Path(__file__).parents[1] / "data" / "redcap" / "radar_armt"
DICTIONARY = FOLDER / "RADARaRMTEnglish_DataDictionary.csv"
RECORDS = FOLDER / "records.csv"
MAPPING = FOLDER / "mapping.toml"


def test_the_public_dictionary_is_read() -> None:
    project = read_dictionary(DICTIONARY)
    assert project.record_id == "record_id"
    assert "phq8" in project.forms
    assert project.fields["phq8_1"].choices()[1] == ("1", "Several days")


def test_its_phq8_repeating_instrument_is_read_and_scored() -> None:
    catalog = load_catalog()
    batch = read_redcap(RECORDS, DICTIONARY, MAPPING, catalog)
    run = score_parsed(batch.parsed, catalog, now=dt.datetime(2026, 11, 1))
    assert run.table.select("source_id", "score", "problems").rows() == [
        ("redcap:radar_armt:A-01:enrolment_arm_1:1:phq8", 8, []),
        ("redcap:radar_armt:A-01:enrolment_arm_1:2:phq8", 5, []),
        ("redcap:radar_armt:A-01:enrolment_arm_1:3:phq8", 2, []),
        ("redcap:radar_armt:A-02:enrolment_arm_1:1:phq8", 18, []),
        (
            "redcap:radar_armt:A-03:enrolment_arm_1:1:phq8",
            None,
            ["phq8_1 holds '4', not one of its choice codes (0, 1, 2, 3)"],
        ),
    ]


def test_it_imports_and_imports_again_as_duplicates(engine, do_import) -> None:
    options = {"redcap_dictionary": DICTIONARY, "redcap_mapping": MAPPING}
    first = do_import(RECORDS, **options)
    assert (first.records, first.accepted, first.rejected) == (5, 4, 1)
    assert first.new_clients == ("A-01", "A-02")
    assert first.rejections["reasons"].to_list() == [
        ["phq8_1 holds '4', not one of its choice codes (0, 1, 2, 3)"]
    ]
    again = do_import(RECORDS, **options)
    assert again.already_imported == first.import_id
