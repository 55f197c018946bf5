"""Program-wide reads behind aggregates (cohort outcomes, expected ranges): never a page's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard.access.caseload import EPISODE_COLUMNS, episodes_select
from dashboard.auth.permissions import Action, require, site_scope
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import ADMINISTRATION_ORDER, read_administrations, read_frame
from measures import Catalog, score_administrations

#: Episode ids per query when a list of them is given (the database's limit on
#: parameters, PostgreSQL's 65,535, is never reached).
IDS_PER_READ = 10_000


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
    query = episodes_select().where(
        _discharged_in(viewer, discharged_from=discharged_from, discharged_to=discharged_to)
    )
    return read_frame(connection, query, EPISODE_COLUMNS)


def discharged_episode_pks(
    viewer: Viewer, *, discharged_from: dt.date | None = None, discharged_to: dt.date
) -> sa.Select[Any]:
    """The ids of the episodes :func:`discharged_episodes` reads, as a select to pass to
    :func:`episode_administrations` (the database selects them: no list of ids is sent).

    >>> from dashboard.auth.viewer import Role
    >>> director = Viewer(
    ...     user_id=1, username="d", role=Role.DIRECTOR, display_name="D", site_ids=frozenset({1})
    ... )
    >>> "episodes.discharged_on <=" in str(
    ...     discharged_episode_pks(director, discharged_to=dt.date(2026, 1, 1))
    ... )
    True
    """
    require(viewer, Action.VIEW_COHORTS)
    return sa.select(t.episodes.c.id).where(
        _discharged_in(viewer, discharged_from=discharged_from, discharged_to=discharged_to)
    )


def _discharged_in(
    viewer: Viewer, *, discharged_from: dt.date | None, discharged_to: dt.date
) -> sa.ColumnElement[bool]:
    e = t.episodes.c
    where = sa.and_(site_scope(viewer), e.discharged_on <= discharged_to)
    return where if discharged_from is None else sa.and_(where, e.discharged_on >= discharged_from)


def episode_administrations(
    connection: sa.Connection,
    catalog: Catalog,
    *,
    episode_pks: Sequence[int] | sa.Select[Any],
) -> pl.DataFrame:
    """Scored administrations of these episodes (episodes a scoped read returned, or
    the episodes behind the expected ranges): ``episode_pks`` is a list of ids, read
    :data:`IDS_PER_READ` at a time, or a select of them, read in one query.

    Only aggregates computed from these ever reach a page, never the rows themselves.
    """
    episode = t.administrations.c.episode_id
    if isinstance(episode_pks, sa.Select):
        frame = read_administrations(connection, catalog, where=episode.in_(episode_pks))
        return score_administrations(frame, catalog)
    pks = list(episode_pks)
    parts = [
        read_administrations(connection, catalog, where=episode.in_(pks[i : i + IDS_PER_READ]))
        for i in range(0, len(pks), IDS_PER_READ)
    ] or [read_administrations(connection, catalog, where=sa.false())]
    frame = pl.concat(parts).sort(ADMINISTRATION_ORDER) if len(parts) > 1 else parts[0]
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
