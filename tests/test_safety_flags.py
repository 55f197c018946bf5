"""Safety flags reach the team at once, unknown is not safe, and only a recorded follow-up
closes a flag: the agenda, the client's record and readiness on the demo database."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from dashboard import access, clock
from dashboard.checkin.safety import record_safety_answer
from dashboard.checkin.submit import load_draft, save_draft
from dashboard.program_settings import APP_SECTIONS, AppSettings
from dashboard.review.agenda import build_agenda
from dashboard.review.follow_ups import Flag, FollowUpRejected, record_follow_up
from dashboard.review.record import load_client_record, with_assessments
from dashboard.review.reference import current_reference
from dashboard.store.engine import read
from measures import load_catalog
from measures.program import ProgramConfig
from tests.conftest import viewer_of

CATALOG = load_catalog()
PROGRAM = ProgramConfig.from_toml(
    "data/fixtures/demo_program.toml", catalog=CATALOG, other_sections=APP_SECTIONS
)
TODAY = clock.today()
CLIENT = "C0215"  # the demo client: no safety answer in the fixtures
SAFETY, UNKNOWN = "Safety answer to follow up", "Safety unknown"


def _agenda(engine):
    with read(engine) as connection:
        return build_agenda(
            connection,
            viewer_of(engine, "clinician"),
            catalog=CATALOG,
            program=PROGRAM,
            reference=current_reference(engine, CATALOG, PROGRAM.expected_response),
            as_of=TODAY,
        )


def _row(agenda, client=CLIENT):
    return agenda.rows.filter(pl.col("client_id") == client).row(0, named=True)


def _record(engine, viewer="clinician"):
    with read(engine) as connection:
        record = load_client_record(
            connection, viewer_of(engine, viewer), CLIENT, catalog=CATALOG, as_of=TODAY
        )
    reference = current_reference(engine, CATALOG, PROGRAM.expected_response)
    return with_assessments(record, catalog=CATALOG, program=PROGRAM, reference=reference)


def _answer_item_9(engine, value=2):
    return record_safety_answer(
        engine,
        viewer_of(engine, "client"),
        measure="phq9",
        item="item_9",
        value=value,
        catalog=CATALOG,
        settings=AppSettings(),
    )


def test_an_answer_in_a_check_in_saved_for_later_puts_the_client_first_at_once(demo_copy):
    assert _row(_agenda(demo_copy))["priority_label"] != SAFETY
    with read(demo_copy) as connection:
        version = access.data_version(connection)
    client = viewer_of(demo_copy, "client")
    _answer_item_9(demo_copy)  # as the radio changes, before "Save and finish later"
    save_draft(demo_copy, client, {"answers": {"phq9": {"item_9": 2}}})
    with read(demo_copy) as connection:
        assert access.data_version(connection) > version  # cached pages miss
        assert (
            connection.execute(
                sa.text("SELECT COUNT(*) FROM administrations WHERE source = 'self-report'")
            ).scalar()
            == 0
        )
    agenda = _agenda(demo_copy)
    row = _row(agenda)
    assert row["priority_label"] == SAFETY
    assert (
        agenda.rows["client_id"][0]
        in agenda.rows.filter(pl.col("priority_label") == SAFETY)["client_id"].to_list()
    )
    assert "PHQ-9 item 9 answered 2 on" in row["flags"]
    assert "(check-in not finished): no follow-up yet" in row["flags"]
    assert load_draft(demo_copy, client) == {"answers": {"phq9": {"item_9": 2}}}
    readiness = _record(demo_copy).readiness.criterion("safety")
    assert readiness.met is False


def test_a_total_only_phq9_is_safety_unknown_below_answers_above_deterioration(demo_copy):
    from dashboard.store.engine import write

    with write(demo_copy) as connection:  # as an import or a FHIR Observation stores it
        pk = connection.execute(sa.text("SELECT id FROM clients WHERE code = :c"), {"c": CLIENT})
        connection.execute(
            sa.text(
                "INSERT INTO administrations (client_id, instrument, administered_at, source, "
                "items, stored_total, total_only, content_hash, recorded_by) VALUES "
                "(:pk, 'phq9', :at, 'fhir', :items, 9, true, 'h', 'test')"
            ),
            {
                "pk": pk.scalar_one(),
                "at": dt.datetime.combine(TODAY, dt.time(9)),
                "items": "[" + ",".join(["null"] * 9) + "]",
            },
        )
    agenda = _agenda(demo_copy)
    row = _row(agenda)
    assert row["priority_label"] == UNKNOWN
    assert "PHQ-9 item 9 unanswered on" in row["flags"]
    labels = agenda.rows["priority_label"].to_list()
    assert labels.index(UNKNOWN) > max(i for i, v in enumerate(labels) if v == SAFETY)
    assert labels.index(UNKNOWN) < labels.index("Reliable deterioration")
    record = _record(demo_copy)
    assert record.readiness.criterion("safety").met is False
    (flag,) = record.flags.filter(pl.col("kind") == "unknown").iter_rows(named=True)
    record_follow_up(
        demo_copy,
        viewer_of(demo_copy, "clinician"),
        Flag(CLIENT, "phq9", "unknown", flag["flagged_on"]),
        action="contacted",
        outcome="no_current_risk",
        note="Asked in person at group: no thoughts of self-harm.",
        catalog=CATALOG,
    )
    assert _row(_agenda(demo_copy))["priority_label"] != UNKNOWN
    assert _record(demo_copy).readiness.criterion("safety").met is True


def test_an_acknowledgement_from_before_follow_ups_leaves_the_flag_open(demo_copy):
    flagged = "C0230"  # two PHQ-9 item 9 answers in the fixtures
    with demo_copy.begin() as connection:
        ids = connection.execute(
            sa.text(
                "SELECT a.id FROM administrations a JOIN clients c ON c.id = a.client_id "
                "WHERE c.code = :c AND a.instrument = 'phq9'"
            ),
            {"c": flagged},
        ).scalars()
        for administration in ids:
            connection.execute(
                sa.text(
                    "INSERT INTO flag_acknowledgements (administration_id, acknowledged_by) "
                    "VALUES (:a, 'clinician')"
                ),
                {"a": administration},
            )
    row = _row(_agenda(demo_copy), flagged)
    assert row["priority_label"] == SAFETY
    assert row["open_safety"] == 2


def test_a_follow_up_needs_a_note_an_allowed_outcome_and_the_caseload(demo_copy):
    _answer_item_9(demo_copy)
    clinician = viewer_of(demo_copy, "clinician")
    flag = Flag(CLIENT, "phq9", "endorsed", TODAY)
    with pytest.raises(FollowUpRejected, match="a note is needed"):
        record_follow_up(
            demo_copy,
            clinician,
            flag,
            action="contacted",
            outcome="no_current_risk",
            note=" ",
            catalog=CATALOG,
        )
    with pytest.raises(FollowUpRejected, match="choose the outcome"):
        record_follow_up(
            demo_copy,
            clinician,
            flag,
            action="contacted",
            outcome="risk_low",
            note="x",
            catalog=CATALOG,
        )
    with pytest.raises(FollowUpRejected, match="no such safety flag"):
        record_follow_up(
            demo_copy,
            clinician,
            Flag(CLIENT, "phq9", "endorsed", TODAY - dt.timedelta(days=400)),
            action="contacted",
            outcome="no_current_risk",
            note="x",
            catalog=CATALOG,
        )
    from dashboard.auth.permissions import NotPermitted

    with pytest.raises(NotPermitted):
        record_follow_up(
            demo_copy,
            clinician,
            Flag("C0003", "phq9", "endorsed", TODAY),  # another site's client
            action="contacted",
            outcome="no_current_risk",
            note="x",
            catalog=CATALOG,
        )
    with demo_copy.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM safety_follow_ups")).scalar() == 0


def test_not_reached_keeps_the_flag_open_and_elevated_risk_keeps_readiness_unmet(demo_copy):
    _answer_item_9(demo_copy)
    clinician = viewer_of(demo_copy, "clinician")
    flag = Flag(CLIENT, "phq9", "endorsed", TODAY)
    record_follow_up(
        demo_copy,
        clinician,
        flag,
        action="tried_to_reach",
        note="No answer at 10 am.",
        catalog=CATALOG,
        outcome="not_reached",
    )
    assert _row(_agenda(demo_copy))["priority_label"] == SAFETY
    record_follow_up(
        demo_copy,
        clinician,
        flag,
        action="referred_to_crisis_services",
        outcome="referred_to_crisis_services",
        note="Reached at 2 pm; referred to the crisis team.",
        catalog=CATALOG,
    )
    row = _row(_agenda(demo_copy))
    assert row["priority_label"] != SAFETY
    assert "followed up, elevated risk (referred to crisis services)" in row["flags"]
    record = _record(demo_copy)
    (shown,) = record.flags.iter_rows(named=True)
    assert (shown["closed"], shown["elevated"]) == (True, True)
    safety = record.readiness.criterion("safety")
    assert safety.met is False
    assert "followed up with elevated risk" in safety.value


def test_the_screener_follow_up_stores_an_administration_and_its_risk_level(demo_copy):
    _answer_item_9(demo_copy)
    clinician = viewer_of(demo_copy, "clinician")
    flag = Flag(CLIENT, "phq9", "endorsed", TODAY)
    low = {"item_1": 1, "item_2": 0, "item_6": 0}
    recorded = record_follow_up(
        demo_copy,
        clinician,
        flag,
        action="screened",
        screener_answers=low,
        note="Screened in person.",
        catalog=CATALOG,
    )
    assert (recorded.risk_level, recorded.outcome.key, recorded.outcome.closes) == (
        "Low",
        "risk_low",
        True,
    )
    with demo_copy.connect() as connection:
        stored = connection.execute(
            sa.text(
                "SELECT a.instrument, a.source, f.risk_level FROM safety_follow_ups f "
                "JOIN administrations a ON a.id = f.administration_id"
            )
        ).one()
    assert stored == ("cssrs_screen", "follow-up", "Low")
    assert _record(demo_copy).readiness.criterion("safety").met is True
    high = {"item_1": 1, "item_2": 1, "item_3": 1, "item_4": 1, "item_5": 0, "item_6": 0}
    recorded = record_follow_up(
        demo_copy,
        clinician,
        flag,
        action="screened",
        screener_answers=high,
        note="Screened again after a call.",
        catalog=CATALOG,
    )
    assert (recorded.risk_level, recorded.outcome.elevated) == ("High", True)
    record = _record(demo_copy)
    assert record.readiness.criterion("safety").met is False
    screener_flags = record.flags.filter(pl.col("measure") == "cssrs_screen")
    assert screener_flags["closed"].to_list() == [True]  # followed up by the same follow-up
    assert screener_flags["elevated"].to_list() == [True]


def test_a_clients_own_record_shows_no_follow_up_notes(demo_copy):
    _answer_item_9(demo_copy)
    record_follow_up(
        demo_copy,
        viewer_of(demo_copy, "clinician"),
        Flag(CLIENT, "phq9", "endorsed", TODAY),
        action="contacted",
        outcome="no_current_risk",
        note="Team only.",
        catalog=CATALOG,
    )
    own = _record(demo_copy, "client")
    assert own.follow_ups["note"].to_list() == [None]
    assert own.follow_ups["recorded_by"].to_list() == [None]


def test_an_answer_lowered_before_saving_is_never_lost(demo_copy):
    from dashboard.checkin.submit import submit_checkin

    _answer_item_9(demo_copy)  # 2, as first answered
    phq9 = {f"item_{n}": 1 for n in range(1, 10)} | {"item_9": 0}
    result = submit_checkin(
        demo_copy,
        viewer_of(demo_copy, "client"),
        answers={"phq9": phq9},
        triggers=[],
        coping=[],
        reflection="",
        catalog=CATALOG,
    )
    assert result.saved
    row = _row(_agenda(demo_copy))
    assert row["priority_label"] == SAFETY
    assert "PHQ-9 item 9 answered 2 on" in row["flags"]
    assert "(changed before the check-in was saved)" in row["flags"]
