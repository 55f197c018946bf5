"""Episode outcomes: what they are computed from (program-wide, by episode, for the queue's
drain: never a page's rows) and the stored rows a director's aggregates read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import Action, require, site_scope
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_frame

_E, _O = t.episodes.c, t.episode_outcomes.c

#: The columns of :func:`outcome_episodes`.
EPISODE_FACTS: dict[str, Any] = {
    "episode_pk": pl.Int64,
    "episode_code": pl.String,
    "client_pk": pl.Int64,
    "site_id": pl.Int64,
    "track_id": pl.Int64,
    "track": pl.String,
    "clinician_id": pl.Int64,
    "admitted_on": pl.Date,
    "discharged_on": pl.Date,
    "discharge_reason": pl.String,
}


def _day(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    return sa.type_coerce(column, sa.String)


def outcome_episodes(connection: sa.Connection, episode_pks: Sequence[int]) -> pl.DataFrame:
    """These episodes' site, track, clinician, dates and discharge reason (ids, no names)."""
    query = (
        sa.select(
            _E.id.label("episode_pk"),
            _E.code.label("episode_code"),
            _E.client_id.label("client_pk"),
            _E.site_id.label("site_id"),
            _E.track_id.label("track_id"),
            t.tracks.c.code.label("track"),
            _E.clinician_id.label("clinician_id"),
            _day(_E.admitted_on).label("admitted_on"),
            _day(_E.discharged_on).label("discharged_on"),
            _E.discharge_reason.label("discharge_reason"),
        )
        .join(t.tracks, t.tracks.c.id == _E.track_id)
        .where(_E.id.in_(list(episode_pks)))
    )
    return read_frame(connection, query, EPISODE_FACTS)


def outcome_care_levels(connection: sa.Connection, episode_pks: Sequence[int]) -> pl.DataFrame:
    """These episodes' level-of-care changes, in the order recorded."""
    c = t.care_levels.c
    query = sa.select(
        c.id.label("care_level_id"),
        c.episode_id.label("episode_pk"),
        _day(c.changed_on).label("changed_on"),
        c.level_of_care.label("level_of_care"),
    ).where(c.episode_id.in_(list(episode_pks)))
    schema = {
        "care_level_id": pl.Int64,
        "episode_pk": pl.Int64,
        "changed_on": pl.Date,
        "level_of_care": pl.String,
    }
    return read_frame(connection, query, schema)


def outcome_attendance(connection: sa.Connection, episode_pks: Sequence[int]) -> pl.DataFrame:
    """The sessions recorded against these episodes: day and whether attended."""
    a = t.attendance.c
    query = sa.select(
        a.episode_id.label("episode_pk"),
        _day(a.session_on).label("session_on"),
        a.attended.label("attended"),
    ).where(a.episode_id.in_(list(episode_pks)))
    schema = {"episode_pk": pl.Int64, "session_on": pl.Date, "attended": pl.Boolean}
    return read_frame(connection, query, schema)


def outcome_safety_answers(connection: sa.Connection, episode_pks: Sequence[int]) -> pl.DataFrame:
    """Safety answers given in check-ins of these episodes, finished or not."""
    s = t.safety_answers.c
    query = sa.select(
        s.episode_id.label("episode_pk"),
        s.instrument.label("measure"),
        s.item.label("item"),
        s.value.label("value"),
        _day(s.answered_at).label("answered_at"),
    ).where(s.episode_id.in_(list(episode_pks)))
    schema = {
        "episode_pk": pl.Int64,
        "measure": pl.String,
        "item": pl.String,
        "value": pl.Int64,
        "answered_at": pl.Datetime("us"),
    }
    return read_frame(connection, query, schema)


def outcome_follow_ups(connection: sa.Connection, client_pks: Sequence[int]) -> pl.DataFrame:
    """The follow-ups of these clients' safety flags: which flag, the action and outcome,
    and when; no note and no name (an aggregate never needs them)."""
    f = t.safety_follow_ups.c
    query = sa.select(
        f.id.label("follow_up_id"),
        f.client_id.label("client_pk"),
        f.instrument.label("measure"),
        f.kind.label("kind"),
        _day(f.flagged_on).label("flagged_on"),
        f.action.label("action"),
        f.outcome.label("outcome"),
        f.risk_level.label("risk_level"),
        sa.null().label("note"),
        sa.null().label("recorded_by"),
        _day(f.recorded_at).label("recorded_at"),
    ).where(f.client_id.in_(list(client_pks)))
    schema = {
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
    }
    return read_frame(connection, query, schema)


#: The columns of :func:`stored_outcomes`: the stored row with site, track and clinician
#: named.
STORED_NAMES: dict[str, Any] = {
    "site": pl.String,
    "track": pl.String,
    "track_name": pl.String,
    "clinician": pl.String,
} | dict.fromkeys(t.CLIENT_ATTRIBUTES, pl.String)


