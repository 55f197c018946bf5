"""Draining the outbox: each due notification sent, retried with a doubling wait, audited."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.notify.deliver import DeliveryFailed, send_email, send_webhook
from dashboard.notify.message import message_for, resolve
from dashboard.notify.outbox import claim_due, mark_failed, mark_sent
from dashboard.program_settings import AppSettings
from dashboard.store.audit import record_event
from dashboard.store.engine import write

logger = logging.getLogger(__name__)
#: Rows claimed at a time.
BATCH = 20


@dataclass(frozen=True)
class Drained:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def drain(
    engine: sa.Engine, settings: AppSettings, viewer: Viewer, *, now: dt.datetime | None = None
) -> Drained:
    """Send every notification due now; each outcome is audited (the error's class only).

    A failed row waits at least ``retry_seconds`` before it is due again, so one
    call ends once every due row has been tried.
    """
    require(viewer, Action.SEND_NOTIFICATIONS)
    sent = retrying = failed = 0
    while True:
        moment = now or clock.now()
        with write(engine, changes=False) as connection:
            claimed = claim_due(connection, now=moment, limit=BATCH)
        if not claimed:
            return Drained(sent, retrying, failed)
        for row in claimed:
            outcome = _send(row, settings)
            with write(engine, changes=False) as connection:
                if outcome is None:
                    mark_sent(connection, row["id"], now=now or clock.now())
                    sent += 1
                else:
                    gave_up = mark_failed(
                        connection,
                        row["id"],
                        attempts=row["attempts"],
                        error=outcome,
                        max_attempts=settings.notifications.max_attempts,
                        retry_after=dt.timedelta(seconds=settings.notifications.retry_seconds),
                        now=now or clock.now(),
                    )
                    failed += gave_up
                    retrying += not gave_up
                record_event(
                    connection,
                    actor=viewer.username,
                    action="notify-sent" if outcome is None else "notify-failed",
                    resource_type="notification",
                    resource_id=str(row["id"]),
                    outcome="ok" if outcome is None else "failed",
                    detail={"channel": row["channel"], "attempt": row["attempts"] + 1}
                    | ({} if outcome is None else {"error": outcome}),
                )


def _send(row: dict[str, object], settings: AppSettings) -> str | None:
    """Deliver one claimed row; None when it left, else the error's class."""
    site, channel = str(row["site"]), str(row["channel"])
    target = resolve(settings.on_call_for(site), channel, str(row["destination_hash"]))
    if target is None:
        return "DestinationNotConfigured"
    message = message_for(site, base_url=settings.notifications.base_url)
    try:
        if channel == "email":
            send_email(target, message, settings.notifications)
        else:
            send_webhook(target, message)
    except DeliveryFailed as exc:
        return exc.error
    except Exception as exc:  # any failure is recorded and retried, never lost
        return type(exc).__name__
    return None


class Sender:
    """A background thread of the app's process that drains the outbox every
    ``poll_seconds``, and at once when woken (a safety answer was just queued)."""

    def __init__(
        self, engine: sa.Engine, settings: AppSettings, viewer: Viewer, *, poll_seconds: float
    ) -> None:
        self._engine, self._settings, self._viewer = engine, settings, viewer
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iop-notify", daemon=True)

    def start(self) -> Sender:
        """Start the thread; returns the sender."""
        self._thread.start()
        return self

    def wake(self) -> None:
        """Drain now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                drain(self._engine, self._settings, self._viewer)
            except Exception as exc:  # the thread lives on; the rows stay queued
                logger.warning("notification sender: %s; will try again", type(exc).__name__)
            self._wake.wait(self._poll)
            self._wake.clear()
