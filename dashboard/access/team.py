"""What the treatment team recorded (decisions, safety follow-ups), within the viewer's scope."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import Action, allowed, scoped_client_ids
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_frame


def _is_team(viewer: Viewer) -> bool:
    """The treatment team: those who record decisions (clinicians), not clients."""
    return allowed(viewer, Action.RECORD_DECISION)


def _name_of(username: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The account's display name, as people know each other; the stored name where no
    account has it (an operator's name from the command line, an account renamed)."""
    u = t.users.c
    name = sa.select(u.display_name).where(u.username == username).limit(1).scalar_subquery()
    return sa.func.coalesce(name, username)


def acknowledgements(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """Which safety flag (administration) was acknowledged, and when; who did it (their
    display name) and their note only for the treatment team (a client sees neither).

    Acknowledgements are history: since follow-ups are recorded, one closes no flag.
    """
    f, a = t.flag_acknowledgements.c, t.administrations.c
    team = _is_team(viewer)
    query = (
        sa.select(
            f.administration_id.label("administration_id"),
            (_name_of(f.acknowledged_by) if team else sa.null()).label("acknowledged_by"),
            sa.type_coerce(f.acknowledged_at, sa.String).label("acknowledged_at"),
            (f.note if team else sa.null()).label("ack_note"),
        )
        .join(t.administrations, a.id == f.administration_id)
        .where(a.client_id.in_(scoped_client_ids(viewer, client_pks)))
    )
    return read_frame(
        connection,
        query,
        {
            "administration_id": pl.Int64,
            "acknowledged_by": pl.String,
            "acknowledged_at": pl.Datetime("us"),
            "ack_note": pl.String,
        },
    )


def follow_ups(connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]) -> pl.DataFrame:
    """The follow-ups of these clients' safety flags, oldest first: the flag they
    follow up (``client_pk``, ``measure``, ``kind``, ``flagged_on``), the action,
    outcome and risk level, and when; who recorded it (their display name) and their
    note only for the treatment team (a client sees neither)."""
    f = t.safety_follow_ups.c
    team = _is_team(viewer)
    query = (
        sa.select(
            f.id.label("follow_up_id"),
            f.client_id.label("client_pk"),
            f.instrument.label("measure"),
            f.kind.label("kind"),
            sa.type_coerce(f.flagged_on, sa.String).label("flagged_on"),
            f.action.label("action"),
            f.outcome.label("outcome"),
            f.risk_level.label("risk_level"),
            (f.note if team else sa.null()).label("note"),
            (_name_of(f.recorded_by) if team else sa.null()).label("recorded_by"),
            sa.type_coerce(f.recorded_at, sa.String).label("recorded_at"),
        )
        .where(f.client_id.in_(scoped_client_ids(viewer, client_pks)))
        .order_by(f.recorded_at, f.id)
    )
    return read_frame(
        connection,
        query,
        {
            "follow_up_id": pl.Int64,
            "client_pk": pl.Int64,
            "measure": pl.String,
            "kind": pl.String,
            "flagged_on": pl.Date,
            "action": pl.String,
            "outcome": pl.String,
            "risk_level": pl.String,
            "note": pl.String,
            "recorded_by": pl.String,
            "recorded_at": pl.Datetime("us"),
        },
    )


def decisions(connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]) -> pl.DataFrame:
    """The team's weekly decisions for these clients' episodes, newest first, with who
    decided (their display name); for the treatment team only: a client's own record
    has none."""
    d, e = t.review_decisions.c, t.episodes.c
    query = (
        sa.select(
            d.id.label("decision_id"),
            d.episode_id.label("episode_pk"),
            sa.type_coerce(d.week_of, sa.String).label("week_of"),
            d.decision.label("decision"),
            d.note.label("note"),
            _name_of(d.decided_by).label("decided_by"),
            sa.type_coerce(d.decided_at, sa.String).label("decided_at"),
        )
        .join(t.episodes, e.id == d.episode_id)
        .where(
            e.client_id.in_(scoped_client_ids(viewer, client_pks)),
            sa.true() if _is_team(viewer) else sa.false(),
        )
        .order_by(d.decided_at.desc(), d.id.desc())
    )
    return read_frame(
        connection,
        query,
        {
            "decision_id": pl.Int64,
            "episode_pk": pl.Int64,
            "week_of": pl.Date,
            "decision": pl.String,
            "note": pl.String,
            "decided_by": pl.String,
            "decided_at": pl.Datetime("us"),
        },
    )
