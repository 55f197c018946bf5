"""A safety answer in the app: recorded and on the team's review at once, even in a check-in
left for later; the client told only what is true; undelivered notifications shown to admins."""

from __future__ import annotations

import time
from email import message_from_string
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.program_settings import NEXT_REVIEW_MESSAGE
from tests.app.conftest import DEMO_PROGRAM
from tests.app.test_client_pages import _answer_page, _next
from tests.support.ports import free_port
from tests.support.receivers import on_call_program

SAFETY = "Safety answer to follow up"
SENT = "Your answer has been sent to your team at Hillcrest; they will contact you today."


def _to_phq9_item_9(at, value=2):
    for _ in range(3):  # the daily ratings
        _answer_page(at)
        _next(at)
    assert at.subheader[0].value == "Patient Health Questionnaire-9"
    return _answer_page(at, item9=value)


def _save_for_later(at):
    return next(b for b in at.button if b.label == "Save and finish later").click().run()


def _demo_row(open_app):
    review = open_app("clinician", "weekly_review")
    table = review.dataframe[0].value
    return table, table[table["Id"] == "C0215"].iloc[0]


def test_a_check_in_saved_for_later_with_item_9_puts_the_client_first_on_the_review(open_app):
    at = _to_phq9_item_9(open_app("client"))
    assert any("988" in e.value for e in at.error)  # the crisis lines, whatever happens
    assert NEXT_REVIEW_MESSAGE in [i.value for i in at.info]  # nobody on call in the demo
    _save_for_later(at)
    assert "Saved as a draft" in at.success[0].value
    table, demo = _demo_row(open_app)
    assert demo["Group"] == SAFETY
    assert "PHQ-9 item 9 answered 2" in demo["Flags"]
    assert "(check-in not finished)" in demo["Flags"]
    first = list(table["Group"]).index(SAFETY)
    assert first == 0


def test_a_check_in_left_half_way_reaches_the_review_too(open_app):
    _to_phq9_item_9(open_app("client"), value=1)  # no button pressed: the page is left
    _, demo = _demo_row(open_app)
    assert demo["Group"] == SAFETY


@pytest.fixture
def on_call(app_db, tmp_path, monkeypatch, smtp_server) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(
        on_call_program(
            DEMO_PROGRAM.read_text(),
            site="Hillcrest",
            email=["oncall@hillcrest.example"],
            webhooks=[],
            smtp_port=smtp_server.port,
        )
    )
    monkeypatch.setenv("IOP_PROGRAM_CONFIG", str(path))
    return path


def _recorded_as_sent(engine: sa.Engine, *, seconds: float = 60.0) -> None:
    """Wait until the sender has recorded a notification as sent (it sends, then records:
    the record can wait for another writer, such as the outcomes refresher)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            query = "SELECT count(*) FROM notification_outbox WHERE status = 'sent'"
            if connection.exec_driver_sql(query).scalar():
                return
        time.sleep(0.1)
    msg = "the notification was sent but never recorded as sent"
    raise AssertionError(msg)


def test_with_someone_on_call_the_answer_is_sent_at_once_and_the_client_is_told_so(
    open_app, app_db, on_call, smtp_server
):
    at = _to_phq9_item_9(open_app("client"))
    told = [i.value for i in at.info]
    assert any(
        t in told for t in (SENT, "Your answer is being sent to your team at Hillcrest now.")
    )
    (mail,) = smtp_server.inbox.wait(1)  # sent by the app's own sender, off the request
    message = message_from_string(mail.text)
    body = message.get_payload(decode=True).decode()
    assert "Hillcrest" in message["Subject"]
    assert "https://iop.example.org" in body
    for secret in ("C0215", "Alder Elk", "More than half the days", "PHQ"):
        assert secret not in mail.text
    _recorded_as_sent(app_db)
    at.run()  # the client's next look at the page
    assert SENT in [i.value for i in at.info]
    assert any("988" in e.value for e in at.error)


def test_undelivered_notifications_are_shown_to_admins(open_app, app_db, tmp_path, monkeypatch):
    path = tmp_path / "program.toml"
    path.write_text(
        on_call_program(
            DEMO_PROGRAM.read_text(),
            site="Hillcrest",
            email=["oncall@hillcrest.example"],
            webhooks=[],
            smtp_port=free_port(),  # nobody listens
        )
    )
    monkeypatch.setenv("IOP_PROGRAM_CONFIG", str(path))
    _to_phq9_item_9(open_app("client"))
    from dashboard.auth.viewer import operator_viewer
    from dashboard.notify import drain
    from dashboard.program_settings import AppSettings

    drain(app_db, AppSettings.from_toml(path), operator_viewer("test"))
    users = open_app("admin")
    assert any("has not been delivered" in e.value for e in users.error)
    page = open_app("admin", "admin_notifications")
    assert any(
        "1 on-call notification of safety answers has not been delivered" in e.value
        for e in page.error
    )
    assert any("No on-call contact for Riverside" in w.value for w in page.warning)
    shown = page.dataframe[0].value
    assert shown["Last error"].tolist()[0] == "ConnectionRefusedError"
    with app_db.connect() as connection:
        assert connection.execute(
            sa.text("SELECT destination FROM notification_outbox")
        ).scalar() == ("oncall@hillcrest.example")
