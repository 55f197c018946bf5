"""Today's step-down readiness, client by client: the oracle of the vectorised engine.

A copy of ``measures/readiness.py`` (``assess_caseload``'s loop over clients and
``readiness_status``) as of main 40de92a, with the sources as :class:`Source` objects
(main 8a3f9c4), before the criteria ran as polars over the caseload. It builds the
library's own :class:`~measures.readiness.Readiness` objects, so the tests compare
them field by field with :func:`measures.readiness.assess_caseload`. Not to be edited
but to follow a deliberate change of the rules.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.readiness import CORE_CRITERIA, CriterionResult, Readiness, Status
from measures.readiness_config import ReadinessConfig
from tests.measures.reference.readiness_criteria import IMPROVING, Outcome, Rule, prepare_rules
from tests.measures.reference.readiness_facts import gather_facts


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
        status, reason = readiness_status(criteria, previous_review=previous)
        results[client_id] = Readiness(client_id, as_of, previous, status, reason, criteria)
    return results


def _result(rule: Rule, outcome: Outcome, previous: bool | None) -> CriterionResult:
    return CriterionResult(
        id=rule.key,
        label=outcome.label,
        asam_dimension=rule.criterion.asam_dimension,
        met=outcome.met,
        value=outcome.value,
        sources=outcome.sources,
        note=outcome.note,
        no_recent_data=outcome.no_recent_data,
        met_at_previous_review=previous,
        improving=outcome.improving,
        applicable=outcome.applicable,
        settings=outcome.settings,
    )


def readiness_status(
    criteria: tuple[CriterionResult, ...], *, previous_review: dt.date
) -> tuple[Status, str]:
    """The status and its reason from the criteria of one review (rules in :class:`Readiness`).

    Examples
    --------
    >>> def result(id, met, **kw):
    ...     return CriterionResult(id, id.capitalize(), 3, met, "", "",
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
    # a criterion outside CORE_CRITERIA (none today) counts only where evaluated
    applicable = [
        c for c in criteria if c.applicable and (c.met is not None or c.id in CORE_CRITERIA)
    ]
    missing = [c for c in applicable if c.no_recent_data]
    unevaluated = [c for c in applicable if c.met is None and not c.no_recent_data]
    open_ = [c for c in applicable if c.met is False] + unevaluated
    if missing:
        also = f"; {_describe(open_)}" if open_ else ""
        return "not enough data", f"Not enough recent data for: {_names(missing)}{also}."
    if not applicable:
        return "not enough data", "No criterion applies to this client."
    count = f"{len(applicable)} {'criterion' if len(applicable) == 1 else 'criteria'}"
    if not open_:
        lapsed = [c for c in applicable if c.met and c.met_at_previous_review is not True]
        if not lapsed:
            met = f"met at this review and at the previous one ({previous_review})"
            return "ready", f"All {count} {met}."
        return "approaching", (
            f"All {count} met now, but not all at the previous review ({previous_review}): "
            f"{_names(lapsed)} not met then."
        )
    if len(open_) == 1 and open_[0].id != "safety":
        return "approaching", f"All but one of {count} met; {_describe(open_)}."
    text = _describe(open_)
    return "not ready", f"{text[:1].upper()}{text[1:]}."


def _describe(criteria: list[CriterionResult]) -> str:
    """The criteria that keep a client from ready, grouped: not met, improving, not evaluated."""
    groups = [
        ("not met", [c.label for c in criteria if c.met is False and not c.improving]),
        (IMPROVING, [c.label for c in criteria if c.improving]),
        ("not evaluated", [_unevaluated(c) for c in criteria if c.met is None]),
    ]
    return "; ".join(f"{name}: {', '.join(labels)}" for name, labels in groups if labels)


def _unevaluated(criterion: CriterionResult) -> str:
    return f"{criterion.label} ({criterion.note})" if criterion.note else criterion.label


def _names(criteria: list[CriterionResult]) -> str:
    return ", ".join(c.label for c in criteria)
