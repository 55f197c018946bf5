"""A safety answer recorded as it is given, its notification, and what the client is told."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import Action, NotPermitted, require
from dashboard.auth.viewer import Viewer
from dashboard.notify import enqueue
from dashboard.notify.outbox import status_of
from dashboard.program_settings import NEXT_REVIEW_MESSAGE, AppSettings, default_on_call_message
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.changes import touched
from dashboard.store.engine import inserted_id, read, write
from measures import Catalog

_S = t.safety_answers.c


@dataclass(frozen=True)
class SafetyRecorded:
    """A recorded safety answer: its row, the client's site and how many
    notifications this recording queued (none when it was already recorded today)."""

    safety_answer_id: int
    site: str | None
    queued: int


def endorsed_value(catalog: Catalog, measure: str, item: str, value: int | None) -> bool:
    """Whether ``value`` puts ``item`` of ``measure`` above its safety threshold."""
    if measure not in catalog or value is None:
        return False
    return any(c.item == item and value > c.above for c in catalog[measure].critical_items)


def record_safety_answer(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    measure: str,
    item: str,
    value: int,
    catalog: Catalog,
    settings: AppSettings,
    now: dt.datetime | None = None,
) -> SafetyRecorded:
    """Record a client's safety answer at once, in its own transaction (audited).

    One row per client, instrument, item and day: answering again the same day
    keeps the highest answer and queues no second notification. The first answer
    of the day queues a notification to each on-call contact of the client's site.
    """
    now = (now or clock.now()).replace(microsecond=0)
    for attempt in (1, 2):
        try:
            with write(engine) as connection:
                return record_in(
                    connection,
                    viewer,
                    measure=measure,
                    item=item,
                    value=value,
                    catalog=catalog,
                    settings=settings,
                    now=now,
                )
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise
    msg = "unreachable"  # pragma: no cover - the loop returns or raises
    raise AssertionError(msg)  # pragma: no cover


def record_in(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    measure: str,
    item: str,
    value: int,
    catalog: Catalog,
    settings: AppSettings,
    now: dt.datetime,
) -> SafetyRecorded:
    """:func:`record_safety_answer` inside the caller's transaction (a check-in's submission)."""
    require(viewer, Action.COMPLETE_CHECKIN)
    if viewer.client_pk is None:
        msg = "only a client's own account records a check-in's safety answers"
        raise NotPermitted(msg)
    if not endorsed_value(catalog, measure, item, value) or value not in (
        catalog[measure].item(item).allowed_values
    ):
        msg = f"{item} = {value} is not a safety answer of {measure}"
        raise ValueError(msg)
    code, episode_pk, site = _client_and_site(connection, viewer, now.date())
    touched(connection, [viewer.client_pk])
    existing = connection.execute(
        sa.select(_S.id, _S.value).where(
            _S.client_id == viewer.client_pk,
            _S.instrument == measure,
            _S.item == item,
            _S.answered_on == now.date(),
        )
    ).first()
    if existing is not None:
        if value > existing.value:
            connection.execute(
                t.safety_answers.update().where(_S.id == existing.id).values(value=value)
            )
        return SafetyRecorded(int(existing.id), site, 0)
    answer_id = inserted_id(
        connection.execute(
            t.safety_answers.insert().values(
                client_id=viewer.client_pk,
                episode_id=episode_pk,
                instrument=measure,
                item=item,
                value=value,
                answered_on=now.date(),
                answered_at=now,
                recorded_by=viewer.username,
            )
        )
    )
    on_call = settings.on_call_for(site)
    queued = (
        enqueue(connection, safety_answer_id=answer_id, on_call=on_call, now=now)
        if on_call is not None
        else 0
    )
    record_event(
        connection,
        actor=viewer.username,
        action="record-safety-answer",
        resource_type="client",
        resource_id=code,
        detail={"measure": measure, "notifications": queued},
    )
    return SafetyRecorded(answer_id, site, queued)


def _client_and_site(
    connection: sa.Connection, viewer: Viewer, day: dt.date
) -> tuple[str, int | None, str | None]:
    """The client's id, and the episode and site they are treated at on ``day``."""
    e, c = t.episodes.c, t.clients.c
    code = connection.execute(sa.select(c.code).where(c.id == viewer.client_pk)).scalar_one()
    found = connection.execute(
        sa.select(e.id, t.sites.c.name)
        .join(t.sites, t.sites.c.id == e.site_id)
        .where(e.client_id == viewer.client_pk, e.admitted_on <= day)
        .where(sa.or_(e.discharged_on.is_(None), e.discharged_on >= day))
        .order_by(e.admitted_on.desc())
        .limit(1)
    ).first()
    if found is None:
        return str(code), None, None
    return str(code), int(found.id), str(found.name)


def notification_status(engine: sa.Engine, viewer: Viewer, safety_answer_id: int) -> str | None:
    """How the notifications of the viewer's own safety answer stand (see ``status_of``)."""
    require(viewer, Action.COMPLETE_CHECKIN)
    with read(engine) as connection:
        own = connection.execute(
            sa.select(_S.id).where(_S.id == safety_answer_id, _S.client_id == viewer.client_pk)
        ).scalar()
        if own is None:
            msg = "not your answer"
            raise NotPermitted(msg)
        return status_of(connection, safety_answer_id)


def what_happens(status: str | None, *, site: str | None, settings: AppSettings) -> str:
    """What the client is told will happen to their answer; only what is true now.

    ``status`` is :func:`notification_status`: None where nobody on call was told.
    """
    if status is None or site is None:
        return NEXT_REVIEW_MESSAGE
    if status == "sent":
        on_call = settings.on_call_for(site)
        return on_call.message if on_call is not None else default_on_call_message(site)
    if status == "failed":
        return (
            f"Your answer could not be sent to your team at {site} straight away: they will "
            "see it at their next review. If you need help sooner, please use the lines above."
        )
    return f"Your answer is being sent to your team at {site} now."
