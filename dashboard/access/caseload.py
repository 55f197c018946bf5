"""Whose records a viewer may open: episodes and client ids, filtered in SQL by the viewer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import caseload_scope, client_scope
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_frame

_E, _C = t.episodes.c, t.clients.c

#: The columns of an episodes read, and their polars types.
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


def episodes_select() -> sa.Select[Any]:
    """Every episode with its client, site, track and clinician (``EPISODE_COLUMNS``).

    Unfiltered: each caller adds the viewer's scope (:func:`episodes`, or the
    site scope of the cohort reads).
    """
    return sa.select(
        _E.id.label("episode_pk"),
        _E.code.label("episode_id"),
        _C.id.label("client_pk"),
        _C.code.label("client_id"),
        _C.display_name.label("display_name"),
        t.sites.c.id.label("site_id"),
        t.sites.c.name.label("site"),
        t.tracks.c.code.label("track"),
        t.tracks.c.name.label("track_name"),
        t.clinicians.c.id.label("clinician_pk"),
        t.clinicians.c.display_name.label("clinician"),
        sa.type_coerce(_E.admitted_on, sa.String).label("admitted_on"),
        sa.type_coerce(_E.discharged_on, sa.String).label("discharged_on"),
        _E.discharge_reason.label("discharge_reason"),
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
    query = episodes_select().where(client_scope(viewer))
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


def client_pk_of(connection: sa.Connection, viewer: Viewer, client_code: str) -> int | None:
    """The database id of ``client_code`` if the viewer may read it, else None.

    A client id typed into the URL or a widget never widens what is readable:
    the lookup itself is filtered by the viewer's scope.
    """
    found = connection.execute(
        sa.select(_C.id).where(_C.code == client_code, client_scope(viewer))
    ).scalar()
    return int(found) if found is not None else None


def own_client_code(connection: sa.Connection, viewer: Viewer) -> str | None:
    """The client id of a client's own account (None for other roles)."""
    if viewer.client_pk is None:
        return None
    found = connection.execute(
        sa.select(_C.code).where(_C.id == viewer.client_pk, client_scope(viewer))
    ).scalar()
    return str(found) if found is not None else None
