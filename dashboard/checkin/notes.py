"""Check-in notes (triggers, coping actions, reflections), read within the viewer's scope."""

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
        sa.select(sa.type_coerce(n.submitted_at, sa.String), n.triggers, n.coping, n.reflection)
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


def trigger_summary(notes: pl.DataFrame) -> pl.DataFrame:
    """How often each kind of trigger came up (most first)."""
    rows = notes.select(pl.col("triggers")).explode("triggers").drop_nulls().unnest("triggers")
    if rows.is_empty():
        return pl.DataFrame(schema={"category": pl.String, "times": pl.UInt32})
    return rows.group_by("category").agg(pl.len().alias("times")).sort("times", descending=True)


def coping_summary(notes: pl.DataFrame) -> pl.DataFrame:
    """Each coping action: times used, and how often it helped."""
    rows = notes.select(pl.col("coping")).explode("coping").drop_nulls().unnest("coping")
    if rows.is_empty():
        return pl.DataFrame(schema={"action": pl.String, "used": pl.UInt32, "helped": pl.UInt32})
    return (
        rows.group_by("action")
        .agg(pl.len().alias("used"), (pl.col("helped") == "yes").sum().alias("helped"))
        .sort(["helped", "used"], descending=True)
    )
