"""A client's clinical data (scores, attendance, level of care), read within the viewer's scope."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import scoped_client_ids
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_administrations, read_frame
from measures import Catalog, score_administrations


def scored_administrations(
    connection: sa.Connection,
    viewer: Viewer,
    catalog: Catalog,
    *,
    client_pks: list[int],
    since: dt.date | None = None,
) -> pl.DataFrame:
    """The current administrations of these clients (from ``since``), scored, within
    the viewer's scope."""
    a = t.administrations.c
    where: sa.ColumnElement[bool] = a.client_id.in_(scoped_client_ids(viewer, client_pks))
    if since is not None:
        where = sa.and_(where, a.administered_at >= dt.datetime.combine(since, dt.time()))
    return score_administrations(read_administrations(connection, catalog, where=where), catalog)


def last_administered(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """When each of these clients last did each measure (``client_id``, ``measure``,
    ``last_at``), aggregated in SQL: nothing is read or scored row by row."""
    a, c = t.administrations.c, t.clients.c
    query = (
        sa.select(
            c.code.label("client_id"),
            a.instrument.label("measure"),
            sa.type_coerce(sa.func.max(a.administered_at), sa.String).label("last_at"),
        )
        .join(t.clients, c.id == a.client_id)
        .where(a.is_current, a.client_id.in_(scoped_client_ids(viewer, client_pks)))
        .group_by(c.code, a.instrument)
    )
    return read_frame(
        connection,
        query,
        {"client_id": pl.String, "measure": pl.String, "last_at": pl.Datetime("us")},
    )


def attendance(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    client_pks: list[int],
    since: dt.date | None = None,
) -> pl.DataFrame:
    """Attendance rows (client_pk, episode_pk, session_on, session_type, attended)."""
    a = t.attendance.c
    query = sa.select(
        a.client_id.label("client_pk"),
        a.episode_id.label("episode_pk"),
        sa.type_coerce(a.session_on, sa.String).label("session_on"),
        a.session_type.label("session_type"),
        a.attended.label("attended"),
    ).where(a.client_id.in_(scoped_client_ids(viewer, client_pks)))
    if since is not None:
        query = query.where(a.session_on >= since)
    return read_frame(
        connection,
        query.order_by(a.client_id, a.session_on),
        {
            "client_pk": pl.Int64,
            "episode_pk": pl.Int64,
            "session_on": pl.Date,
            "session_type": pl.String,
            "attended": pl.Boolean,
        },
    )


def care_levels(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """Level-of-care changes of these clients' episodes."""
    c, e = t.care_levels.c, t.episodes.c
    query = (
        sa.select(
            c.episode_id.label("episode_pk"),
            sa.type_coerce(c.changed_on, sa.String).label("changed_on"),
            c.level_of_care.label("level_of_care"),
            c.reason.label("reason"),
        )
        .join(t.episodes, e.id == c.episode_id)
        .where(e.client_id.in_(scoped_client_ids(viewer, client_pks)))
        .order_by(c.changed_on)
    )
    return read_frame(
        connection,
        query,
        {
            "episode_pk": pl.Int64,
            "changed_on": pl.Date,
            "level_of_care": pl.String,
            "reason": pl.String,
        },
    )


def safety_answers(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    client_pks: list[int],
    since: dt.date | None = None,
) -> pl.DataFrame:
    """Safety answers recorded in check-ins as they were given, finished or not
    (``client_pk``, ``measure``, ``item``, ``value``, ``answered_at``)."""
    s = t.safety_answers.c
    query = sa.select(
        s.client_id.label("client_pk"),
        s.instrument.label("measure"),
        s.item.label("item"),
        s.value.label("value"),
        sa.type_coerce(s.answered_at, sa.String).label("answered_at"),
    ).where(s.client_id.in_(scoped_client_ids(viewer, client_pks)))
    if since is not None:
        query = query.where(s.answered_on >= since)
    return read_frame(
        connection,
        query.order_by(s.client_id, s.answered_at),
        {
            "client_pk": pl.Int64,
            "measure": pl.String,
            "item": pl.String,
            "value": pl.Int64,
            "answered_at": pl.Datetime("us"),
        },
    )
