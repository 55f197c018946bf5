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


def _attributes(engine) -> dict[str, tuple[str | None, ...]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT c.code, a.age_band, a.gender, a.primary_substance, a.payer "
            "FROM client_attributes a JOIN clients c ON c.id = a.client_id ORDER BY c.code"
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_client_attributes_set_what_each_row_gives_and_reject_what_they_cannot_use(
    engine, write_csv, do_import
):
    do_import(write_csv("clinicians.csv", CLINICIANS))
    episodes = EPISODES.replace("CL9", "CL1").replace("2025-01-01,completed", ",")
    assert do_import(write_csv("episodes.csv", episodes)).accepted == 3
    text = (
        "client_id,age_band,gender,primary_substance,payer\n"
        "C1,25-34,female,alcohol,Medicaid\n"
        "C3,45-54,,none,\n"
        "C404,25-34,male,opioids,commercial\n"  # no episode: not a known client
        "C1,,,,\n"  # nothing to set
        "C2,=SUM(A1),male,,\n"  # a formula is no category
    )
    summary = do_import(write_csv("client_attributes.csv", text))
    reasons = dict(summary.rejections.iter_rows())
    assert summary.format == "csv (client_attributes)"
    assert (summary.records, summary.accepted, summary.rejected) == (5, 2, 3)
    assert reasons[4] == ["unknown client_id 'C404': import episodes first"]
    assert reasons[5] == [
        "no attribute given: fill in one of age_band, gender, primary_substance, payer"
    ]
    assert reasons[6] == [
        "age_band '=SUM(A1)' starts with '='; a name starts with a letter or digit"
    ]
    assert count(engine, "rejected_rows") == 3
    assert _attributes(engine) == {
        "C1": ("25-34", "female", "alcohol", "Medicaid"),
        "C3": ("45-54", None, "none", None),
    }
    # a later file with one column changes that column only; the same again is a duplicate
    later = "client_id,payer\nC1,commercial\nC3,Medicare\n"
    assert do_import(write_csv("payers.csv", later)).accepted == 2
    assert do_import(write_csv("payers2.csv", later + "\n")).duplicates == 2
    assert _attributes(engine) == {
        "C1": ("25-34", "female", "alcohol", "commercial"),
        "C3": ("45-54", None, "none", "Medicare"),
    }
