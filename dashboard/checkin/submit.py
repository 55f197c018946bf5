"""Drafts and submissions of a check-in: validated like any import, saved at once."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import Action, NotPermitted, require
from dashboard.auth.viewer import Viewer
from dashboard.checkin.safety import SafetyRecorded, endorsed_value, record_in
from dashboard.program_settings import AppSettings
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.batch import RAW_SCHEMA, ImportBatch
from dashboard.store.changes import touched
from dashboard.store.engine import read, write
from dashboard.store.importing import write_administrations
from measures import Catalog, parse_administrations

TRIGGER_CATEGORIES = ("emotional", "environmental", "social", "own words")
HELPED = ("yes", "somewhat", "no")


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: what was saved, or why nothing was."""

    saved: bool
    errors: tuple[str, ...] = ()
    safety_item_endorsed: bool = False
    administrations: int = 0
    safety_answers: tuple[SafetyRecorded, ...] = ()


def _client_code(connection: sa.Connection, viewer: Viewer) -> str:
    require(viewer, Action.COMPLETE_CHECKIN)
    if viewer.client_pk is None:
        msg = "only a client's own account can complete a check-in"
        raise NotPermitted(msg)
    return str(
        connection.execute(
            sa.select(t.clients.c.code).where(t.clients.c.id == viewer.client_pk)
        ).scalar_one()
    )


def load_draft(engine: sa.Engine, viewer: Viewer) -> dict[str, Any] | None:
    """The viewer's half-finished check-in, if any."""
    with read(engine) as connection:
        _client_code(connection, viewer)
        content = connection.execute(
            sa.select(t.checkin_drafts.c.content).where(
                t.checkin_drafts.c.client_id == viewer.client_pk
            )
        ).scalar()
    return json.loads(content) if content else None


def save_draft(engine: sa.Engine, viewer: Viewer, content: dict[str, Any]) -> None:
    """Keep a half-finished check-in as a draft (never as an administration).

    The check-in page saves it at every answer and every step, so nothing
    given is lost to a reload, a closed tab or another device; ``content``'s
    ``at`` is the step shown. The audit log gets a row when the draft starts and
    whenever a questionnaire is added to it, not one per answer.
    """
    with write(engine, changes=False) as connection:
        code = _client_code(connection, viewer)
        d = t.checkin_drafts.c
        before = connection.execute(
            sa.select(d.content).where(d.client_id == viewer.client_pk)
        ).scalar()
        connection.execute(t.checkin_drafts.delete().where(d.client_id == viewer.client_pk))
        connection.execute(
            t.checkin_drafts.insert().values(
                client_id=viewer.client_pk, content=json.dumps(content, sort_keys=True)
            )
        )
        measures = sorted(content.get("answers", {}))
        if before is None or measures != sorted(json.loads(before).get("answers", {})):
            record_event(
                connection,
                actor=viewer.username,
                action="save-draft",
                resource_type="client",
                resource_id=code,
                detail={"measures": measures},
            )


