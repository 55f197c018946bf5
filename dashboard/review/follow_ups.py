"""Recording a safety flag's follow-up: what was done, its outcome, a note; a screener given."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import Action, NotPermitted, caseload_scope, require
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import NOTE_LIMIT
from dashboard.review.flags import ENDORSED, UNKNOWN
from dashboard.review.follow_up_options import (
    Outcome,
    action_named,
    outcome_named,
    outcome_of_level,
)
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.batch import RAW_SCHEMA, ImportBatch
from dashboard.store.changes import touched
from dashboard.store.engine import write
from dashboard.store.importing import write_administrations
from measures import Catalog, Instrument, parse_administrations, score_administrations


@dataclass(frozen=True)
class Flag:
    """Which flag a follow-up is for: a client's endorsed or unknown safety answer on
    one instrument on one day."""

    client_id: str
    measure: str
    kind: str
    flagged_on: dt.date


@dataclass(frozen=True)
class Recorded:
    """What a follow-up recorded: its outcome and, for a screener, the risk level."""

    outcome: Outcome
    risk_level: str | None = None


class FollowUpRejected(ValueError):  # noqa: N818 - reads better at the call site
    """The follow-up cannot be recorded as given (the message says why, safe to show)."""


def triage_screener(catalog: Catalog) -> Instrument | None:
    """The catalog's first screener with a published triage (risk levels), if any."""
    return next((i for i in catalog.ordered() if i.triage is not None), None)


def record_follow_up(
    engine: sa.Engine,
    viewer: Viewer,
    flag: Flag,
    *,
    action: str,
    note: str,
    catalog: Catalog,
    outcome: str | None = None,
    screener_answers: dict[str, int | None] | None = None,
    now: dt.datetime | None = None,
) -> Recorded:
    """Record a follow-up of ``flag`` (audited); one transaction, all or nothing.

    ``outcome`` must be one the action allows; for the screener action the
    outcome is the risk level computed from ``screener_answers`` (stored as an
    administration of the screener). A note is always needed. Raises
    :class:`FollowUpRejected` with the reason, :class:`NotPermitted` outside
    the viewer's caseload.
    """
    require(viewer, Action.RECORD_FOLLOW_UP)
    now = (now or clock.now()).replace(microsecond=0)
    chosen = _checked_action(action, outcome, note, screener_answers)
    if flag.kind not in (ENDORSED, UNKNOWN) or flag.measure not in catalog:
        msg = "no such safety flag"
        raise FollowUpRejected(msg)
    with write(engine) as connection:
        client_pk = _client_in_caseload(connection, viewer, flag.client_id)
        touched(connection, [client_pk])
        if not _flag_exists(connection, client_pk, flag):
            msg = "no such safety flag for this client"
            raise FollowUpRejected(msg)
        risk_level = administration_id = None
        if chosen is None:
            screener = triage_screener(catalog)
            if screener is None:
                msg = "no screener with a published triage in the catalog"
                raise FollowUpRejected(msg)
            administration_id, risk_level, critical = _give_screener(
                connection, viewer, flag.client_id, screener, screener_answers or {}, catalog, now
            )
            result = outcome_of_level(risk_level)
            flags = [flag, *_screener_flag(flag, screener, critical, now)]
        else:
            result = chosen
            flags = [flag]
        for each in flags:
            connection.execute(
                t.safety_follow_ups.insert().values(
                    client_id=client_pk,
                    instrument=each.measure,
                    kind=each.kind,
                    flagged_on=each.flagged_on,
                    action=action,
                    outcome=result.key,
                    risk_level=risk_level,
                    administration_id=administration_id,
                    note=note.strip()[:NOTE_LIMIT],
                    recorded_by=viewer.username,
                    recorded_at=now,
                )
            )
        record_event(  # with the client and the flag it follows up, not only a row number
            connection,
            actor=viewer.username,
            action="record-follow-up",
            resource_type="client",
            resource_id=flag.client_id,
            detail={
                "measure": flag.measure,
                "flag": flag.kind,
                "flagged_on": flag.flagged_on.isoformat(),
                "action": action,
                "closes": result.closes,
            },
        )
    return Recorded(result, risk_level)


