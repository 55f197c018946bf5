"""REDCap source ids name their project (issue 15 item 4): record 1 of two projects is two
administrations, and what was stored before projects were named is neither doubled nor
replaced by a re-import. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.matching import EARLIER_ID_DIFFERS
from tests.importers.test_redcap import PHQ2_HEADER, PHQ2_MAPPING, phq2_fields, write_project

ANSWERS = {"mild": "1,,2026-03-02,0,1,2\n", "severe": "1,,2026-03-02,3,3,2\n"}


def project(folder: Path, name: str, answers: str) -> tuple[Path, Path, Path]:
    """A REDCap PHQ-2 project ``name`` whose record 1 gave ``answers``."""
    folder.mkdir()
    mapping = PHQ2_MAPPING.replace('project = "pid_7"', f'project = "{name}"')
    return write_project(folder, phq2_fields(), PHQ2_HEADER + ANSWERS[answers], mapping)


def stored(engine: sa.Engine) -> list[tuple[str, str, bool]]:
    """(source id, answers, current) of every stored administration, by id."""
    a = t.administrations.c
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(a.source_id, a["items"], a.is_current).order_by(a.id)
        ).all()
    return [(s, i, bool(c)) for s, i, c in rows]


def forget_projects(engine: sa.Engine) -> None:
    """Store ids as the reader wrote them before projects were named: redcap:<record>:..."""
    a = t.administrations
    with engine.begin() as connection:
        connection.execute(
            a.update().values(source_id=sa.func.replace(a.c.source_id, "redcap:pid_1:", "redcap:"))
        )


@pytest.mark.parametrize("answers", ["mild", "severe"])
def test_the_same_record_of_two_projects_is_two_administrations(
    engine, tmp_path, do_import, answers
) -> None:
    records, dictionary, mapping = project(tmp_path / "a", "pid_1", "mild")
    do_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    records, dictionary, mapping = project(tmp_path / "b", "pid_2", answers)
    summary = do_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    assert (summary.accepted, summary.duplicates, summary.new_versions) == (1, 0, 0)
    assert stored(engine) == [
        ("redcap:pid_1:1::1:phq2", "[0,1]", True),
        ("redcap:pid_2:1::1:phq2", "[0,1]" if answers == "mild" else "[3,3]", True),
    ]


def test_a_reimport_of_records_stored_without_project_is_a_duplicate(
    engine, tmp_path, do_import
) -> None:
    records, dictionary, mapping = project(tmp_path / "a", "pid_1", "mild")
    do_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    forget_projects(engine)
    summary = do_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    assert (summary.accepted, summary.duplicates, summary.rejected) == (0, 1, 0)
    assert stored(engine) == [("redcap:1::1:phq2", "[0,1]", True)]


def test_other_answers_for_a_record_stored_without_project_are_rejected(
    engine, tmp_path, do_import
) -> None:
    records, dictionary, mapping = project(tmp_path / "a", "pid_1", "mild")
    do_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    forget_projects(engine)
    records, dictionary, mapping = project(tmp_path / "b", "pid_1", "severe")
    summary = do_import(records, redcap_dictionary=dictionary, redcap_mapping=mapping)
    assert (summary.accepted, summary.duplicates, summary.rejected) == (0, 0, 1)
    assert summary.rejections["reasons"].to_list() == [[EARLIER_ID_DIFFERS]]
    assert stored(engine) == [("redcap:1::1:phq2", "[0,1]", True)]
    with engine.connect() as connection:
        kept = connection.execute(sa.select(t.rejected_rows.c.raw)).scalars().all()
    assert kept == ["1,,2026-03-02,3,3,2"]


LONGITUDINAL = (
    "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,"
    "phq2_date,phq2_1,phq2_2,phq2_complete\n"
    "1,week_1_arm_1,,,2026-03-02,1,1,2\n"  # two events
    "1,week_2_arm_1,,,2026-03-02,1,1,2\n"
    "1,daily_arm_1,phq2,1,2026-03-02,1,1,2\n"  # a repeating instrument
    "1,daily_arm_1,phq2,2,2026-03-02,1,1,2\n"
    "1,visit_arm_1,,1,2026-03-02,1,1,2\n"  # a repeating event
    "1,visit_arm_1,,2,2026-03-02,1,1,2\n"
)


def test_events_and_repeat_instances_on_one_day_are_distinct_administrations(
    engine, tmp_path, do_import
) -> None:
    paths = write_project(tmp_path, phq2_fields(), LONGITUDINAL, PHQ2_MAPPING)
    summary = do_import(paths[0], redcap_dictionary=paths[1], redcap_mapping=paths[2])
    assert (summary.records, summary.accepted, summary.duplicates) == (6, 6, 0)
    assert [s for s, _, _ in stored(engine)] == [
        "redcap:pid_7:1:week_1_arm_1:1:phq2",
        "redcap:pid_7:1:week_2_arm_1:1:phq2",
        "redcap:pid_7:1:daily_arm_1:1:phq2",
        "redcap:pid_7:1:daily_arm_1:2:phq2",
        "redcap:pid_7:1:visit_arm_1:1:phq2",
        "redcap:pid_7:1:visit_arm_1:2:phq2",
    ]
    (tmp_path / "again.csv").write_text(LONGITUDINAL + "\n", encoding="utf-8")
    again = do_import(tmp_path / "again.csv", redcap_dictionary=paths[1], redcap_mapping=paths[2])
    assert (again.accepted, again.duplicates) == (0, 6)
