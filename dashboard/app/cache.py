"""Cached computations of the pages, keyed by the viewer's scope and the data version."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard import access, clock
from dashboard.app.context import AppContext
from dashboard.auth.viewer import Viewer
from dashboard.cohorts.cohort_release import CohortData, read_cohort_data
from dashboard.cohorts.overview import Overview, overview_of
from dashboard.review.agenda import Agenda
from dashboard.review.agenda_store import AgendaStore
from dashboard.review.outcome_queue import refresh as refresh_outcomes
from dashboard.review.reference import Reference, current_reference, stored_fingerprint
from dashboard.store.engine import read


def data_version(context: AppContext) -> tuple[int, ...]:
    """The current data version (one cheap query)."""
    with read(context.engine) as connection:
        return access.data_version(connection)


def _database(context: AppContext) -> str:
    """Which database a cached result came from (part of every key)."""
    return context.engine.url.render_as_string(hide_password=True)


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=8)
def _reference(
    _context: AppContext, database: str, version: tuple[int, ...], stored: str | None, day: dt.date
) -> Reference:
    return current_reference(
        _context.engine, _context.catalog, _context.program.expected_response, background=True
    )


def reference(context: AppContext, version: tuple[int, ...]) -> Reference:
    """Expected-response ranges of the program (aggregates, the same for every viewer):
    read from the database where stored, computed once otherwise; on a new day,
    yesterday's while today's are computed in the background
    (:func:`~dashboard.review.reference.current_reference`). The stored ranges'
    fingerprint is part of the key: once today's are stored, the next run reads them."""
    with read(context.engine) as connection:
        stored = stored_fingerprint(connection)
    return _reference(context, _database(context), version, stored, clock.today())


@st.cache_resource(show_spinner=False)
def _agendas(database: str) -> AgendaStore:
    return AgendaStore()


def agenda(context: AppContext, viewer: Viewer, as_of: dt.date) -> Agenda:
    """The viewer's review agenda, kept per viewer scope and day, current with the data.

    A hit returns the kept Agenda itself (it is frozen and its readers never change
    it). After a write, only the rows of the clients it touched are built again
    (:mod:`dashboard.review.agenda_store`): a new answer, decision or follow-up shows
    at once. The viewer's scope is the key and every read applies it in SQL, so one
    viewer's agenda is never served to another; old versions are not kept.
    """
    return _agendas(_database(context)).agenda(
        context.engine,
        viewer,
        catalog=context.catalog,
        program=context.program,
        reference=reference(context, data_version(context)),
        as_of=as_of,
    )


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _visible_clients(
    _context: AppContext,
    _viewer: Viewer,
    database: str,
    scope: tuple[object, ...],
    version: tuple[int, ...],
) -> dict[str, str]:
    with read(_context.engine) as connection:
        episodes = access.episodes(connection, _viewer)
    latest = episodes.sort("admitted_on").unique("client_id", keep="last")
    active = latest["discharged_on"].is_null()
    ordered = pl.concat([latest.filter(active), latest.filter(~active)])
    return {
        row["client_id"]: f"{row['display_name'] or row['client_id']} ({row['client_id']})"
        + ("" if row["discharged_on"] is None else ", discharged")
        for row in ordered.iter_rows(named=True)
    }


def visible_clients(context: AppContext, viewer: Viewer) -> dict[str, str]:
    """Client ids the viewer may open (active first) and how to show them."""
    return _visible_clients(
        context, viewer, _database(context), viewer.scope_key, data_version(context)
    )


# a resource: the release holds arrays and is never changed by its readers
@st.cache_resource(ttl=600, show_spinner=False, max_entries=32)
def _overview(
    _context: AppContext,
    _viewer: Viewer,
    database: str,
    scope: tuple[object, ...],
    until: dt.date,
    small_cell: int,
    version: tuple[int, ...],
) -> Overview:
    refresh_outcomes(_context.engine, _context.catalog, _context.program)
    with read(_context.engine) as connection:  # the base release only: the same as the page's
        data = read_cohort_data(
            connection,
            _viewer,
            _context.catalog,
            until=until,
            threshold=small_cell,
            with_scores=False,
        )
    return overview_of(data.release, _context.catalog, until=until)


@st.cache_resource(max_entries=16, ttl=600, show_spinner="Counting the program's episodes...")
def _cohort_data(
    _context: AppContext,
    _viewer: Viewer,
    database: str,
    scope: tuple[object, ...],
    until: dt.date,
    small_cell: int,
    version: tuple[int, ...],
) -> CohortData:
    # what writes have queued is computed first: no figure rests on a stale row
    refresh_outcomes(_context.engine, _context.catalog, _context.program)
    with read(_context.engine) as connection:
        return read_cohort_data(
            connection, _viewer, _context.catalog, until=until, threshold=small_cell
        )


def cohort_data(context: AppContext, viewer: Viewer, until: dt.date) -> CohortData:
    """The one release behind the cohort page and the program overview, for the viewer's
    sites, from the episodes discharged up to ``until``: cached like :func:`overview`."""
    return _cohort_data(
        context,
        viewer,
        _database(context),
        viewer.scope_key,
        until,
        context.settings.small_cell,
        data_version(context),
    )


def overview(context: AppContext, viewer: Viewer, until: dt.date) -> Overview:
    """Every table of the program overview for the viewer's sites, from the episodes
    discharged up to ``until``: cached per viewer scope, last day, threshold and data
    version (the data function checks the viewer's access)."""
    return _overview(
        context,
        viewer,
        _database(context),
        viewer.scope_key,
        until,
        context.settings.small_cell,
        data_version(context),
    )
