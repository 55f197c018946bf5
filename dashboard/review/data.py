"""Viewer-scoped reads for the review pages: every query filters in SQL by the viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import (
    Action,
    allowed,
    caseload_scope,
    client_scope,
    scoped_client_ids,
)
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_administrations, read_frame
from measures import Catalog, score_administrations

_E, _C = t.episodes.c, t.clients.c

EPISODE_COLUMNS: dict[str, Any] = {
    "episode_pk": pl.Int64,
    "episode_id": pl.String,
    "client_pk": pl.Int64,
    "client_id": pl.String,
    "display_name": pl.String,
    "site_id": pl.Int64,
    "site": pl.String,
    "track": pl.String,
    "track_name": pl.String,
    "clinician_pk": pl.Int64,
    "clinician": pl.String,
    "admitted_on": pl.Date,
    "discharged_on": pl.Date,
    "discharge_reason": pl.String,
}


def _episodes_select() -> sa.Select[Any]:
    return sa.select(
        _E.id,
        _E.code,
        _C.id,
        _C.code,
        _C.display_name,
        t.sites.c.id,
        t.sites.c.name,
        t.tracks.c.code,
        t.tracks.c.name,
        t.clinicians.c.id,
        t.clinicians.c.display_name,
        sa.type_coerce(_E.admitted_on, sa.String),
        sa.type_coerce(_E.discharged_on, sa.String),
        _E.discharge_reason,
    ).select_from(
        t.episodes.join(t.clients, _E.client_id == _C.id)
        .join(t.sites, _E.site_id == t.sites.c.id)
        .join(t.tracks, _E.track_id == t.tracks.c.id)
        .outerjoin(t.clinicians, _E.clinician_id == t.clinicians.c.id)
    )


def episodes(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    active_on: dt.date | None = None,
    client_pks: list[int] | None = None,
    caseload: bool = False,
) -> pl.DataFrame:
    """Episodes of the clients the viewer may read; ``active_on`` keeps open ones.

    Clinicians see every episode of a client who has an episode at their sites;
    ``caseload`` keeps only the episodes at their sites (``caseload_scope``).
    """
    query = _episodes_select().where(client_scope(viewer))
    if caseload:
        query = query.where(caseload_scope(viewer))
    if active_on is not None:
        query = query.where(
            _E.admitted_on <= active_on,
            sa.or_(_E.discharged_on.is_(None), _E.discharged_on >= active_on),
        )
    if client_pks is not None:
        query = query.where(_C.id.in_(client_pks))
    return read_frame(connection, query.order_by(_C.code, _E.admitted_on), EPISODE_COLUMNS)


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
    where = a.client_id.in_(scoped_client_ids(viewer, client_pks))
    if since is not None:
        where = where & (a.administered_at >= dt.datetime.combine(since, dt.time()))
    return score_administrations(read_administrations(connection, catalog, where=where), catalog)


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
        a.client_id,
        a.episode_id,
        sa.type_coerce(a.session_on, sa.String),
        a.session_type,
        a.attended,
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


def acknowledgements(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """Which safety flag (administration) was acknowledged, and when; who did it
    and their note only for the treatment team (a client sees neither)."""
    f, a = t.flag_acknowledgements.c, t.administrations.c
    team = _is_team(viewer)
    query = (
        sa.select(
            f.administration_id,
            f.acknowledged_by if team else sa.null(),
            sa.type_coerce(f.acknowledged_at, sa.String),
            f.note if team else sa.null(),
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


def _is_team(viewer: Viewer) -> bool:
    """The treatment team: those who record decisions (clinicians), not clients."""
    return allowed(viewer, Action.RECORD_DECISION)


def decisions(connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]) -> pl.DataFrame:
    """The team's weekly decisions for these clients' episodes, newest first (for
    the treatment team only: a client's own record has none)."""
    d = t.review_decisions.c
    query = (
        sa.select(
            d.id,
            d.episode_id,
            sa.type_coerce(d.week_of, sa.String),
            d.decision,
            d.note,
            d.decided_by,
            sa.type_coerce(d.decided_at, sa.String),
        )
        .join(t.episodes, _E.id == d.episode_id)
        .where(
            _E.client_id.in_(scoped_client_ids(viewer, client_pks)),
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


def care_levels(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """Level-of-care changes of these clients' episodes."""
    c = t.care_levels.c
    query = (
        sa.select(c.episode_id, sa.type_coerce(c.changed_on, sa.String), c.level_of_care, c.reason)
        .join(t.episodes, _E.id == c.episode_id)
        .where(_E.client_id.in_(scoped_client_ids(viewer, client_pks)))
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


def client_pk_of(connection: sa.Connection, viewer: Viewer, client_code: str) -> int | None:
    """The database id of ``client_code`` if the viewer may read it, else None.

    A client id typed into the URL or a widget never widens what is readable:
    the lookup itself is filtered by the viewer's scope.
    """
    found = connection.execute(
        sa.select(_C.id).where(_C.code == client_code, client_scope(viewer))
    ).scalar()
    return int(found) if found is not None else None


def reference_administrations(
    connection: sa.Connection, catalog: Catalog, *, episode_pks: Sequence[int]
) -> pl.DataFrame:
    """Scored administrations of these completed episodes, for expected ranges.

    Only percentiles computed from these (with a minimum number of episodes)
    ever reach a page, never the rows themselves.
    """
    frame = read_administrations(
        connection, catalog, where=t.administrations.c.episode_id.in_(list(episode_pks))
    )
    return score_administrations(frame, catalog)


def reference_episodes(connection: sa.Connection, reasons: Sequence[str]) -> pl.DataFrame:
    """Admission dates of the program's episodes discharged for ``reasons`` (no identities)."""
    query = sa.select(_E.id, sa.type_coerce(_E.admitted_on, sa.String)).where(
        _E.discharge_reason.in_(list(reasons))
    )
    return read_frame(connection, query, {"episode_pk": pl.Int64, "admitted_on": pl.Date})


def data_version(connection: sa.Connection) -> tuple[int, ...]:
    """The data version: it grows with every committed change the pages show, so a
    cached page keyed on it shows a new check-in, decision or discharge at once."""
    version = connection.execute(sa.select(sa.func.max(t.data_changes.c.id))).scalar()
    return (int(version or 0),)


def own_client_code(connection: sa.Connection, viewer: Viewer) -> str | None:
    """The client id of a client's own account (None for other roles)."""
    if viewer.client_pk is None:
        return None
    found = connection.execute(
        sa.select(_C.code).where(_C.id == viewer.client_pk, client_scope(viewer))
    ).scalar()
    return str(found) if found is not None else None


def last_administered(
    connection: sa.Connection, viewer: Viewer, *, client_pks: list[int]
) -> pl.DataFrame:
    """When each of these clients last did each measure (``client_id``, ``measure``,
    ``last_at``), aggregated in SQL: nothing is read or scored row by row."""
    a = t.administrations.c
    query = (
        sa.select(
            _C.code,
            a.instrument,
            sa.type_coerce(sa.func.max(a.administered_at), sa.String),
        )
        .join(t.clients, _C.id == a.client_id)
        .where(a.is_current, a.client_id.in_(scoped_client_ids(viewer, client_pks)))
        .group_by(_C.code, a.instrument)
    )
    return read_frame(
        connection,
        query,
        {"client_id": pl.String, "measure": pl.String, "last_at": pl.Datetime("us")},
    )
