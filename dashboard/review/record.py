"""One client's record for the progress page, the PDF report and the client's own view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard import access
from dashboard.auth.permissions import Action, NotPermitted, require
from dashboard.auth.viewer import Viewer
from dashboard.review.flags import FLAG_KEY, readiness_frames, safety_flags
from dashboard.review.reference import Reference
from measures import Catalog
from measures.change import episode_change, long_scores
from measures.expected import track_ranges, weekly_scores
from measures.program import ProgramConfig
from measures.readiness import Readiness, assess_readiness


@dataclass(frozen=True)
class ClientRecord:
    """Everything the progress page and the report show about one client's episode.

    Frames (polars):

    - ``scores``: the episode's scored administrations (wide: ``administration_id``,
      ``measure``, ``administered_at``, ``score``, ``severity``, ``caseness``,
      ``critical``, ``items_answered``, ``prorated``, ``problems``, ``item_1..N``,
      subscale columns, ``source``) plus ``week`` (program week as a number:
      1.0 on the admission day, 2.0 a week later).
    - ``change``: one row per measure and score (``measure``, ``score_id``,
      ``baseline``, ``latest``, ``change``, ``change_class``, ``rc_threshold``,
      ``recovered``, ``slope_per_week``...), from :func:`measures.change.episode_change`.
    - ``attendance``: ``session_on``, ``session_type``, ``attended``, ``week``.
    - ``care_levels``: ``changed_on``, ``level_of_care``, ``reason``, ``week``.
    - ``flags``: the episode's safety flags (``dashboard.review.flags``): endorsed
      and unknown safety answers, each with its latest follow-up, plus ``week``.
    - ``follow_ups``: every follow-up of those flags, oldest first (who recorded it
      and the note only for the treatment team).
    - ``decisions``: ``week_of``, ``decision``, ``note``, ``decided_by``, ``decided_at``.
    - ``expected``: per ``measure`` and ``week``: ``p10``, ``p50``, ``p90`` of clients
      like this one (every episode with the same baseline band and a score that
      week; the client's own track where it has enough episodes, else every
      track), with the group's size (``n_episodes``, ``n_clients``) and
      ``reference_track``, only where enough reference episodes exist;
      ``expected_notes`` says why a measure has none.
    - ``readiness``: the step-down readiness result (``measures.readiness``), or None.
    """

    client_id: str
    display_name: str | None
    episode: dict[str, Any]
    as_of: dt.date
    scores: pl.DataFrame
    change: pl.DataFrame
    attendance: pl.DataFrame
    care_levels: pl.DataFrame
    flags: pl.DataFrame
    decisions: pl.DataFrame
    follow_ups: pl.DataFrame = field(default_factory=pl.DataFrame)
    expected: pl.DataFrame | None = None
    expected_notes: dict[str, str] = field(default_factory=dict)
    readiness: Readiness | None = None

    @property
    def program_week(self) -> int:
        """The program week the review date falls in (week 1 starts on admission)."""
        admitted: dt.date = self.episode["admitted_on"]
        return (self.as_of - admitted).days // 7 + 1


def program_week(column: str, admitted_on: dt.date) -> pl.Expr:
    """A date or datetime column as program weeks: 1.0 on admission, 2.0 a week later."""
    start = pl.lit(dt.datetime.combine(admitted_on, dt.time()))
    moment = pl.col(column).cast(pl.Datetime("us"))
    return ((moment - start).dt.total_seconds() / (7 * 86_400) + 1).alias("week")


def load_client_record(
    connection: sa.Connection,
    viewer: Viewer,
    client_code: str,
    *,
    catalog: Catalog,
    as_of: dt.date,
) -> ClientRecord:
    """The client's current (or latest) episode, read within the viewer's scope.

    Raises :class:`NotPermitted` when the viewer may not read this client: the
    same answer whether the id exists or not, so ids cannot be probed.
    """
    require(viewer, Action.VIEW_CLIENT)
    client_pk = access.client_pk_of(connection, viewer, client_code)
    if client_pk is None:
        msg = "no client with this id in your caseload"
        raise NotPermitted(msg)
    episodes = access.episodes(connection, viewer, client_pks=[client_pk])
    if episodes.is_empty():
        msg = "this client has no episode yet"
        raise NotPermitted(msg)
    current = episodes.filter(pl.col("admitted_on") <= as_of).sort("admitted_on").tail(1)
    episode = (current if current.height else episodes.head(1)).row(0, named=True)
    admitted = episode["admitted_on"]
    until = episode["discharged_on"] or as_of
    day = pl.col("administered_at").dt.date()
    scores = (
        access.scored_administrations(
            connection, viewer, catalog, client_pks=[client_pk], since=admitted
        )
        .filter((day >= admitted) & (day <= until))
        .with_columns(program_week("administered_at", admitted))
    )
    attendance = (
        access.attendance(connection, viewer, client_pks=[client_pk], since=admitted)
        .filter(pl.col("session_on") <= until)
        .with_columns(program_week("session_on", admitted))
    )
    care = (
        access.care_levels(connection, viewer, client_pks=[client_pk])
        .filter(pl.col("episode_pk") == episode["episode_pk"])
        .with_columns(program_week("changed_on", admitted))
    )
    own = pl.lit(client_code).alias("client_id")
    pending = (
        access.safety_answers(connection, viewer, client_pks=[client_pk], since=admitted)
        .filter(pl.col("answered_at").dt.date() <= until)
        .with_columns(own)
    )
    follow_ups = access.follow_ups(connection, viewer, client_pks=[client_pk]).with_columns(own)
    flags = safety_flags(
        scores,
        catalog,
        pending=pending,
        follow_ups=follow_ups,
        acknowledgements=access.acknowledgements(connection, viewer, client_pks=[client_pk]),
    ).with_columns(program_week("flagged_at", admitted))
    decisions = access.decisions(connection, viewer, client_pks=[client_pk]).filter(
        pl.col("episode_pk") == episode["episode_pk"]
    )
    return ClientRecord(
        client_id=client_code,
        display_name=episode["display_name"],
        episode=episode,
        as_of=as_of,
        scores=scores,
        change=episode_change(long_scores(scores, catalog), catalog),
        attendance=attendance,
        care_levels=care,
        flags=flags,
        decisions=decisions,
        follow_ups=follow_ups.join(flags.select(FLAG_KEY), on=FLAG_KEY, how="semi"),
    )


def with_assessments(
    record: ClientRecord,
    *,
    catalog: Catalog,
    program: ProgramConfig,
    reference: Reference,
) -> ClientRecord:
    """The record with its step-down readiness and the expected ranges of similar clients."""
    episode = record.episode
    flags, follow_ups = readiness_frames(record.flags, record.follow_ups)
    readiness = assess_readiness(
        record.scores,
        admitted_on=episode["admitted_on"],
        attendance=record.attendance.select("session_on", "attended"),
        safety_flags=flags.drop("client_id"),
        follow_ups=follow_ups.drop("client_id"),
        as_of=min(record.as_of, episode["discharged_on"] or record.as_of),
        track=episode["track"],
        client_id=record.client_id,
        config=program.readiness,
        catalog=catalog,
    )
    weekly = weekly_scores(
        record.scores.with_columns(
            pl.lit(episode["episode_id"]).alias("episode_id"),
            pl.lit(episode["admitted_on"]).alias("admitted_on"),
        ),
        catalog=catalog,
    )
    bands = weekly.select("measure", "baseline_band").unique()
    expected = (
        track_ranges(reference.ranges, episode["track"])
        .join(bands, on=["measure", "baseline_band"])
        .select(
            "measure", "week", "p10", "p50", "p90", "n_episodes", "n_clients", "reference_track"
        )
        .sort("measure", "week")
    )
    notes = {}
    for measure, band in bands.rows():
        if expected.filter(pl.col("measure") == measure).is_empty():
            gap = reference.gaps.filter(
                (pl.col("measure") == measure) & (pl.col("baseline_band") == band)
            )
            notes[measure] = (
                gap["reason"][0] if gap.height else "no episodes of the program to compare with yet"
            )
    return replace(record, readiness=readiness, expected=expected, expected_notes=notes)
