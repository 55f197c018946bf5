"""Clinicians, episodes, level-of-care changes and attendance imports, on both back ends."""

from __future__ import annotations

from tests.store.conftest import count

CLINICIANS = "clinician_id,display_name,site\nCL1,Dr. Test Heron,Riverside\n"
EPISODES = (
    "client_id,display_name,site,track,clinician_id,episode_id,admitted_on,discharged_on,"
    "discharge_reason\n"
    "C1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06,,\n"
    "C2,Moss Test,Riverside,co_occurring,CL9,E2,2025-01-06,,\n"
    "C3,Reed Test,Riverside,mental_health,,E3,2025-01-06,2025-01-01,completed\n"
)


def test_episodes_need_known_clinicians_and_sane_dates(engine, write_csv, do_import):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    summary = do_import(write_csv("episodes.csv", EPISODES))
    reasons = dict(summary.rejections.iter_rows())
    assert (summary.records, summary.accepted, summary.rejected) == (3, 1, 2)
    assert reasons[3] == ["unknown clinician_id 'CL9': import clinicians first"]
    assert reasons[4] == ["discharged_on is before admitted_on"]
    assert count(engine, "care_levels") == 1  # every episode starts in IOP


def test_a_later_file_updates_an_episode_and_an_identical_one_changes_nothing(
    engine, write_csv, do_import
):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    first = EPISODES.splitlines()[:2]
    do_import(write_csv("e1.csv", "\n".join(first) + "\n"))
    discharged = first[1].replace(",,", ",2025-03-01,completed", 1).replace(",,", ",", 1)
    summary = do_import(write_csv("e2.csv", first[0] + "\n" + discharged + "\n"))
    assert (summary.accepted, summary.duplicates) == (1, 0)
    with engine.connect() as connection:
        reason = connection.exec_driver_sql("SELECT discharge_reason FROM episodes").scalar()
    assert reason == "completed"
    again = do_import(write_csv("e3.csv", first[0] + "\n" + discharged + "\n"))
    assert (again.accepted, again.duplicates) == (0, 1)


def test_attendance_is_matched_to_episodes_and_counted(engine, write_csv, do_import):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    do_import(write_csv("episodes.csv", EPISODES))
    text = (
        "client_id,session_on,session_type,attended,episode_id\n"
        "C1,2025-01-06,group,yes,\n"
        "C1,2025-01-07,group,no,E1\n"
        "C1,2025-01-07,group,yes,E1\n"  # the same session again: the last row wins
        "C1,2024-12-01,group,yes,\n"  # before the episode: kept, no episode
        "C1,2025-01-08,group,yes,E404\n"
        "C1,2025-01-09,dancing,yes,\n"
        "C1,2025-01-10,group,maybe,\n"
    )
    summary = do_import(write_csv("attendance.csv", text))
    reasons = dict(summary.rejections.iter_rows())
    assert (summary.records, summary.accepted, summary.duplicates, summary.rejected) == (
        7,
        3,
        1,
        3,
    )
    assert summary.adds_up
    assert reasons[6] == ["unknown episode_id 'E404': import episodes first"]
    assert "session_type 'dancing' is not one of" in reasons[7][0]
    assert "attended: 'maybe' is not true/false or yes/no" in reasons[8][0]
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT session_on, attended, episode_id IS NOT NULL FROM attendance "
            "ORDER BY session_on"
        ).all()
    assert [(bool(r[1]), bool(r[2])) for r in rows] == [(True, False), (True, True), (True, True)]
    again = do_import(
        write_csv("attendance-2.csv", text.replace("2025-01-06,group,yes", "2025-01-06,group,no"))
    )
    assert (again.accepted, again.duplicates) == (1, 3)
