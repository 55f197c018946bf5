"""Step-down readiness (IOP to outpatient): each criterion's evidence, its source and a status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.definition import Source
from measures.readiness_config import ASAM_DIMENSIONS, ReadinessConfig
from measures.readiness_criteria import CRITERIA, IMPROVING, Rule, prepare_rules
from measures.readiness_facts import gather_facts
from measures.readiness_parts import source_of
from measures.readiness_status import status_frame

Status = Literal["ready", "approaching", "not ready", "not enough data"]
#: A criterion's state on a checklist: met, not met, not evaluated (fails closed) or
#: not applicable to the client.
State = Literal["met", "not met", "not evaluated", "not applicable"]

#: Shown with every readiness summary.
DISCLAIMER = "This summary informs the treatment team's step-down decision; it never makes it."
#: The criteria that must be evaluated, and met, before the status can be "ready":
#: all of them. Each answers a question the team must answer before a step-down
#: (symptoms, safety, craving, use, confidence, supports, attendance, time in IOP);
#: one the program does not use is turned off in its file (``enabled = false``).
CORE_CRITERIA = CRITERIA

__all__ = [
    "CORE_CRITERIA",
    "DISCLAIMER",
    "CaseloadReadiness",
    "CriterionResult",
    "Readiness",
    "State",
    "Status",
    "assess_caseload",
    "assess_readiness",
    "readiness_status",
]


@dataclass(frozen=True)
class CriterionResult:
    """One criterion at the review: met (None: not evaluated), evidence and sources.

    ``no_recent_data`` marks a criterion that could not be evaluated for want of
    recent data (it makes the status "not enough data"); ``settings`` names the
    program settings a criterion needs and the program left empty (also where
    another of its conditions already fails it); ``note`` says why a criterion
    was not evaluated or what else to know; ``improving`` marks mood or anxiety
    reliably improved but still above the cut-off (not met); ``applicable``
    False a criterion that does not apply to the client. ``sources`` are the
    published sources (or the program's file) behind its thresholds, each once.
    """

    id: str
    label: str
    asam_dimension: int
    met: bool | None
    value: str
    sources: tuple[Source, ...]
    note: str | None = None
    no_recent_data: bool = False
    met_at_previous_review: bool | None = None
    improving: bool = False
    applicable: bool = True
    settings: tuple[str, ...] = ()

    @property
    def asam_name(self) -> str:
        """The name of the ASAM dimension this criterion informs."""
        return ASAM_DIMENSIONS[self.asam_dimension]

    @property
    def state(self) -> State:
        """Met, not met (improving still above the cut-off is not met), not evaluated
        (missing data or an empty program setting: never met) or not applicable."""
        if not self.applicable:
            return "not applicable"
        if self.met is None:
            return "not evaluated"
        return "met" if self.met else "not met"

    @property
    def mark(self) -> str:
        """The verdict in a word or two: "Met", "Not met", "Improving, still above the
        cut-off", "Not evaluated", "Not enough recent data" or "Not applicable"."""
        if self.met:
            return "Met"
        if self.improving:
            return IMPROVING.capitalize()
        if self.met is False:
            return "Not met"
        if not self.applicable:
            return "Not applicable"
        return "Not enough recent data" if self.no_recent_data else "Not evaluated"

    @property
    def verdict(self) -> str:
        """The verdict as the page shows it, with what is missing where not evaluated.

        "Met", "Not met", "Improving, still above the cut-off", "Not evaluated:
        set [readiness.attendance] attendance_min in the program file", "Not
        enough recent data: give the PHQ-9" or "Not applicable to ...".
        """
        note = self.note or ""
        if self.met is not None or not note:
            return self.mark
        if not self.applicable or self.no_recent_data:
            return note[:1].upper() + note[1:]
        return f"{self.mark}: {note}"

    @property
    def aside(self) -> str | None:
        """A note beside a verdict that does not already carry it (e.g. item 9 unanswered)."""
        return self.note if self.met is not None else None


@dataclass(frozen=True)
class Readiness:
    """A client's step-down readiness at ``as_of``: status, why, and every criterion.

    It informs the treatment team's decision; it never makes it. It fails
    closed: a criterion that cannot be evaluated (a program threshold left
    empty, too little or no recent data) is never met, and says what is
    missing. Every criterion is core (:data:`CORE_CRITERIA`): time in IOP,
    mood, anxiety, safety, craving, substance use, confidence to stay
    abstinent, recovery supports and attendance, each where it applies to the
    client's track. Status rules, in this order, over the enabled criteria
    that apply (:func:`readiness_status`):

    1. **not enough data**: a criterion that needs data has none recent enough
       (no PHQ-9 within its recall period, too few ratings for a trend, no
       attendance recorded while a minimum is set, ...).
    2. **ready**: every criterion is evaluated and met at ``as_of`` *and* at
       the previous weekly review (``as_of`` minus ``review_interval_days``),
       each review using only the data up to its own date.
    3. **approaching**: every criterion is met at ``as_of`` but not all were at
       the previous review; or all but one are met now and that one (not met,
       improving but still above the cut-off, or not evaluated) is not the
       safety criterion.
    4. **not ready**: anything else, e.g. the safety criterion not met or not
       evaluated.

    Mood and anxiety are met only when the latest score is below the
    instrument's caseness cut-off and not reliably deteriorated: a reliable
    improvement still above the cut-off is "improving, still above the
    cut-off", not met (Jacobson & Truax 1991: clinically significant change
    needs the cut-off crossed). A criterion whose threshold the program left
    empty is "not evaluated" and names the setting (:attr:`missing_settings`).
    Where the track is not recorded, a substance-use criterion applies only if
    its measures were given in the episode.
    """

    client_id: str
    as_of: dt.date
    previous_review: dt.date
    status: Status
    reason: str
    criteria: tuple[CriterionResult, ...]

    def criterion(self, criterion_id: str) -> CriterionResult:
        """The result of one criterion by id (``mood``, ``attendance``, ...)."""
        for result in self.criteria:
            if result.id == criterion_id:
                return result
        msg = f"no criterion {criterion_id!r} in this review"
        raise KeyError(msg)

    @property
    def missing_settings(self) -> tuple[str, ...]:
        """The program settings left empty that keep a criterion from being evaluated."""
        found = (s for c in self.criteria if c.applicable for s in c.settings)
        return tuple(dict.fromkeys(found))

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source the criteria cite, in checklist order, each once."""
        return tuple(dict.fromkeys(s for c in self.criteria for s in c.sources))

    def by_dimension(self) -> dict[int, tuple[CriterionResult, ...]]:
        """The criteria grouped by ASAM dimension, in dimension order."""
        groups: dict[int, list[CriterionResult]] = {}
        for result in sorted(self.criteria, key=lambda r: r.asam_dimension):
            groups.setdefault(result.asam_dimension, []).append(result)
        return {k: tuple(v) for k, v in groups.items()}


def assess_readiness(
    scored: pl.DataFrame,
    *,
    admitted_on: dt.date,
    attendance: pl.DataFrame,
    safety_flags: pl.DataFrame,
    as_of: dt.date,
    follow_ups: pl.DataFrame | None = None,
    track: str | None = None,
    client_id: str = "client",
    config: ReadinessConfig | None = None,
    catalog: Catalog | None = None,
) -> Readiness:
    """One client's step-down readiness at ``as_of`` (data after ``as_of`` are ignored).

    ``scored``: the client's scored administrations (as from
    :func:`measures.score_administrations`) with ``measure`` (String),
    ``administered_at`` (Datetime, local time), ``score`` (Float), ``critical``
    (Boolean: a safety item endorsed; null where one is unanswered or only a
    total was given) and, for BAM-R rows, the
    composites ``use`` and ``protective``. Rows before ``admitted_on`` are not
    part of the episode and are ignored.

    ``attendance``: one row per scheduled session, ``session_on`` (Date) and
    ``attended`` (Boolean); a day with several sessions is one program day,
    attended if any of its sessions was.

    Safety: a *flag* is a safety item answered above its threshold (an
    instrument's ``critical_items``), and an *unknown* is an administration of an
    instrument with safety items whose ``critical`` is null; both are read from
    ``scored`` by instrument, per instrument and day. An instrument without
    safety items never asked, so its null is not unknown. ``safety_flags`` adds
    flags ``scored`` cannot show (answers given in a check-in not yet finished):
    ``administered_at`` (Datetime) and optionally ``measure`` and ``kind``
    (``endorsed``, the default, or ``unknown``). ``follow_ups``: what the team
    recorded, per flag: ``measure``, ``kind``, ``flagged_on`` (Date),
    ``recorded_at`` (Datetime), ``closes`` and ``elevated`` (Boolean). The safety
    criterion is met at a review only when every flag and unknown raised in its
    window had, by the end of that day, a latest follow-up that closes it, and no
    follow-up of them found elevated risk. An acknowledgement is not a follow-up.
    ``track``: the
    episode's track (``substance_use``, ``mental_health``, ``co_occurring``),
    or None where unknown.

    Examples
    --------
    >>> import datetime as dt
    >>> scored = pl.DataFrame({
    ...     "measure": ["phq9", "phq9", "gad7", "gad7"],
    ...     "administered_at": [dt.datetime(2026, 11, d, 10) for d in (2, 16, 2, 16)],
    ...     "score": [16.0, 8.0, 12.0, 6.0], "critical": [False] * 4,
    ... })
    >>> no_rows = pl.DataFrame(schema={"session_on": pl.Date, "attended": pl.Boolean})
    >>> no_flags = pl.DataFrame(schema={"administered_at": pl.Datetime("us")})
    >>> result = assess_readiness(
    ...     scored, admitted_on=dt.date(2026, 11, 2), attendance=no_rows,
    ...     safety_flags=no_flags, as_of=dt.date(2026, 11, 17), track="mental_health")
    >>> result.criterion("mood").value
    'PHQ-9 8 on 2026-11-16 (below 10); change from 16: reliably improved'
    >>> result.status, result.missing_settings
    ('not ready', ('[readiness.min_weeks] weeks', '[readiness.attendance] attendance_min'))
    """
    episodes = pl.DataFrame(
        {"client_id": [client_id], "admitted_on": [admitted_on], "track": [track]},
        schema={"client_id": pl.String, "admitted_on": pl.Date, "track": pl.String},
    )
    own = pl.lit(client_id).alias("client_id")
    results = assess_caseload(
        scored.with_columns(own),
        episodes,
        attendance.with_columns(own),
        safety_flags.with_columns(own),
        follow_ups=None if follow_ups is None else follow_ups.with_columns(own),
        as_of=as_of,
        config=config,
        catalog=catalog,
    )
    return results[client_id]


def assess_caseload(
    scored: pl.DataFrame,
    episodes: pl.DataFrame,
    attendance: pl.DataFrame,
    safety_flags: pl.DataFrame,
    *,
    as_of: dt.date,
    follow_ups: pl.DataFrame | None = None,
    config: ReadinessConfig | None = None,
    catalog: Catalog | None = None,
) -> CaseloadReadiness:
    """Step-down readiness of every client in ``episodes`` (one current episode each).

    The frames are those of :func:`assess_readiness` (``follow_ups`` too) with a
    ``client_id`` column (String) each; ``episodes`` has ``client_id``, ``admitted_on``
    (Date) and optionally ``track`` (String). Every criterion is evaluated for the
    whole caseload at once as polars expressions, at ``as_of`` and at the previous
    review; the result maps each client to its :class:`Readiness`, built when asked
    for, and holds the frames behind them (:class:`CaseloadReadiness`).

    Examples
    --------
    >>> import datetime as dt
    >>> scored = pl.DataFrame({
    ...     "client_id": ["C1", "C1", "C2"], "measure": ["phq9", "phq9", "gad7"],
    ...     "administered_at": [dt.datetime(2026, 11, d, 10) for d in (2, 16, 16)],
    ...     "score": [16.0, 8.0, 6.0], "critical": [False] * 3,
    ... })
    >>> episodes = pl.DataFrame({"client_id": ["C1", "C2"],
    ...                          "admitted_on": [dt.date(2026, 11, 2)] * 2})
    >>> none = pl.DataFrame(schema={"client_id": pl.String, "session_on": pl.Date,
    ...                             "attended": pl.Boolean, "administered_at": pl.Datetime})
    >>> caseload = assess_caseload(scored, episodes, none, none, as_of=dt.date(2026, 11, 17))
    >>> caseload["C2"].criterion("anxiety").value
    'GAD-7 6 on 2026-11-16 (below 10); first score of the episode, no change yet'
    >>> caseload.statuses["status"].to_list()
    ['not enough data', 'not enough data']
    """
    config = config or ReadinessConfig()
    catalog = catalog or load_catalog()
    repeated = episodes.group_by("client_id").len().filter(pl.col("len") > 1)
    if repeated.height:
        client, count = repeated.row(0)
        msg = f"one current episode per client: {client} has {count}"
        raise ValueError(msg)
    previous = as_of - dt.timedelta(days=config.review_interval_days)
    facts = gather_facts(
        scored,
        episodes,
        attendance,
        safety_flags,
        follow_ups=follow_ups,
        review_dates=(as_of, previous),
        config=config,
        catalog=catalog,
    )
    criteria = criteria_frame(facts, prepare_rules(config, catalog))
    clients = episodes["client_id"].cast(pl.String)
    statuses = status_frame(criteria, clients, previous_review=previous)
    return CaseloadReadiness(criteria, statuses, as_of=as_of, previous_review=previous)


#: The columns of :attr:`CaseloadReadiness.criteria`: the client, then the fields of
#: :class:`CriterionResult` (``sources`` a list of keys, :func:`source_key`, each once).
CRITERION_COLUMNS = (
    "client_id",
    "id",
    "label",
    "asam_dimension",
    "met",
    "value",
    "sources",
    "note",
    "no_recent_data",
    "met_at_previous_review",
    "improving",
    "applicable",
    "settings",
)


def criteria_frame(facts: pl.DataFrame, rules: tuple[Rule, ...]) -> pl.DataFrame:
    """Every rule over the facts: one row per client and criterion (:data:`CRITERION_COLUMNS`).

    ``facts`` holds two reviews per client (this one, ``review`` 0, and the
    previous one, 1), each client's in a row after the other; the rows come
    client by client, each client's criteria in review order.
    """
    now = facts.lazy().filter(pl.col("review") == 0)
    before = facts.lazy().filter(pl.col("review") == 1)
    frames = []
    for order, rule in enumerate(rules):
        outcome = rule.outcome
        fields = now.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_position"),
            pl.lit(order).alias("_order"),
            pl.col("client_id"),
            pl.lit(rule.key).alias("id"),
            pl.lit(rule.label).alias("label"),
            pl.lit(rule.criterion.asam_dimension).alias("asam_dimension"),
            outcome.met.cast(pl.Boolean).alias("met"),
            outcome.value.cast(pl.String).alias("value"),
            outcome.sources.cast(pl.List(pl.String)).alias("sources"),
            outcome.note.cast(pl.String).alias("note"),
            outcome.no_recent_data.cast(pl.Boolean).alias("no_recent_data"),
            outcome.improving.cast(pl.Boolean).alias("improving"),
            outcome.applicable.cast(pl.Boolean).alias("applicable"),
            outcome.settings.cast(pl.List(pl.String)).alias("settings"),
        )
        previous = before.select(  # the client keeps a select of literals one row per client
            pl.col("client_id").alias("_previous_client"),
            outcome.met.cast(pl.Boolean).alias("met_at_previous_review"),
        )
        frames.append(pl.concat([fields, previous], how="horizontal"))
    if not frames:
        return pl.DataFrame(schema=_CRITERION_SCHEMA)
    return pl.concat(frames).sort("_position", "_order").select(CRITERION_COLUMNS).collect()


_CRITERION_SCHEMA: dict[str, Any] = {
    "client_id": pl.String,
    "id": pl.String,
    "label": pl.String,
    "asam_dimension": pl.Int64,
    "met": pl.Boolean,
    "value": pl.String,
    "sources": pl.List(pl.String),
    "note": pl.String,
    "no_recent_data": pl.Boolean,
    "met_at_previous_review": pl.Boolean,
    "improving": pl.Boolean,
    "applicable": pl.Boolean,
    "settings": pl.List(pl.String),
}


class CaseloadReadiness(Mapping[str, Readiness]):
    """The readiness of every client of a caseload: each client's :class:`Readiness`,
    built from the frames when asked for, and the frames themselves.

    ``criteria`` has one row per client and criterion (:data:`CRITERION_COLUMNS`),
    ``statuses`` one per client (``client_id``, ``status``, ``reason``), both in
    the caseload's order: a page that needs only the statuses reads the frame and
    never builds the objects.
    """

    def __init__(
        self,
        criteria: pl.DataFrame,
        statuses: pl.DataFrame,
        *,
        as_of: dt.date,
        previous_review: dt.date,
    ) -> None:
        self.criteria = criteria
        self.statuses = statuses
        self.as_of = as_of
        self.previous_review = previous_review
        self._clients: dict[str, int] = {
            c: i for i, c in enumerate(statuses["client_id"].to_list())
        }
        self._each = criteria.height // statuses.height if statuses.height else 0

    def __getitem__(self, client_id: str) -> Readiness:
        return self._readiness(self._clients[client_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._clients)

    def __len__(self) -> int:
        return len(self._clients)

    def __repr__(self) -> str:
        return f"CaseloadReadiness({len(self)} clients at {self.as_of})"

    def _readiness(self, position: int) -> Readiness:
        client_id, status, reason = self.statuses.row(position)
        rows = self.criteria.slice(position * self._each, self._each)
        criteria = tuple(_criterion(row) for row in rows.drop("client_id").iter_rows(named=True))
        return Readiness(client_id, self.as_of, self.previous_review, status, reason, criteria)


def _criterion(row: dict[str, Any]) -> CriterionResult:
    sources, settings = row.pop("sources"), row.pop("settings")
    return CriterionResult(
        **row, sources=tuple(source_of(k) for k in sources), settings=tuple(settings)
    )


def _flags(criterion: CriterionResult) -> tuple[bool, bool, bool]:
    return criterion.no_recent_data, criterion.improving, criterion.applicable


def readiness_status(
    criteria: tuple[CriterionResult, ...], *, previous_review: dt.date
) -> tuple[Status, str]:
    """The status and its reason from the criteria of one review (rules in :class:`Readiness`).

    Examples
    --------
    >>> def result(id, met, **kw):
    ...     return CriterionResult(id, id.capitalize(), 3, met, "", (),
    ...                            met_at_previous_review=met, **kw)
    >>> week = dt.date(2026, 11, 13)
    >>> readiness_status((result("mood", True), result("safety", True)), previous_review=week)
    ('ready', 'All 2 criteria met at this review and at the previous one (2026-11-13).')
    >>> unset = result("attendance", None, note="set attendance_min")
    >>> readiness_status((result("mood", True), unset), previous_review=week)[1]
    'All but one of 2 criteria met; not evaluated: Attendance (set attendance_min).'
    >>> readiness_status((result("mood", True), result("safety", None)), previous_review=week)
    ('not ready', 'Not evaluated: Safety.')
    """
    rows = pl.DataFrame(
        [
            ("client", c.id, c.label, c.met, c.met_at_previous_review, c.note, *_flags(c))
            for c in criteria
        ],
        schema={
            "client_id": pl.String,
            "id": pl.String,
            "label": pl.String,
            "met": pl.Boolean,
            "met_at_previous_review": pl.Boolean,
            "note": pl.String,
            "no_recent_data": pl.Boolean,
            "improving": pl.Boolean,
            "applicable": pl.Boolean,
        },
        orient="row",
    )
    clients = pl.Series(["client"], dtype=pl.String)
    _, status, reason = status_frame(rows, clients, previous_review=previous_review).row(0)
    return status, reason
