"""Step-down readiness (IOP to outpatient): each criterion's evidence, its source and a status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.config import NOT_SET
from measures.readiness_config import ASAM_DIMENSIONS, ReadinessConfig
from measures.readiness_criteria import Outcome, Rule, prepare_rules
from measures.readiness_facts import gather_facts

Status = Literal["ready", "approaching", "not ready", "not enough data"]

#: Shown with every readiness summary.
DISCLAIMER = "This summary informs the treatment team's step-down decision; it never makes it."

__all__ = [
    "DISCLAIMER",
    "CriterionResult",
    "Readiness",
    "Status",
    "assess_caseload",
    "assess_readiness",
]


@dataclass(frozen=True)
class CriterionResult:
    """One criterion at the review: met (None: not evaluated), evidence and source.

    ``no_recent_data`` marks a criterion that could not be evaluated for want of
    recent data (it makes the status "not enough data"); ``note`` says why a
    criterion was not evaluated or what else to know.
    """

    id: str
    label: str
    asam_dimension: int
    met: bool | None
    value: str
    source: str
    note: str | None = None
    no_recent_data: bool = False
    met_at_previous_review: bool | None = None

    @property
    def asam_name(self) -> str:
        """The name of the ASAM dimension this criterion informs."""
        return ASAM_DIMENSIONS[self.asam_dimension]


@dataclass(frozen=True)
class Readiness:
    """A client's step-down readiness at ``as_of``: status, why, and every criterion.

    It informs the treatment team's decision; it never makes it. Status rules,
    in this order, over the enabled criteria that apply to the client's track:

    1. **not enough data**: a criterion that needs data has none recent enough
       (no PHQ-9 within its recall period, no attendance recorded while a
       minimum is set, ...). A threshold the program has not set needs no data.
    2. **ready**: every evaluated criterion is met at ``as_of`` *and* at the
       previous weekly review (``as_of`` minus ``review_interval_days``), each
       review using only the data up to its own date.
    3. **approaching**: every evaluated criterion is met at ``as_of`` only, or
       all but one are met and the unmet one is not the safety criterion.
    4. **not ready**: anything else.

    A criterion is *evaluated* when it gives met / not met; one whose threshold
    the program left empty ("not set by the program") or that does not apply to
    the track ("not applicable") never blocks. Where the track is not recorded,
    a substance-use criterion applies only if its measures were given in the
    episode.
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
    >>> result.status
    'approaching'
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
) -> dict[str, Readiness]:
    """Step-down readiness of every client in ``episodes`` (one current episode each).

    The frames are those of :func:`assess_readiness` (``follow_ups`` too) with a
    ``client_id`` column (String) each; ``episodes`` has ``client_id``, ``admitted_on``
    (Date) and optionally ``track`` (String). All clients are summarised with
    polars group-bys at once; only the small per-client summaries are read in
    Python.
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
    rules = prepare_rules(config, catalog)
    results = {}
    for client_id in episodes["client_id"].cast(pl.String).to_list():
        now, before = facts[client_id, 0], facts[client_id, 1]
        criteria = tuple(_result(rule, rule.apply(now), rule.apply(before).met) for rule in rules)
        status, reason = _status(criteria, previous)
        results[client_id] = Readiness(client_id, as_of, previous, status, reason, criteria)
    return results


def _result(rule: Rule, outcome: Outcome, previous: bool | None) -> CriterionResult:
    return CriterionResult(
        id=rule.key,
        label=outcome.label,
        asam_dimension=rule.criterion.asam_dimension,
        met=outcome.met,
        value=outcome.value,
        source=outcome.source,
        note=outcome.note,
        no_recent_data=outcome.no_recent_data,
        met_at_previous_review=previous,
    )


def _status(criteria: tuple[CriterionResult, ...], previous: dt.date) -> tuple[Status, str]:
    missing = [c.label for c in criteria if c.no_recent_data]
    evaluated = [c for c in criteria if c.met is not None]
    unmet = [c for c in evaluated if not c.met]
    also = f"; not met: {_names(unmet)}" if unmet else ""
    if missing:
        return "not enough data", f"Not enough recent data for: {', '.join(missing)}{also}."
    if not evaluated:
        return "not enough data", f"No criterion could be evaluated ({NOT_SET} or not applicable)."
    count = f"{len(evaluated)} evaluated {'criterion' if len(evaluated) == 1 else 'criteria'}"
    if not unmet:
        lapsed = [c for c in evaluated if c.met_at_previous_review is not True]
        if not lapsed:
            return "ready", f"All {count} met at this review and at the previous one ({previous})."
        return "approaching", (
            f"All {count} met now, but not all at the previous review ({previous}): "
            f"{_names(lapsed)} not met then."
        )
    if len(unmet) == 1 and unmet[0].id != "safety":
        return "approaching", f"All but one of {count} met; not met: {unmet[0].label}."
    return "not ready", f"Not met: {_names(unmet)}."


def _names(criteria: list[CriterionResult]) -> str:
    return ", ".join(c.label for c in criteria)