def stored_outcomes(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    columns: Sequence[str],
    discharged_from: dt.date | None = None,
    discharged_to: dt.date | None = None,
) -> pl.DataFrame:
    """Stored outcome rows of the episodes at the viewer's sites (``columns`` of
    ``episode_outcomes``, and of :data:`STORED_NAMES`: names of the site, track and
    clinician, and the client attributes, null where not imported), discharged in the period when
    either end is given (from the first, or to the last, when only one is).

    For cohort aggregates only: the caller reduces them to counts and rates. Read as
    stored: drain the queue first (``dashboard.review.outcome_queue.refresh``).
    """
    require(viewer, Action.VIEW_COHORTS)
    named = {
        "site": t.sites.c.name,
        "track": t.tracks.c.code,
        "track_name": t.tracks.c.name,
        "clinician": t.clinicians.c.display_name,
    } | {name: t.client_attributes.c[name] for name in t.CLIENT_ATTRIBUTES}
    selected = []
    schema: dict[str, Any] = {}
    for name in columns:
        if name in named:
            selected.append(named[name].label(name))
            schema[name] = STORED_NAMES[name]
            continue
        column = _O[name]
        dtype = _dtype(column.type)
        selected.append((_day(column) if dtype == pl.Date else column).label(name))
        schema[name] = dtype
    source = (
        t.episode_outcomes.join(t.episodes, _E.id == _O.episode_id)
        .join(t.sites, t.sites.c.id == _O.site_id)
        .join(t.tracks, t.tracks.c.id == _O.track_id)
        .outerjoin(t.clinicians, t.clinicians.c.id == _O.clinician_id)
    )
    if set(columns) & set(t.CLIENT_ATTRIBUTES):  # the overview asks for none: no join
        source = source.outerjoin(
            t.client_attributes, t.client_attributes.c.client_id == _O.client_id
        )
    query = sa.select(*selected).select_from(source).where(site_scope(viewer))
    query = _discharged(query, discharged_from, discharged_to)
    return read_frame(connection, query, schema)


#: The columns of :func:`stored_scores`.
SCORE_COLUMNS: dict[str, Any] = {
    "episode_id": pl.Int64,
    "n": pl.Int64,
    "baseline": pl.Float64,
    "baseline_at": pl.Datetime("us"),
    "latest": pl.Float64,
    "latest_at": pl.Datetime("us"),
    "change": pl.Float64,
    "change_class": pl.String,
    "baseline_case": pl.Boolean,
    "latest_case": pl.Boolean,
    "recovered": pl.Boolean,
    "reliably_recovered": pl.Boolean,
}


def stored_scores(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    measure: str,
    score_id: str,
    discharged_from: dt.date | None = None,
    discharged_to: dt.date | None = None,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The stored first and latest value and change of one score (``SCORE_COLUMNS``, or
    those named in ``columns``, in that order), one row per episode at the viewer's sites
    with a value, discharged in the period when either end is given. Join them to
    :func:`stored_outcomes` by ``episode_id``.

    For cohort aggregates only, like :func:`stored_outcomes`.
    """
    require(viewer, Action.VIEW_COHORTS)
    s = t.episode_scores.c
    unknown = sorted(set(columns or ()) - set(SCORE_COLUMNS))
    if unknown:
        msg = f"not a stored score column: {', '.join(unknown)}"
        raise ValueError(msg)
    schema = {name: SCORE_COLUMNS[name] for name in (SCORE_COLUMNS if columns is None else columns)}
    selected = [
        (sa.type_coerce(s[name], sa.String) if dtype == pl.Datetime("us") else s[name]).label(name)
        for name, dtype in schema.items()
    ]
    query = (
        sa.select(*selected)
        .select_from(
            t.episode_scores.join(t.episodes, _E.id == s.episode_id).join(
                t.episode_outcomes, _O.episode_id == s.episode_id
            )
        )
        .where(site_scope(viewer), s.measure == measure, s.score_id == score_id)
    )
    query = _discharged(query, discharged_from, discharged_to)
    return read_frame(connection, query, schema)


def _discharged(
    query: sa.Select[Any], first: dt.date | None, last: dt.date | None
) -> sa.Select[Any]:
    """``query`` narrowed to the episodes discharged from ``first`` to ``last`` (either
    end open when None; no narrowing when both are)."""
    if first is None and last is None:
        return query
    query = query.where(_O.discharged_on.is_not(None))
    if first is not None:
        query = query.where(_O.discharged_on >= first)
    if last is not None:
        query = query.where(_O.discharged_on <= last)
    return query


def _dtype(column_type: sa.types.TypeEngine[Any]) -> Any:
    """The polars type a stored column is read as."""
    for sql, polars in (
        (sa.Boolean, pl.Boolean),
        (sa.Date, pl.Date),
        (sa.Integer, pl.Int64),
        (sa.Float, pl.Float64),
        (sa.String, pl.String),
    ):
        if isinstance(column_type, sql):
            return polars
    msg = f"no polars type for {column_type!r}"
    raise TypeError(msg)
