"""What the treatment team recorded (decisions, acknowledgements), within the viewer's scope."""

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


def acknowledgements(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """Which safety flag (administration) was acknowledged, and when; who did it
    and their note only for the treatment team (a client sees neither)."""
    f, a = t.flag_acknowledgements.c, t.administrations.c
    team = _is_team(viewer)
    query = (
        sa.select(
            f.administration_id.label("administration_id"),
            (f.acknowledged_by if team else sa.null()).label("acknowledged_by"),
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


def decisions(connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]) -> pl.DataFrame:
    """The team's weekly decisions for these clients' episodes, newest first (for
    the treatment team only: a client's own record has none)."""
    d, e = t.review_decisions.c, t.episodes.c
    query = (
        sa.select(
            d.id.label("decision_id"),
            d.episode_id.label("episode_pk"),
            sa.type_coerce(d.week_of, sa.String).label("week_of"),
            d.decision.label("decision"),
            d.note.label("note"),
            d.decided_by.label("decided_by"),
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
