"""The weekly review agenda: the active caseload, most urgent first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import polars as pl
import sqlalchemy as sa

from dashboard import access
from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import week_of
from dashboard.review.agenda_table import agenda_rows
from dashboard.review.flags import readiness_frames, safety_flags
from dashboard.review.priorities import PRIORITY_NAMES
from dashboard.review.reference import Reference
from dashboard.review.score_cells import CELL_SCHEMA, measure_facts, score_cells
from measures import Catalog
from measures.change import episode_change, long_scores
from measures.expected import not_on_track, weekly_scores
from measures.program import ProgramConfig
from measures.readiness import Readiness, assess_caseload
from measures.schedule import due_measures


@dataclass(frozen=True)
class Filters:
    """The page's site, track and clinician filters (they narrow, never widen)."""

    sites: tuple[str, ...] = ()
    tracks: tuple[str, ...] = ()
    clinicians: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agenda:
    """The review agenda and the details behind each row."""

    as_of: dt.date
    rows: pl.DataFrame
    flags: pl.DataFrame = field(default_factory=pl.DataFrame)
    readiness: Mapping[str, Readiness] = field(default_factory=dict)
    due: pl.DataFrame = field(default_factory=pl.DataFrame)
    off_track: pl.DataFrame = field(default_factory=pl.DataFrame)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cells: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CELL_SCHEMA))

    def narrowed(self, filters: Filters) -> Agenda:
        """The agenda of the clients matching the page's filters (they never widen it).

        Every row is computed for its client alone, so narrowing the built agenda
        gives the same rows as building it for fewer clients, without a second build.
        """
        rows = self.rows
        for column, chosen in (
            ("site", filters.sites),
            ("track", filters.tracks),
            ("clinician", filters.clinicians),
        ):
            if chosen and not rows.is_empty():
                rows = rows.filter(pl.col(column).is_in(list(chosen)))
        return replace(self, rows=rows)

    @property
    def counts(self) -> dict[str, int]:
        """Clients per priority group, in agenda order."""
        if self.rows.is_empty():
            return {}
        counted = dict(self.rows.group_by("priority_label").len().iter_rows())
        return {label: counted[label] for label in PRIORITY_NAMES if label in counted}


@dataclass(frozen=True)
class Caseload:
    """A built agenda with what updating it in place needs (:mod:`dashboard.review.agenda_store`).

    ``episodes`` are the active episodes the rows are of (with ``client_pk``);
    ``weekly`` the clients' weekly scores, from which new expected ranges give
    the off-track evidence again without reading anything.
    """

    agenda: Agenda
    episodes: pl.DataFrame
    weekly: pl.DataFrame


def build_agenda(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    catalog: Catalog,
    program: ProgramConfig,
    reference: Reference,
    as_of: dt.date,
) -> Agenda:
    """Build the agenda of the viewer's active caseload at ``as_of``.

    Every read is scoped to the viewer in SQL; :meth:`Agenda.narrowed` applies
    the page's filters afterwards.
    """
    return build_caseload(
        connection, viewer, catalog=catalog, program=program, reference=reference, as_of=as_of
    ).agenda


