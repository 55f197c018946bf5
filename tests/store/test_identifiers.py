"""Identifiers from every importer: normalised (NFKC), checked against one pattern, and a
row that fails rejected with its reason before anything is written; the same input taken
the same way by SQLite and PostgreSQL (a NUL byte or an over-long id once aborted a whole
file there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.table_text import column_length
from measures.identifiers import ID_MAX_LENGTH, SOURCE_ID_MAX_LENGTH
from tests.importers.test_redcap import PHQ2_HEADER, PHQ2_MAPPING, phq2_fields, write_project
from tests.store.conftest import HEADER, count

FHIR_RESPONSE = Path(__file__).parents[1] / "importers" / "data" / "fhir" / "phq9_r4_loinc.json"
ITEMS = "1,1,1,1,1,1,1,1,0"

#: The look-alike and control characters of issue 11 item 4, and what each is called.
HOSTILE_IDS = {
    "right-to-left override": "C\u202e1000",
    "zero-width space": "C\u200b1000",
    "NUL": "C\x001000",
    "ANSI escape": "C\x1b[31m1000",
    "embedded newline": "C\n1000",
    "formula": "=1+1",
    "space": "C 1000",
    "65 characters": "C" * 65,
}
#: How each is shown in its reason: control and invisible characters as escapes.
SHOWN = {
    "right-to-left override": "client_id 'C\\u202e1000' has an invisible or control character "
    "(\\u202e)",
    "zero-width space": "client_id 'C\\u200b1000' has an invisible or control character (\\u200b)",
    "NUL": "client_id 'C\\x001000' has an invisible or control character (\\x00)",
    "ANSI escape": "client_id 'C\\x1b[31m1000' has an invisible or control character (\\x1b)",
    "embedded newline": "client_id 'C\\n1000' has an invisible or control character (\\n)",
    "formula": "client_id '=1+1' starts with '='; an id starts with a letter or digit",
    "space": "client_id 'C 1000' has ' '; an id has only letters, digits, '.', '_' and '-'",
    "65 characters": "client_id has 65 characters; an id has at most 64",
}


def csv_cell(value: str) -> str:
    """``value`` as one CSV cell (quoted, so a line break stays inside it)."""
    return '"' + value.replace('"', '""') + '"'


def stored_codes(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.exec_driver_sql("SELECT code FROM clients ORDER BY code").scalars())


def quarantined(engine: sa.Engine) -> list[tuple[str, list[str]]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT raw, reasons FROM rejected_rows ORDER BY import_id, row"
        ).all()
    return [(raw, json.loads(reasons)) for raw, reasons in rows]


@pytest.mark.parametrize("case", sorted(HOSTILE_IDS))
def test_a_wide_csv_row_with_a_hostile_client_id_is_rejected_and_registers_nothing(
    engine, write_csv, do_import, case
):
    value = HOSTILE_IDS[case]
    text = f"{HEADER}\n{csv_cell(value)},phq9,2025-01-06,{ITEMS}\nC2,phq9,2025-01-06,{ITEMS}\n"
    summary = do_import(write_csv("a.csv", text))
    assert (summary.records, summary.accepted, summary.duplicates, summary.rejected) == (2, 1, 0, 1)
    assert summary.adds_up
    ((row, reasons),) = summary.rejections.iter_rows()
    assert row == 2
    assert reasons == [SHOWN[case]]
    assert summary.new_clients == ("C2",)
    assert stored_codes(engine) == ["C2"]
    assert count(engine, "administrations") == 1
    ((raw, stored),) = quarantined(engine)
    assert stored == [SHOWN[case]]
    # the rejected row is kept (a NUL, which PostgreSQL's text cannot hold, as \x00)
    assert raw.startswith(csv_cell(value)[:2])
    assert "\x00" not in raw


def test_full_width_digits_are_the_ascii_digits_after_nfkc(engine, write_csv, do_import):
    text = (
        f"{HEADER}\nC1,phq9,2025-01-06,{ITEMS}\n"
        f"C\uff11,gad7,2025-01-06,1,1,1,1,1,1,1,,\n"  # C and a full-width 1
        f"\uff23\uff12,phq9,2025-01-06,{ITEMS}\n"  # full-width C2
    )
    summary = do_import(write_csv("a.csv", text))
    assert (summary.accepted, summary.rejected) == (3, 0)
    assert summary.new_clients == ("C1", "C2")
    assert stored_codes(engine) == ["C1", "C2"]


def test_a_full_width_id_is_the_same_client_and_administration_as_its_ascii_form(
    engine, write_csv, do_import
):
    do_import(write_csv("a.csv", f"{HEADER}\nC1,phq9,2025-01-06,{ITEMS}\n"))
    again = do_import(write_csv("b.csv", f"{HEADER}\nC\uff11,phq9,2025-01-06,{ITEMS}\n"))
    assert (again.accepted, again.duplicates, again.new_clients) == (0, 1, ())
    assert stored_codes(engine) == ["C1"]


def test_a_nul_byte_in_a_rejected_row_is_kept_escaped_on_both_back_ends(
    engine, write_csv, do_import
):
    # PostgreSQL refused the whole file (a traceback with the rows) where SQLite took it
    text = f"{HEADER}\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,9\x00\nC2,phq9,2025-01-06,{ITEMS}\n"
    summary = do_import(write_csv("a.csv", text))
    assert (summary.records, summary.accepted, summary.rejected) == (2, 1, 1)
    ((raw, reasons),) = quarantined(engine)
    assert raw == "C1,phq9,2025-01-06,1,1,1,1,1,1,1,1,9\\x00"
    assert reasons == ["item_9: '9\x00' is not a whole number"]
    assert stored_codes(engine) == ["C2"]


def test_a_source_id_too_long_or_like_a_formula_is_rejected(engine, write_csv, do_import):
    text = (
        f"{HEADER},source_id\nC1,phq9,2025-01-06,{ITEMS},{'x' * 201}\n"
        f"C1,phq9,2025-01-07,{ITEMS},=HYPERLINK(1)\nC1,phq9,2025-01-08,{ITEMS},rec-9\n"
    )
    summary = do_import(write_csv("a.csv", text))
    assert (summary.records, summary.accepted, summary.rejected) == (3, 1, 2)
    assert dict(summary.rejections.iter_rows()) == {
        2: ["source_id has 201 characters; at most 200"],
        3: [
            "source_id '=HYPERLINK(1)' starts with '=', which a spreadsheet would run as a formula"
        ],
    }


CLINICIANS = "clinician_id,display_name,site\nCL1,Dr. Test Heron,Riverside\n"
EPISODE_HEADER = (
    "client_id,display_name,site,track,clinician_id,episode_id,admitted_on,discharged_on,"
    "discharge_reason\n"
)


@pytest.mark.parametrize("case", sorted(HOSTILE_IDS))
def test_an_episode_row_with_a_hostile_client_id_is_rejected_and_registers_nothing(
    engine, write_csv, do_import, case
):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    text = EPISODE_HEADER + (
        f"{csv_cell(HOSTILE_IDS[case])},Fern Test,Riverside,substance_use,CL1,E1,2025-01-06,,\n"
        "C2,Moss Test,Riverside,substance_use,CL1,E2,2025-01-06,,\n"
    )
    summary = do_import(write_csv("episodes.csv", text))
    assert (summary.records, summary.accepted, summary.rejected) == (2, 1, 1)
    assert dict(summary.rejections.iter_rows()) == {2: [SHOWN[case]]}
    assert stored_codes(engine) == ["C2"]
    assert count(engine, "episodes") == 1


def test_every_identifier_of_a_table_file_is_checked(engine, write_csv, do_import):
    clinicians = (
        "clinician_id,display_name,site\n"
        "CL1,Dr. Test Heron,Riverside\n"
        f"{'K' * 51},Dr. Long Id,Riverside\n"  # the column holds 50
        "CL3,Dr. Test\x00Nul,Riverside\n"
        "CL4,Dr. Test Wren,=HYPERLINK(1)\n"
        "CL5,Dr. Test Owl,River\u200bside\n"
        f"CL6,{'N' * 201},Riverside\n"
        "\uff23\uff2c7,Dr. Test Full Width,\uff32iverside\n"  # CL7 and Riverside after NFKC
    )
    summary = do_import(write_csv("clinicians.csv", clinicians))
    assert (summary.records, summary.accepted, summary.rejected) == (7, 2, 5)
    assert dict(summary.rejections.iter_rows()) == {
        3: ["clinician_id has 51 characters; an id has at most 50"],
        4: [
            "display_name 'Dr. Test\\x00Nul' has a control character or a right-to-left override "
            "(\\x00)"
        ],
        5: ["site '=HYPERLINK(1)' starts with '='; a name starts with a letter or digit"],
        6: ["site 'River\\u200bside' has an invisible or control character (\\u200b)"],
        7: ["display_name has 201 characters; at most 200"],
    }
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name FROM sites").scalars().all() == ["Riverside"]
        assert connection.exec_driver_sql(
            "SELECT code FROM clinicians ORDER BY code"
        ).scalars().all() == ["CL1", "CL7"]
    episodes = EPISODE_HEADER + (
        "C1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06,,\n"
        "C2,Moss Test,Riverside,mental health,CL1,E\u202e2,2025-01-06,,\n"
        f"C3,Reed Test,Riverside,{'t' * 51},CL1,E3,2025-01-06,,\n"
        "C4,Ash Test,Riverside,substance_use,CL\u200b1,E4,2025-01-06,,\n"
    )
    summary = do_import(write_csv("episodes.csv", episodes))
    assert (summary.records, summary.accepted, summary.rejected) == (4, 1, 3)
    assert dict(summary.rejections.iter_rows()) == {
        3: ["episode_id 'E\\u202e2' has an invisible or control character (\\u202e)"],
        4: ["track has 51 characters; an id has at most 50"],
        5: ["clinician_id 'CL\\u200b1' has an invisible or control character (\\u200b)"],
    }
    assert stored_codes(engine) == ["C1"]
    care = (
        "client_id,episode_id,changed_on,level_of_care,reason\n"
        "C1,E1,2025-01-20,op,stepped\ndown\n"
        "C1,E\uff11,2025-01-27,php,back up\n"
    )
    summary = do_import(write_csv("care_levels.csv", care.replace("stepped\ndown", '"a\x1bb"')))
    assert (summary.records, summary.accepted, summary.rejected) == (2, 1, 1)
    assert dict(summary.rejections.iter_rows()) == {
        2: ["reason 'a\\x1bb' has a control character or a right-to-left override (\\x1b)"]
    }
    attendance = (
        "client_id,session_on,session_type,attended,episode_id\n"
        "C1,2025-01-07,group,yes,E1\n"
        "C\u202e1,2025-01-08,group,yes,\n"
        "=1+1,2025-01-08,group,yes,\n"
    )
    summary = do_import(write_csv("attendance.csv", attendance))
    assert (summary.records, summary.accepted, summary.rejected) == (3, 1, 2)
    assert summary.adds_up
    assert stored_codes(engine) == ["C1"]


def test_a_redcap_record_id_is_an_identifier(engine, tmp_path, run_import):
    rows = (
        "=1+1,,2025-01-06,1,1,2\n"
        "R\u202e1,,2025-01-06,1,1,2\n"
        "\uff32\uff12,,2025-01-06,1,1,2\n"  # full-width R2
    )
    records, dictionary, mapping = write_project(
        tmp_path, phq2_fields(), PHQ2_HEADER + rows, PHQ2_MAPPING
    )
    result = run_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    (summary,) = result.summaries
    assert (summary.records, summary.accepted, summary.rejected) == (3, 1, 2)
    reasons = [r for rs in summary.rejections["reasons"] for r in rs]
    assert reasons == [
        "client_id '=1+1' starts with '='; an id starts with a letter or digit",
        "client_id 'R\\u202e1' has an invisible or control character (\\u202e)",
        # the REDCap key made of the record id
        "source_id 'redcap:pid_7:R\\u202e1::1:phq2' has a control character or a right-to-left "
        "override (\\u202e)",
    ]
    assert stored_codes(engine) == ["R2"]


@pytest.mark.parametrize("case", ["right-to-left override", "NUL", "65 characters"])
def test_a_fhir_subject_is_an_identifier(engine, tmp_path, do_import, case):
    resource = json.loads(FHIR_RESPONSE.read_text(encoding="utf-8"))
    resource["subject"] = {"reference": f"Patient/{HOSTILE_IDS[case]}"}
    path = tmp_path / "response.json"
    path.write_text(json.dumps(resource), encoding="utf-8")
    summary = do_import(path)
    assert (summary.records, summary.accepted, summary.rejected) == (1, 0, 1)
    assert [r for rs in summary.rejections["reasons"] for r in rs] == [SHOWN[case]]
    assert stored_codes(engine) == []
    ((raw, _reasons),) = quarantined(engine)
    assert json.loads(raw)["subject"]["reference"] == f"Patient/{HOSTILE_IDS[case]}"


def test_the_store_holds_every_id_and_source_id_the_rules_accept():
    assert column_length(t.clients.c.code) == ID_MAX_LENGTH
    assert column_length(t.episodes.c.code) == ID_MAX_LENGTH
    assert column_length(t.administrations.c.source_id) == SOURCE_ID_MAX_LENGTH