def _checked_action(
    action: str, outcome: str | None, note: str, answers: dict[str, int | None] | None
) -> Outcome | None:
    """The chosen outcome (None for a screener: computed later); raises if unusable."""
    if not note.strip():
        msg = "a note is needed: what was done and what the client said"
        raise FollowUpRejected(msg)
    try:
        chosen = action_named(action)
    except ValueError as exc:
        raise FollowUpRejected(str(exc)) from None
    if chosen.screener:
        if not answers:
            msg = "the screener's answers are needed for this follow-up"
            raise FollowUpRejected(msg)
        return None
    if outcome not in chosen.outcomes:
        msg = f"choose the outcome of '{chosen.label}'"
        raise FollowUpRejected(msg)
    return outcome_named(outcome)


def _client_in_caseload(connection: sa.Connection, viewer: Viewer, client_id: str) -> int:
    e, c = t.episodes.c, t.clients.c
    found = connection.execute(
        sa.select(c.id)
        .join(t.episodes, e.client_id == c.id)
        .where(c.code == client_id, caseload_scope(viewer))
        .limit(1)
    ).scalar()
    if found is None:
        msg = "this client is not in your caseload"
        raise NotPermitted(msg)
    return int(found)


def _flag_exists(connection: sa.Connection, client_pk: int, flag: Flag) -> bool:
    """An answer or administration of the flag's instrument that day (the flag itself
    is computed from them)."""
    a, s = t.administrations.c, t.safety_answers.c
    start = dt.datetime.combine(flag.flagged_on, dt.time())
    given = connection.execute(
        sa.select(a.id).where(
            a.client_id == client_pk,
            a.instrument == flag.measure,
            a.is_current,
            a.administered_at >= start,
            a.administered_at < start + dt.timedelta(days=1),
        )
    ).first()
    if given is not None or flag.kind != ENDORSED:
        return given is not None
    answered = connection.execute(
        sa.select(s.id).where(
            s.client_id == client_pk,
            s.instrument == flag.measure,
            s.answered_on == flag.flagged_on,
        )
    ).first()
    return answered is not None


def _give_screener(
    connection: sa.Connection,
    viewer: Viewer,
    client_id: str,
    screener: Instrument,
    answers: dict[str, int | None],
    catalog: Catalog,
    now: dt.datetime,
) -> tuple[int, str | None, bool | None]:
    """Store the screener as an administration (validated like an import) and return
    its id, computed risk level and safety flag (``critical``)."""
    row: dict[str, object] = {
        "client_id": client_id,
        "measure": screener.id,
        "administered_on": now.isoformat(),
    }
    row |= {item.id: answers.get(item.id) for item in screener.items}
    raw = pl.DataFrame([row], infer_schema_length=None)
    parsed = parse_administrations(
        raw.with_columns(pl.col(c).cast(pl.String) for c in raw.columns), catalog
    )
    batch = ImportBatch(
        format="follow-up",
        parsed=parsed,
        raw=pl.DataFrame({"row": parsed.frame["row"], "raw": [json.dumps(row)]}, schema=RAW_SCHEMA),
        records=1,
    )
    summary = write_administrations(
        connection,
        batch,
        file_name="follow-up",
        content_hash=uuid.uuid4().hex,
        imported_by=viewer.username,
        catalog=catalog,
        source="follow-up",
        kind="follow-up",
        known_clients_only=True,
        identifiers=False,  # the client's stored id, not one read from a file
        now=now + dt.timedelta(minutes=1),
    )
    if summary.rejected or not summary.accepted:
        reasons = [r for reasons in summary.rejections["reasons"] for r in reasons]
        msg = "the screener's answers were not accepted: " + "; ".join(reasons or ["duplicate"])
        raise FollowUpRejected(msg)
    a = t.administrations.c
    administration_id = connection.execute(
        sa.select(a.id).where(a.import_id == summary.import_id).limit(1)
    ).scalar_one()
    items = {item.id: answers.get(item.id) for item in screener.items}
    scored = score_administrations(
        pl.DataFrame([{"measure": screener.id} | items], infer_schema_length=None), catalog
    )
    return int(administration_id), scored["risk_level"][0], scored["critical"][0]


def _screener_flag(
    flag: Flag, screener: Instrument, critical: bool | None, now: dt.datetime
) -> list[Flag]:
    """The screener's own flag where its answers raised one (endorsed, or unknown): the
    same follow-up, whose outcome is the screener's risk level, follows it up."""
    if critical is False:
        return []
    own = Flag(flag.client_id, screener.id, ENDORSED if critical else UNKNOWN, now.date())
    return [] if own == flag else [own]
