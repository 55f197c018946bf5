"""What a client wrote (check-in notes, relapse plans), read within the viewer's scope."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import client_scope
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_frame


def checkin_notes(connection: sa.Connection, viewer: Viewer, client_code: str) -> pl.DataFrame:
    """The client's notes, oldest first: ``submitted_at``, ``triggers`` and ``coping``
    (lists of structs) and ``reflection`` (exactly as written)."""
    n, c = t.checkin_notes.c, t.clients.c
    query = (
        sa.select(
            sa.type_coerce(n.submitted_at, sa.String).label("submitted_at"),
            n.triggers.label("triggers"),
            n.coping.label("coping"),
            n.reflection.label("reflection"),
        )
        .join(t.clients, c.id == n.client_id)
        .where(c.code == client_code, client_scope(viewer))
        .order_by(n.submitted_at)
    )
    frame = read_frame(
        connection,
        query,
        {
            "submitted_at": pl.Datetime("us"),
            "triggers": pl.String,
            "coping": pl.String,
            "reflection": pl.String,
        },
    )
    trigger = pl.List(pl.Struct({"category": pl.String, "text": pl.String}))
    coping = pl.List(pl.Struct({"action": pl.String, "helped": pl.String}))
    return frame.with_columns(
        pl.col("triggers").str.json_decode(trigger),
        pl.col("coping").str.json_decode(coping),
    )


def plans_reviewed(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int] | None = None
) -> pl.DataFrame:
    """When each client's current plan was last saved (for the weekly review); of
    these clients only where ``client_pks`` are given."""
    p, c = t.relapse_plans.c, t.clients.c
    query = (
        sa.select(
            c.code.label("client_id"),
            sa.type_coerce(sa.func.max(p.saved_at), sa.String).label("plan_saved_at"),
            sa.func.max(p.version).label("plan_version"),
        )
        .join(t.clients, c.id == p.client_id)
        .where(client_scope(viewer))
        .group_by(c.code)
    )
    if client_pks is not None:
        query = query.where(c.id.in_(client_pks))
    return read_frame(
        connection,
        query,
        {"client_id": pl.String, "plan_saved_at": pl.Datetime("us"), "plan_version": pl.Int64},
    )
