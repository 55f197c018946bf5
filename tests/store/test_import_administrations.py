"""Importing administrations: every row accounted for, nothing lost, nothing added twice."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
import sqlalchemy as sa

from dashboard.access import data_version
from dashboard.store.engine import read
from dashboard.store.exports import scores_table
from measures import load_catalog
from tests.store.conftest import HEADER, count

GOOD = HEADER + "\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,0\nC1,gad7,2025-01-06,2,2,2,2,2,2,2,,\n"


def test_rows_are_accepted_and_counted(engine, write_csv, do_import):
    summary = do_import(write_csv("a.csv", GOOD))
    assert (summary.records, summary.accepted, summary.duplicates, summary.rejected) == (2, 2, 0, 0)
    assert summary.new_clients == ("C1",)
    assert count(engine, "administrations") == 2


def test_importing_the_same_file_twice_changes_nothing(engine, write_csv, do_import):
    path = write_csv("a.csv", GOOD)
    do_import(path)
    tables = ["administrations", "clients", "imports", "rejected_rows", "audit_log"]
    before = {t: count(engine, t) for t in tables}
    again = do_import(path)
    assert again.already_imported is not None
    assert (again.accepted, again.duplicates, again.rejected) == (0, 2, 0)
    assert {t: count(engine, t) for t in tables} == before


def _data_version(engine) -> int:
    with read(engine) as connection:
        return data_version(connection)[0]


def test_a_reimport_leaves_the_data_version_and_the_change_log_alone(engine, write_csv, do_import):
    path = write_csv("a.csv", GOOD)
    do_import(path)
    before = (_data_version(engine), count(engine, "data_changes"))
    again = do_import(path)
    assert again.already_imported is not None
    assert (_data_version(engine), count(engine, "data_changes")) == before  # no page misses


def test_a_file_of_rows_already_stored_is_listed_but_changes_no_version(
    engine, write_csv, do_import
):
    do_import(write_csv("a.csv", GOOD))
    before = (_data_version(engine), count(engine, "data_changes"))
    imports = count(engine, "imports")
    bad = "C1,phq9,2025-01-07,9,9,9,9,9,9,9,9,9\n"  # rejected: quarantined, changes no page
    summary = do_import(write_csv("copy.csv", GOOD + bad))
    assert (summary.accepted, summary.duplicates, summary.rejected) == (0, 2, 1)
    assert count(engine, "imports") == imports + 1  # the imports page lists the attempt
    assert count(engine, "rejected_rows") == 1
    assert (_data_version(engine), count(engine, "data_changes")) == before
    changed = do_import(write_csv("b.csv", GOOD + "C1,phq9,2025-01-20,0,0,0,0,0,0,0,0,0\n"))
    assert changed.accepted == 1
    assert _data_version(engine) > before[0]


def test_a_reimported_table_file_leaves_the_data_version_alone(engine, write_csv, do_import):
    path = write_csv("clinicians.csv", "clinician_id,display_name,site\nK1,Dr One,North\n")
    do_import(path)
    before = _data_version(engine)
    assert do_import(path).already_imported is not None
    assert _data_version(engine) == before


def test_the_same_rows_in_another_file_are_duplicates(engine, write_csv, do_import):
    do_import(write_csv("a.csv", GOOD))
    summary = do_import(write_csv("b.csv", GOOD + "C2,phq9,2025-01-07,0,0,0,0,0,0,0,0,0\n"))
    assert (summary.accepted, summary.duplicates, summary.rejected) == (1, 2, 0)
    assert summary.adds_up


def test_a_changed_submission_is_a_new_version_and_the_old_one_stays(engine, write_csv, do_import):
    do_import(write_csv("a.csv", GOOD))
    fix = HEADER + "\nC1,phq9,2025-01-06,3,3,3,1,1,1,1,1,0\n"
    summary = do_import(write_csv("fix.csv", fix))
    assert (summary.accepted, summary.new_versions) == (1, 1)
    assert count(engine, "administrations", "WHERE instrument = 'phq9'") == 2
    with read(engine) as connection:
        scores = scores_table(connection, load_catalog())
    phq9 = scores.filter(scores["measure"] == "phq9")
    assert phq9["score"].to_list() == [14.0]  # the newest wins in views


def test_a_repeated_row_in_one_file_is_a_duplicate_and_a_changed_one_a_version(
    engine, write_csv, do_import
):
    text = HEADER + (
        "\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,0"
        "\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,0"
        "\nC1,phq9,2025-01-06,2,1,1,1,1,1,1,1,0\n"
    )
    summary = do_import(write_csv("a.csv", text))
    assert (summary.accepted, summary.duplicates, summary.new_versions) == (2, 1, 1)
    assert count(engine, "administrations", "WHERE is_current") == 1


def test_rejected_rows_are_kept_with_their_raw_text_and_reasons(engine, write_csv, do_import):
    text = GOOD + "C2,phq9,2025-01-06,1,1,1,1,9,1,1,1,0\nC3,phq10,2025-01-06,1\n"
    summary = do_import(write_csv("a.csv", text))
    assert (summary.accepted, summary.rejected) == (2, 2)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT row, raw, reasons FROM rejected_rows ORDER BY row"
        ).all()
    assert [r.row for r in rows] == [4, 5]
    assert rows[0].raw == "C2,phq9,2025-01-06,1,1,1,1,9,1,1,1,0"
    assert json.loads(rows[0].reasons) == ["item_5 is 9; PHQ-9 answers are 0-3"]
    assert any("unknown instrument 'phq10'" in r for r in json.loads(rows[1].reasons))


def test_known_clients_only_rejects_new_ids(engine, write_csv, do_import):
    summary = do_import(write_csv("a.csv", GOOD), known_clients_only=True)
    assert (summary.accepted, summary.rejected) == (0, 2)
    assert "unknown client id 'C1'" in summary.rejections["reasons"][0][0]
    assert count(engine, "clients") == 0


def test_administrations_outside_every_episode_are_kept_and_marked(engine, write_csv, do_import):
    do_import(
        write_csv(
            "e.csv",
            "client_id,site,track,episode_id,admitted_on,discharged_on,"
            "discharge_reason\nC1,Riverside,substance_use,E1,2025-02-01,,\n",
        )
    )
    summary = do_import(write_csv("a.csv", GOOD + "C1,phq9,2025-02-03,0,0,0,0,0,0,0,0,0\n"))
    assert (summary.accepted, summary.outside_episode) == (3, 2)
    assert count(engine, "administrations", "WHERE episode_id IS NOT NULL") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("client_id;measure;administered_on\nC1;phq9;2025-01-01\n", "semicolon-separated"),
        ("client_id,measure\nC1,phq9\n", "missing required column(s): administered_on"),
        (HEADER.replace("item_2", "item_1") + "\n", "duplicate column(s) in the header: item_1"),
        ("", "empty"),
    ],
)
def test_unusable_csvs_are_refused_with_one_clear_message(
    engine, write_csv, run_import, text, message
):
    result = run_import(write_csv("bad.csv", text), format="csv")
    assert result.summaries == ()
    (unusable,) = result.unusable
    assert re.search(re.escape(message), unusable.message)
    assert "\n" not in unusable.message
    assert count(engine, "imports") == 0


def test_messy_but_readable_csvs_import_what_is_good(engine, write_csv, do_import):
    text = (
        "\ufeff" + HEADER + "\n\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,0\n\n"
        "C2,phq9,2025-01-06,1,x,1,1,1,1,1,1,0\n"
        "C3,phq9,2099-01-06,1,1,1,1,1,1,1,1,0\n"
        " C4 , PHQ-9 ,2025-01-06,1,1,1,1,1,1,1,1,0\n"
        "C5,phq9,2025-01-06,1,1,1"
    )
    summary = do_import(write_csv("messy.csv", text))
    reasons = {row: r for row, r in summary.rejections.iter_rows()}
    assert (summary.records, summary.accepted, summary.rejected) == (5, 2, 3)
    assert "'x' is not a whole number" in reasons[5][0]
    assert "in the future" in reasons[6][0]
    assert "file cut off" in reasons[8][0]
    assert sorted(summary.new_clients) == ["C1", "C4"]


def test_a_crashed_import_leaves_the_database_as_it_was(engine, database_url, write_csv, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    rows = "\n".join(f"C{n},phq9,2025-01-06,1,1,1,1,1,1,1,1,0" for n in range(3000))
    path = write_csv("big.csv", HEADER + "\n" + rows + "\n")
    marker = tmp_path / "holding"
    env = os.environ | {
        "IOP_TEST_HOLD_BEFORE_COMMIT": str(marker),
        "IOP_DATABASE_URL": database_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # every row is written but not committed: a reader sees none of it
    assert count(engine, "administrations") == 0
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    for table in ("administrations", "clients", "imports", "audit_log"):
        assert count(engine, table) == 0
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1


def test_the_conformance_response_imports_with_its_disagreeing_total_reported(engine, do_import):
    from pathlib import Path

    lforms = Path(__file__).resolve().parents[1] / "data" / "conformance" / "lhncbc-lforms"
    response = (
        lforms
        / "sdc-2.8.0-QuestionnaireResponse-questionnaireresponse-sdc-profile-example-PHQ9.json"
    )
    questionnaire = lforms / "sdc-2.8.0-Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
    summary = do_import(response, supporting=(questionnaire,))
    assert (summary.records, summary.accepted, summary.rejected) == (1, 1, 0)
    assert summary.warnings["problems"].to_list() == [
        ["stored total 13 disagrees with the answers (10); the computed score is used"]
    ]
    with read(engine) as connection:
        scored = scores_table(connection, load_catalog())
    assert scored.select("client_id", "score", "critical").row(0) == ("proband", 10.0, True)


def test_a_raw_who5_total_is_stored_as_its_percentage_and_exported_with_its_scale(
    engine, write_csv, do_import, tmp_path
):
    text = (
        "client_id,measure,administered_on,item_1,item_2,item_3,item_4,item_5,total,total_scale\n"
        "C1,who5,2025-01-06,,,,,,20,raw\n"  # 80%: above the screening threshold
        "C2,who5,2025-01-06,,,,,,20,\n"  # which scale? quarantined, never read as 20%
        "C3,who5,2025-01-06,,,,,,50,percentage\n"  # no raw total gives 50%
        "C4,who5,2025-01-06,4,4,4,4,4,20,raw\n"
    )
    summary = do_import(write_csv("who5.csv", text))
    assert (summary.records, summary.accepted, summary.rejected) == (4, 2, 2)
    assert summary.adds_up
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT stored_total FROM administrations ORDER BY id"
        ).all()
        # a file's lines stay in the file (and in the quarantine); only a check-in keeps raw
        kept_raw = connection.exec_driver_sql("SELECT raw FROM administrations").all()
        quarantined = connection.exec_driver_sql(
            "SELECT row, raw, reasons FROM rejected_rows ORDER BY row"
        ).all()
    assert [s for (s,) in stored] == [80.0, 80.0]
    assert kept_raw == [(None,), (None,)]
    assert [(row, raw.split(",")[0]) for row, raw, _ in quarantined] == [(3, "C2"), (4, "C3")]
    assert "not a multiple of 4" in json.loads(quarantined[1][2])[0]
    with read(engine) as connection:
        exported = scores_table(connection, load_catalog())
    assert exported.select("client_id", "score", "total", "total_scale", "who5_raw").rows() == [
        ("C1", 80.0, 80.0, "percentage", 20.0),
        ("C4", 80.0, 80.0, "percentage", 20.0),
    ]
    # the export imports again as it is: the same totals, on the scale it names
    again = tmp_path / "again.csv"
    exported.with_columns(pl.col("problems").list.join("; ")).write_csv(again)
    assert do_import(again).duplicates == 2