class _RejectedError(Exception):
    """Some answer failed validation: the check-in's transaction is rolled back."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def submit_checkin(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    answers: dict[str, dict[str, int | None]],
    triggers: list[dict[str, str]],
    coping: list[dict[str, str]],
    reflection: str,
    catalog: Catalog,
    days: Mapping[str, Mapping[str, int | None]] | None = None,
    settings: AppSettings | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    """Validate and save a check-in in one transaction: answers, notes, draft removed.

    ``answers`` maps an instrument id to its items (``item_1``: value);
    ``days`` the items asked as a number of days (a BAM-R's) to the days
    entered: each is scored into its instrument's day bin (which replaces any
    answer given for it) and the days are kept with the administration. The
    answers are written the way an import is, with its validation; if any is
    rejected, the whole check-in is rolled back (no answer, no notes, the draft
    kept) and the reasons are returned. Every safety answer is recorded too, as
    on the check-in page when it was given (the same row if it already was, so
    the on-call contacts of ``settings`` are told once).
    """
    now = (now or clock.now()).replace(microsecond=0)
    try:
        answers = _with_day_codes(answers, days or {}, catalog)
        with write(engine) as connection:
            code = _client_code(connection, viewer)
            touched(connection, [viewer.client_pk] if viewer.client_pk is not None else [])
            saved = _write_answers(connection, viewer, code, answers, catalog, now, days or {})
            recorded = tuple(
                record_in(
                    connection,
                    viewer,
                    measure=measure,
                    item=item,
                    value=value,
                    catalog=catalog,
                    settings=settings or AppSettings(),
                    now=now,
                )
                for measure, items in answers.items()
                for item, value in items.items()
                if value is not None and endorsed_value(catalog, measure, item, value)
            )
            if triggers or coping or reflection.strip():
                connection.execute(
                    t.checkin_notes.insert().values(
                        client_id=viewer.client_pk,
                        episode_id=_episode_now(connection, viewer, now),
                        submitted_at=now,
                        triggers=json.dumps(triggers),
                        coping=json.dumps(coping),
                        reflection=reflection if reflection.strip() else None,
                        recorded_by=viewer.username,
                    )
                )
            connection.execute(
                t.checkin_drafts.delete().where(t.checkin_drafts.c.client_id == viewer.client_pk)
            )
            record_event(
                connection,
                actor=viewer.username,
                action="check-in",
                resource_type="client",
                resource_id=code,
                detail={"measures": sorted(answers)},
            )
    except _RejectedError as rejected:
        return Submitted(saved=False, errors=rejected.reasons)
    return Submitted(
        saved=True,
        safety_item_endorsed=safety_item_endorsed(answers, catalog),
        administrations=saved,
        safety_answers=recorded,
    )


def _with_day_codes(
    answers: dict[str, dict[str, int | None]],
    days: Mapping[str, Mapping[str, int | None]],
    catalog: Catalog,
) -> dict[str, dict[str, int | None]]:
    """The answers with every day item's code from the days entered (the definition's bins)."""
    coded = {measure: dict(items) for measure, items in answers.items()}
    reasons = []
    for measure, entered in days.items():
        if measure not in catalog:
            reasons.append(f"unknown instrument '{measure}'")
            continue
        try:
            coded.setdefault(measure, {}).update(catalog[measure].codes_of_days(entered))
        except ValueError as exc:
            reasons.append(str(exc))
    if reasons:
        raise _RejectedError(tuple(reasons))
    return coded


def _write_answers(
    connection: sa.Connection,
    viewer: Viewer,
    code: str,
    answers: dict[str, dict[str, int | None]],
    catalog: Catalog,
    now: dt.datetime,
    days: Mapping[str, Mapping[str, int | None]],
) -> int:
    """Write the answers as one self-report import; raise :class:`_RejectedError` if any fails.

    Each row's raw record (kept with its administration) is the answers as
    given, with the days entered for day items under ``days``.
    """
    rows = [
        {"client_id": code, "measure": measure, "administered_on": now.isoformat()} | items
        for measure, items in answers.items()
    ]
    raws = [
        json.dumps(row | ({"days": dict(days[measure])} if days.get(measure) else {}))
        for measure, row in zip(answers, rows, strict=True)
    ]
    if not rows:
        return 0
    raw = pl.DataFrame(rows, infer_schema_length=None)
    parsed = parse_administrations(
        raw.with_columns(pl.col(c).cast(pl.String) for c in raw.columns), catalog
    )
    batch = ImportBatch(
        format="self-report",
        parsed=parsed,
        raw=pl.DataFrame({"row": parsed.frame["row"], "raw": raws}, schema=RAW_SCHEMA),
        records=len(rows),
        keep_raw=True,
    )
    summary = write_administrations(
        connection,
        batch,
        file_name="check-in",
        content_hash=uuid.uuid4().hex,
        imported_by=viewer.username,
        catalog=catalog,
        source="self-report",
        kind=t.CHECK_IN,
        known_clients_only=True,
        identifiers=False,  # the client's stored id, not one read from a file
        now=now + dt.timedelta(minutes=1),  # a minute's grace for the clock
    )
    if summary.rejected:
        raise _RejectedError(tuple(r for reasons in summary.rejections["reasons"] for r in reasons))
    return summary.accepted


def safety_item_endorsed(answers: dict[str, dict[str, int | None]], catalog: Catalog) -> bool:
    """Whether any answer puts a safety item above its threshold (PHQ-9 item 9 > 0)."""
    for measure, items in answers.items():
        for critical in catalog[measure].critical_items if measure in catalog else ():
            value = items.get(critical.item)
            if value is not None and value > critical.above:
                return True
    return False


def _episode_now(connection: sa.Connection, viewer: Viewer, now: dt.datetime) -> int | None:
    e = t.episodes.c
    return connection.execute(
        sa.select(e.id)
        .where(e.client_id == viewer.client_pk, e.admitted_on <= now.date())
        .where(sa.or_(e.discharged_on.is_(None), e.discharged_on >= now.date()))
        .order_by(e.admitted_on.desc())
        .limit(1)
    ).scalar()
