"""On-call notifications: a safety answer reaches a real SMTP server and a real webhook at
once, holding no client data; failures are retried, audited by error class, shown."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from email import message_from_string
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.checkin.safety import notification_status, record_safety_answer, what_happens
from dashboard.notify import Sender, drain, undelivered
from dashboard.notify.outbox import claim_due, enqueue, mark_failed
from dashboard.program_settings import AppSettings
from dashboard.store import tables as t
from dashboard.store.engine import read, write
from measures import load_catalog
from tests.conftest import viewer_of
from tests.support.ports import free_port
from tests.support.receivers import on_call_program

CATALOG = load_catalog()
SITE = "Hillcrest"  # the demo client's site
CLIENT = ("C0215", "Alder Elk")  # the demo client: never in a message
ANSWER = CATALOG["phq9"].item("item_9").option_label(2)
ROOT = Path(__file__).resolve().parents[1]


def _settings(tmp_path, *, smtp_port: int, webhooks: list[str] = ()) -> AppSettings:
    path = tmp_path / "program.toml"
    path.write_text(
        on_call_program(
            "",
            site=SITE,
            email=["oncall@example.org"],
            webhooks=list(webhooks),
            smtp_port=smtp_port,
        )
    )
    return AppSettings.from_toml(path)


def _answer(engine, settings, value=2, now=None):
    return record_safety_answer(
        engine,
        viewer_of(engine, "client"),
        measure="phq9",
        item="item_9",
        value=value,
        catalog=CATALOG,
        settings=settings,
        now=now,
    )


def _operator():
    from dashboard.auth.viewer import operator_viewer

    return operator_viewer("test:notify")


def _audit(engine, action):
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT outcome, detail FROM audit_log WHERE action = :a ORDER BY id"),
            {"a": action},
        ).all()


def _holds_no_client_data(text: str) -> None:
    for secret in (*CLIENT, ANSWER, "PHQ", "item 9", "item_9", "score"):
        assert secret not in text, secret


def test_a_safety_answer_reaches_the_on_call_email_and_webhook_with_no_client_data(
    demo_copy, tmp_path, smtp_server, webhook_receiver
):
    settings = _settings(tmp_path, smtp_port=smtp_server.port, webhooks=[webhook_receiver.url])
    recorded = _answer(demo_copy, settings)
    assert (recorded.site, recorded.queued) == (SITE, 2)
    client = viewer_of(demo_copy, "client")
    status = notification_status(demo_copy, client, recorded.safety_answer_id)
    assert status == "queued"
    assert what_happens(status, site=SITE, settings=settings) == (
        "Your answer is being sent to your team at Hillcrest now."
    )

    assert drain(demo_copy, settings, _operator()).sent == 2

    (mail,) = smtp_server.inbox.wait(1)
    assert mail.recipients == ["oncall@example.org"]
    message = message_from_string(mail.text)
    assert message["Subject"] == "IOP Outcomes: a safety answer at Hillcrest needs follow-up"
    body = message.get_payload(decode=True).decode()
    assert "https://iop.example.org/weekly_review" in body
    _holds_no_client_data(mail.text)
    (posted,) = webhook_receiver.inbox.wait(1)
    assert "Hillcrest" in posted["title"]
    assert "https://iop.example.org" in posted["message"]
    _holds_no_client_data(json.dumps(posted))

    status = notification_status(demo_copy, client, recorded.safety_answer_id)
    assert what_happens(status, site=SITE, settings=settings) == (
        "Your answer has been sent to your team at Hillcrest; they will contact you today."
    )
    sent = _audit(demo_copy, "notify-sent")
    assert [json.loads(d)["channel"] for _, d in sent] == ["email", "webhook"]
    for _, detail in sent:
        _holds_no_client_data(detail)


def test_answering_again_the_same_day_keeps_one_row_the_highest_answer_and_one_message(
    demo_copy, tmp_path, smtp_server
):
    settings = _settings(tmp_path, smtp_port=smtp_server.port)
    first = _answer(demo_copy, settings, value=1)
    again = _answer(demo_copy, settings, value=3)
    lower = _answer(demo_copy, settings, value=2)
    assert first.safety_answer_id == again.safety_answer_id == lower.safety_answer_id
    assert (first.queued, again.queued, lower.queued) == (1, 0, 0)
    with demo_copy.connect() as connection:
        assert connection.execute(sa.text("SELECT value FROM safety_answers")).scalars().all() == [
            3
        ]
        queued = connection.execute(sa.text("SELECT COUNT(*) FROM notification_outbox")).scalar()
    assert queued == 1
    assert len(_audit(demo_copy, "record-safety-answer")) == 1
    assert drain(demo_copy, settings, _operator()).sent == 1
    assert len(smtp_server.inbox.wait(1)) == 1


def test_a_site_without_on_call_is_told_the_truth_and_nothing_is_queued(demo_copy):
    recorded = _answer(demo_copy, AppSettings())
    assert recorded.queued == 0
    status = notification_status(demo_copy, viewer_of(demo_copy, "client"), 1)
    assert status is None
    assert what_happens(status, site=SITE, settings=AppSettings()).startswith(
        "Your answer is saved for your care team: they will see it at their next review"
    )


def test_a_failed_send_is_retried_then_given_up_audited_by_error_class_and_shown(
    demo_copy, tmp_path
):
    closed_port = free_port()  # nobody listens there
    settings = _settings(tmp_path, smtp_port=closed_port)
    _answer(demo_copy, settings)
    start = clock.now().replace(microsecond=0)
    operator = _operator()
    admin = viewer_of(demo_copy, "admin")
    first = drain(demo_copy, settings, operator, now=start)
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    with read(demo_copy) as connection:
        row = undelivered(connection, admin, now=start).row(0, named=True)
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "queued",
        1,
        "ConnectionRefusedError",
    )
    assert row["next_attempt_at"] == start + dt.timedelta(seconds=1)
    assert drain(demo_copy, settings, operator, now=start).retrying == 0  # not due yet
    second = drain(demo_copy, settings, operator, now=start + dt.timedelta(seconds=1))
    third = drain(demo_copy, settings, operator, now=start + dt.timedelta(seconds=5))
    assert (second.retrying, third.failed) == (1, 1)
    with read(demo_copy) as connection:
        row = undelivered(connection, admin, now=start).row(0, named=True)
    assert (row["status"], row["attempts"]) == ("failed", 3)
    failures = _audit(demo_copy, "notify-failed")
    assert [outcome for outcome, _ in failures] == ["failed"] * 3
    assert {json.loads(d)["error"] for _, d in failures} == {"ConnectionRefusedError"}
    client = viewer_of(demo_copy, "client")
    status = notification_status(demo_copy, client, 1)
    assert what_happens(status, site=SITE, settings=settings).startswith(
        "Your answer could not be sent to your team at Hillcrest straight away"
    )


def test_a_webhook_that_refuses_is_a_failure_not_silence(demo_copy, tmp_path, smtp_server):
    from tests.support.receivers import WebhookReceiver

    refusing = WebhookReceiver(status=500).start()
    try:
        settings = _settings(tmp_path, smtp_port=smtp_server.port, webhooks=[refusing.url])
        _answer(demo_copy, settings)
        result = drain(demo_copy, settings, _operator())
    finally:
        refusing.stop()
    assert (result.sent, result.retrying) == (1, 1)
    with read(demo_copy) as connection:
        (row,) = undelivered(connection, viewer_of(demo_copy, "admin")).iter_rows(named=True)
    assert row["channel"] == "webhook"
    assert row["last_error"] == "WebhookFailure"
    assert "/hook" not in row["destination"]  # the URL's path (its token) is never stored


def test_the_app_processs_sender_sends_as_soon_as_it_is_woken(demo_copy, tmp_path, smtp_server):
    settings = _settings(tmp_path, smtp_port=smtp_server.port)
    sender = Sender(demo_copy, settings, _operator(), poll_seconds=3600).start()
    try:
        _answer(demo_copy, settings)
        sender.wake()
        assert len(smtp_server.inbox.wait(1, timeout=20)) == 1
    finally:
        sender.stop()


def test_iop_notify_send_drains_the_outbox_for_cron(demo_copy, tmp_path, smtp_server):
    settings = _settings(tmp_path, smtp_port=smtp_server.port)
    _answer(demo_copy, settings)
    url = demo_copy.url.render_as_string(hide_password=False)
    env = {"IOP_PROGRAM_CONFIG": str(tmp_path / "program.toml"), "IOP_OPERATOR": "cron"}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "notify", "send", "--db", url],
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "sent 1, failed and queued again 0, given up 0",
    )
    assert len(smtp_server.inbox.wait(1)) == 1
    with demo_copy.connect() as connection:
        actor = connection.execute(
            sa.text("SELECT actor FROM audit_log WHERE action = 'notify-sent'")
        ).scalar()
    assert actor == "cron"


@pytest.fixture
def answer_row(engine) -> int:
    """A client and one safety answer in an empty database of each back end."""
    with write(engine) as connection:
        client = connection.execute(t.clients.insert().values(code="X1")).inserted_primary_key[0]
        now = dt.datetime(2026, 12, 1, 9)
        return int(
            connection.execute(
                t.safety_answers.insert().values(
                    client_id=client,
                    instrument="phq9",
                    item="item_9",
                    value=1,
                    answered_on=now.date(),
                    answered_at=now,
                    recorded_by="x",
                )
            ).inserted_primary_key[0]
        )


def test_a_claimed_notification_is_not_claimed_twice_and_a_stale_claim_is(engine, answer_row):
    from dashboard.program_settings import OnCall

    now = dt.datetime(2026, 12, 1, 9)
    on_call = OnCall(site="S", email=("a@example.org", "b@example.org"))
    with write(engine, changes=False) as connection:
        assert enqueue(connection, safety_answer_id=answer_row, on_call=on_call, now=now) == 2
    with write(engine, changes=False) as connection:
        first = claim_due(connection, now=now, limit=1)
    with write(engine, changes=False) as connection:
        second = claim_due(connection, now=now, limit=5)
    assert len(first) == len(second) == 1
    assert first[0]["id"] != second[0]["id"]
    with write(engine, changes=False) as connection:
        assert claim_due(connection, now=now, limit=5) == []
        again = claim_due(connection, now=now + dt.timedelta(minutes=11), limit=5)
    assert len(again) == 2  # their sender stopped mid-way: sent by the next one
    with write(engine, changes=False) as connection:
        gave_up = mark_failed(
            connection,
            again[0]["id"],
            attempts=4,
            error="SMTPServerDisconnected",
            max_attempts=5,
            retry_after=dt.timedelta(seconds=60),
            now=now,
        )
    assert gave_up
