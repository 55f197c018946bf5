"""Program-wide reads behind aggregates (cohort outcomes, expected ranges): never a page's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import sqlalchemy as sa

from dashboard.access.caseload import EPISODE_COLUMNS, episodes_select
from dashboard.auth.permissions import Action, require, site_scope
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_administrations, read_frame
from measures import Catalog, score_administrations


def discharged_episodes(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    discharged_from: dt.date | None = None,
    discharged_to: dt.date,
) -> pl.DataFrame:
    """Episodes at the viewer's sites discharged in the period (``EPISODE_COLUMNS``;
    from the first discharge when ``discharged_from`` is None).

    For cohort aggregates only: the caller reduces them to counts and rates.
    """
    require(viewer, Action.VIEW_COHORTS)
    e = t.episodes.c
    query = episodes_select().where(site_scope(viewer), e.discharged_on <= discharged_to)
    if discharged_from is not None:
        query = query.where(e.discharged_on >= discharged_from)
    return read_frame(connection, query, EPISODE_COLUMNS)


def episode_administrations(
    connection: sa.Connection, catalog: Catalog, *, episode_pks: Sequence[int]
) -> pl.DataFrame:
    """Scored administrations of these episodes (episodes a scoped read returned, or
    the episodes behind the expected ranges).

    Only aggregates computed from these ever reach a page, never the rows themselves.
    """
    frame = read_administrations(
        connection, catalog, where=t.administrations.c.episode_id.in_(list(episode_pks))
    )
    return score_administrations(frame, catalog)


def reference_episodes(connection: sa.Connection) -> pl.DataFrame:
    """Every episode of the program, whatever its outcome (the expected ranges' reference):
    its admission date and track, no identities."""
    e = t.episodes.c
    query = sa.select(
        e.id.label("episode_pk"),
        sa.type_coerce(e.admitted_on, sa.String).label("admitted_on"),
        t.tracks.c.code.label("track"),
    ).select_from(t.episodes.join(t.tracks, e.track_id == t.tracks.c.id))
    schema = {"episode_pk": pl.Int64, "admitted_on": pl.Date, "track": pl.String}
    return read_frame(connection, query, schema)


def data_version(connection: sa.Connection) -> tuple[int, ...]:
    """The data version: it grows with every committed change the pages show, so a
    cached page keyed on it shows a new check-in, decision or discharge at once."""
    version = connection.execute(sa.select(sa.func.max(t.data_changes.c.id))).scalar()
    return (int(version or 0),)
