"""Hostile files through the import, on both back ends: a file that cannot be used is named
with one line and changes nothing; a bad row is rejected with its reason and changes
nothing either; every entry read is accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.imports import headline
from tests.store.conftest import count, row_counts

FHIR = Path(__file__).resolve().parents[1] / "importers" / "data" / "fhir"
CLINICIANS = "clinician_id,display_name,site\nCL1,Dr. Test Heron,Riverside\n"
EPISODE_HEADER = "client_id,display_name,site,track,clinician_id,episode_id,admitted_on\n"


def unusable(result) -> list[str]:
    assert not result.summaries
    return [s.message for s in result.unusable]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "clinician_id,display_name,site,Site\nCL1,Dr. Test Heron,Riverside,Hillcrest\n",
            "c.csv: column(s) site appear more than once in the header (names are read without "
            "case); keep one of each",
        ),
        (
            "clinician_id,display_name,site,site\nCL1,Dr. Test Heron,Riverside,Hillcrest\n",
            "c.csv: column(s) site appear more than once in the header (names are read without "
            "case); keep one of each",
        ),
        (
            CLINICIANS.replace("\n", "\r"),
            "c.csv ends its lines with a carriage return (CR) alone, as classic Mac OS did: "
            "save it again as CSV UTF-8 (comma-delimited)",
        ),
        (
            CLINICIANS + "CL2,Dr. Test\rMoss,Riverside\n",
            "c.csv line 3 holds a carriage return (CR) that ends no line (mixed line ends, or a "
            "stray control character in a cell): save it again as CSV UTF-8 (comma-delimited)",
        ),
    ],
    ids=["site-and-Site", "site-twice", "cr-only", "bare-cr"],
)
def test_a_table_file_that_cannot_be_used_is_named_and_changes_nothing(
    engine, write_csv, run_import, text, message
):
    before = row_counts(engine)
    result = run_import(write_csv("c.csv", text), format="clinicians")
    assert unusable(result) == [message]
    assert row_counts(engine) == before


def test_a_table_body_that_is_not_utf8_is_named_by_its_line(engine, write_csv, run_import):
    path = write_csv("c.csv", CLINICIANS)
    path.write_bytes(path.read_bytes() + b"CL2,Jos\xe9 Test,Riverside\n")
    before = row_counts(engine)
    assert unusable(run_import(path)) == [
        "c.csv line 3 is not UTF-8 text: save it again as CSV UTF-8 (comma-delimited)"
    ]
    assert row_counts(engine) == before


def test_implausible_dates_are_rejected_by_every_importer(engine, write_csv, do_import):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    episodes = do_import(
        write_csv(
            "episodes.csv",
            EPISODE_HEADER + "C1,Fern Test,Riverside,substance_use,CL1,E1,0001-01-06\n",
        )
    )
    assert episodes.rejections["reasons"].to_list() == [
        ["admitted_on 0001-01-06 is before 1900-01-01: not a plausible date"]
    ]
    administrations = do_import(
        write_csv(
            "a.csv",
            "client_id,measure,administered_on,item_1\n"
            "C1,mood_nrs,0001-01-05,5\nC1,mood_nrs,2026-01-05,5\n",
        )
    )
    assert (administrations.accepted, administrations.rejected) == (1, 1)
    assert administrations.rejections["reasons"].to_list() == [
        ["administered_on 0001-01-05 is before 1900-01-01: not a plausible date"]
    ]
    assert count(engine, "administrations") == 1


def test_a_rejected_episode_row_registers_no_client_site_or_track(engine, write_csv, do_import):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    do_import(
        write_csv(
            "e1.csv", EPISODE_HEADER + "C1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06\n"
        )
    )
    before = row_counts(engine)
    summary = do_import(
        write_csv(
            "e2.csv",
            EPISODE_HEADER
            + "C2,Moss Test,Hillcrest,new_track,CL9,E2,2025-01-06\n"  # unknown clinician
            + "C3,Reed Test,Lakeside,other_track,CL1,E1,2025-01-06\n"  # E1 is C1's
            + "C1,Renamed Test,Riverside,substance_use,CL9,E1,2025-01-06\n",
        )
    )
    assert (summary.accepted, summary.rejected) == (0, 3)
    assert summary.new_clients == ()
    after = row_counts(engine)
    for table in ("clients", "sites", "tracks", "episodes", "care_levels"):
        assert after[table] == before[table], table
    with engine.connect() as connection:
        name = connection.exec_driver_sql("SELECT display_name FROM clients").scalar()
    assert name == "Fern Test"


def test_a_rejected_attendance_row_registers_no_client(engine, write_csv, do_import):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    do_import(
        write_csv(
            "e1.csv", EPISODE_HEADER + "C1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06\n"
        )
    )
    summary = do_import(
        write_csv(
            "attendance.csv",
            "client_id,session_on,session_type,attended,episode_id\n"
            "C7,2025-01-07,group,yes,E404\n"  # unknown episode
            "C8,2025-01-07,group,yes,E1\n"  # C1's episode
            "C9,2025-01-07,group,yes,\n",  # accepted: registers C9
        )
    )
    assert (summary.accepted, summary.rejected) == (1, 2)
    assert dict(summary.rejections.iter_rows()) == {
        2: ["unknown episode_id 'E404': import episodes first"],
        3: ["episode_id 'E1' belongs to another client"],
    }
    assert summary.new_clients == ("C9",)
    with engine.connect() as connection:
        codes = connection.exec_driver_sql("SELECT code FROM clients ORDER BY code").scalars()
        assert list(codes) == ["C1", "C9"]


def test_a_bundle_with_junk_entries_accounts_for_every_entry(engine, write_csv, run_import):
    response = json.loads((FHIR / "phq9_r4_loinc.json").read_text(encoding="utf-8"))
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": response},
            "junk",
            {"fullUrl": "urn:uuid:0"},
            {"resource": {"id": 1}},
            {"resource": {"resourceType": "Patient", "id": "fict-1001"}},
            {"resource": {"resourceType": "Questionnaire", "id": "q"}},
            {"resource": {"resourceType": "OperationOutcome"}},
        ],
    }
    result = run_import(write_csv("bundle.json", json.dumps(bundle)))
    (summary,) = result.summaries
    assert headline(summary).split(": ", 1)[1] == (
        "7 entries read = 1 accepted + 0 duplicates + 3 rejected + 3 not administrations "
        "(1 OperationOutcome, 1 Patient, 1 Questionnaire); 1 dated outside every episode "
        "(kept, marked)"
    )
    assert summary.adds_up
    assert count(engine, "rejected_rows") == 3
    assert count(engine, "administrations") == 1


def test_a_bundle_whose_entry_is_a_string_is_unusable(engine, write_csv, run_import):
    before = row_counts(engine)
    result = run_import(write_csv("b.json", '{"resourceType":"Bundle","entry":"x"}'))
    assert unusable(result) == ["b.json is a Bundle whose 'entry' is not a list"]
    assert row_counts(engine) == before


def test_a_redcap_mapping_nested_5000_deep_is_unusable(engine, write_csv, run_import):
    redcap = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "redcap"
    mapping = write_csv("mapping.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n")
    before = row_counts(engine)
    result = run_import(
        redcap / "records.csv",
        redcap_dictionary=redcap / "dictionary.csv",
        redcap_mapping=mapping,
    )
    assert unusable(result) == [
        "records.csv: mapping.toml is nested too deeply to be a REDCap mapping"
    ]
    assert row_counts(engine) == before


def test_blank_lines_and_unit_separators_keep_the_count_and_the_raw_text(
    engine, write_csv, do_import
):
    summary = do_import(
        write_csv(
            "a.csv",
            "client_id,measure,administered_on,item_1\n"
            '""\n'  # one empty quoted cell: a blank line, no row
            "C1,mood_nrs,2026-01-05,5\n"
            "C2,mood_nrs,2026-01-05,\x1f11\n",  # an ASCII unit separator in a cell
        )
    )
    assert (summary.records, summary.accepted, summary.rejected) == (2, 1, 1)
    assert summary.adds_up
    with engine.connect() as connection:
        raw = connection.exec_driver_sql("SELECT raw FROM rejected_rows").scalar()
    assert raw == "C2,mood_nrs,2026-01-05,\x1f11"


def test_a_file_of_totals_only_imports_as_the_readme_shows(engine, write_csv, do_import):
    summary = do_import(
        write_csv(
            "who5.csv",
            "client_id,measure,administered_on,total,total_scale\nC0002,who5,2026-11-02,20,raw\n",
        )
    )
    assert (summary.records, summary.accepted) == (1, 1)
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT items, stored_total, total_only FROM administrations"
        ).one()
    assert (row[0], row[1], bool(row[2])) == ("[null,null,null,null,null]", 80, True)