def build_caseload(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    catalog: Catalog,
    program: ProgramConfig,
    reference: Reference,
    as_of: dt.date,
    client_pks: Sequence[int] | None = None,
) -> Caseload:
    """:func:`build_agenda`, keeping its episodes and weekly scores; ``client_pks``
    builds the rows of these clients only (those of them in the viewer's caseload).

    Every row, flag, readiness and score cell is computed for its client alone, so
    the rows of a few clients are the rows a build of the whole caseload gives them.
    Frames keyed by client (flags, due, off-track, cells) come in client order.
    """
    require(viewer, Action.VIEW_CASELOAD)
    episodes = access.episodes(
        connection,
        viewer,
        active_on=as_of,
        caseload=True,
        client_pks=None if client_pks is None else list(client_pks),
    )
    if episodes.is_empty():
        agenda = Agenda(as_of=as_of, rows=pl.DataFrame(), choices=choices_of(episodes))
        return Caseload(agenda, episodes, pl.DataFrame())
    pks = episodes["client_pk"].to_list()
    window = episodes.select("client_pk", "client_id", "episode_id", "admitted_on", "track")
    earliest: dt.date = episodes.select(pl.col("admitted_on").min()).item()
    scored = _in_episode(
        access.scored_administrations(
            connection, viewer, catalog, client_pks=pks, since=earliest
        ).drop("episode_id", strict=False),
        window,
        "administered_at",
        as_of,
    )
    attendance = _in_episode(
        access.attendance(connection, viewer, client_pks=pks, since=earliest),
        window,
        "session_on",
        as_of,
    )
    keys = window.select("client_pk", "client_id")
    pending = _in_episode(
        access.safety_answers(connection, viewer, client_pks=pks, since=earliest),
        window,
        "answered_at",
        as_of,
    )
    follow_ups = access.follow_ups(connection, viewer, client_pks=pks).join(keys, on="client_pk")
    flags = safety_flags(
        scored,
        catalog,
        pending=pending,
        follow_ups=follow_ups,
        acknowledgements=access.acknowledgements(connection, viewer, client_pks=pks),
    )
    raised, followed = readiness_frames(flags, follow_ups)
    readiness = assess_caseload(
        scored,
        window.select("client_id", "admitted_on", "track"),
        attendance.select("client_id", "session_on", "attended"),
        raised,
        follow_ups=followed,
        as_of=as_of,
        config=program.readiness,
        catalog=catalog,
    )
    change = episode_change(long_scores(scored, catalog), catalog)
    weekly = weekly_scores(scored, catalog=catalog)
    off_track = off_track_of(weekly, reference, program=program, catalog=catalog)
    due = due_measures(
        scored.group_by("client_id", "measure").agg(
            pl.col("administered_at").max().alias("last_at")
        ),
        window.join(_program_days(attendance, as_of), on="client_id", how="left"),
        as_of=as_of,
        config=program.schedule,
    )
    decisions = access.decisions(connection, viewer, client_pks=pks).filter(
        pl.col("week_of") == week_of(as_of)
    )
    plans = access.plans_reviewed(
        connection, viewer, client_pks=None if client_pks is None else pks
    )
    facts = measure_facts(scored, change.filter(pl.col("score_id") == "score"), catalog)
    rows = agenda_rows(
        episodes,
        facts,
        change,
        attendance,
        flags,
        readiness,
        off_track,
        due,
        decisions,
        plans,
        program=program,
        catalog=catalog,
        as_of=as_of,
    )
    agenda = Agenda(
        as_of,
        rows,
        by_client(flags),
        readiness,
        by_client(due),
        by_client(off_track),
        choices_of(episodes),
        by_client(score_cells(facts)),
    )
    return Caseload(agenda, episodes, weekly)


def off_track_of(
    weekly: pl.DataFrame, reference: Reference, *, program: ProgramConfig, catalog: Catalog
) -> pl.DataFrame:
    """Each client's measures against the expected ranges
    (:func:`measures.expected.not_on_track`)."""
    return not_on_track(
        weekly,
        reference.ranges,
        config=program.expected_response,
        catalog=catalog,
        gaps=reference.gaps,
    )


def choices_of(episodes: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    """The sites, tracks and clinicians of these episodes: what the page's filters offer."""
    return {
        "sites": tuple(sorted(episodes["site"].unique().to_list())),
        "tracks": tuple(sorted(episodes["track_name"].unique().to_list())),
        "clinicians": tuple(sorted(episodes["clinician"].drop_nulls().unique().to_list())),
    }


def by_client(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in client order, each client's rows in the order they came (stable)."""
    if "client_id" not in frame.columns:
        return frame
    return frame.sort("client_id", maintain_order=True)


def _in_episode(
    frame: pl.DataFrame, window: pl.DataFrame, column: str, as_of: dt.date
) -> pl.DataFrame:
    """Rows of each client's current episode up to ``as_of``, with the client's keys."""
    day = (
        pl.col(column).cast(pl.Date)
        if frame.schema[column] == pl.Date
        else pl.col(column).dt.date()
    )
    return (
        frame.drop("client_id", strict=False)
        .join(window, on="client_pk")
        .filter((day >= pl.col("admitted_on")) & (day <= as_of))
    )


def _program_days(attendance: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Each client's program weekdays, read from the sessions of the last three weeks."""
    recent = attendance.filter(pl.col("session_on") > as_of - dt.timedelta(days=21))
    return recent.group_by("client_id").agg(
        pl.col("session_on").dt.weekday().unique().sort().alias("program_days")
    )
