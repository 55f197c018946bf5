"""The weekly review's priorities: one table decides each client's place on the agenda.

A client's group is the first of :data:`PRIORITIES` whose rule holds; within a
group, :data:`TIE_BREAKS` order the clients, one rule after another. Both tables
are shown on the weekly review page and in the README, in these words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from measures import Catalog
from measures.formatting import num
from measures.program import ProgramConfig

#: What a count's help adds to a rule: this program's settings behind it.
Settings = Callable[[ProgramConfig, Catalog], str]


@dataclass(frozen=True, kw_only=True)
class Priority:
    """One group of the agenda: the first whose rule holds decides a client's place.

    ``rule`` is a polars expression over the agenda's joined columns (see
    :func:`dashboard.review.agenda_table.agenda_rows`); ``explanation`` says in
    one sentence what puts a client in the group (the README uses it);
    ``settings`` says which of this program's settings and which published
    thresholds the rule reads (the help of each count above the agenda:
    :func:`rule_help`).
    """

    order: int
    name: str
    short_name: str
    rule: pl.Expr
    explanation: str
    settings: Settings


@dataclass(frozen=True, kw_only=True)
class TieBreak:
    """One rule ordering the clients of a group: by ``column``, in ``descending`` order."""

    column: str
    descending: bool
    explanation: str


def _safety_items(program: ProgramConfig, catalog: Catalog) -> str:
    items = [
        f"{i.abbreviation} item {i.item(c.item).number} above {num(c.above)}"
        for i in catalog.with_safety_items()
        for c in i.critical_items
    ]
    return "The safety items: " + ("; ".join(items) or "none in the catalog") + "."


def _safety_measures(program: ProgramConfig, catalog: Catalog) -> str:
    names = ", ".join(i.abbreviation for i in catalog.with_safety_items())
    return f"The questionnaires with a safety item: {names or 'none in the catalog'}."


def _reliable_change(program: ProgramConfig, catalog: Catalog) -> str:
    thresholds = [
        f"{i.abbreviation} {num(s.reliable_change.threshold)} points"
        for i in catalog.ordered()
        if (s := i.primary) is not None and s.reliable_change is not None
    ]
    return (
        "Reliable-change thresholds: "
        + ("; ".join(thresholds) or "none published in the catalog")
        + ". "
        + _clinical_range(program, catalog)
    )


def _clinical_range(program: ProgramConfig, catalog: Catalog) -> str:
    cutoffs = [
        f"{i.abbreviation} {s.caseness.rule} {num(s.caseness.cutoff)}"
        for i in catalog.ordered()
        if (s := i.primary) is not None and s.caseness is not None
    ]
    return (
        "The clinical range is the instrument's published cut-off ("
        + ("; ".join(cutoffs) or "none published")
        + "); a measure without one counts as in the clinical range (it cannot be "
        "shown to be outside it)."
    )


def _off_track(program: ProgramConfig, catalog: Catalog) -> str:
    expected = program.expected_response
    return (
        f"This program: worse than the {num(expected.percentile_for_off_track)}th "
        f"percentile of clients who started in the same band for "
        f"{expected.consecutive_weeks} program weeks in a row; a week is compared only "
        f"where at least {expected.min_reference_episodes} episodes had a score. "
        + _clinical_range(program, catalog)
    )


def _overdue(program: ProgramConfig, catalog: Catalog) -> str:
    grace = [
        f"{catalog[m].abbreviation} {s.grace_days} d"
        for m, s in program.schedule.instruments.items()
        if m in catalog and s.grace_days
    ]
    return (
        "Each questionnaire is due as the program's [schedule] says; grace days in this "
        "program: " + ("; ".join(grace) if grace else "none") + "."
    )


def _attendance(program: ProgramConfig, catalog: Catalog) -> str:
    threshold = program.readiness.attendance.attendance_min
    if threshold is None:
        return (
            "This program sets no threshold ([readiness.attendance] attendance_min), so "
            "nobody is counted here."
        )
    return (
        f"This program's threshold: {threshold:.0%} of the program days of the last 14 days "
        "(a day counts as attended when any session that day was)."
    )


def _readiness(program: ProgramConfig, catalog: Catalog) -> str:
    return (
        "Ready: every criterion met at this review and at the previous one; approaching: "
        "every criterion met now but not at the previous review, or all but one met and "
        "that one is not safety. It informs the team's decision; it never makes it."
    )


def _other(program: ProgramConfig, catalog: Catalog) -> str:
    return "Discussed when time allows; the list still shows their scores."


#: The agenda's groups, most urgent first.
PRIORITIES = (
    Priority(
        order=1,
        name="Safety answer to follow up",
        short_name="Safety answers",
        rule=pl.col("open_safety") > 0,
        explanation=(
            "A safety item answered above its threshold (PHQ-9 item 9 above 0), in a "
            "finished check-in or the moment it was answered in one left unfinished, with "
            "no closing follow-up recorded yet (an acknowledgement is not a follow-up)."
        ),
        settings=_safety_items,
    ),
    Priority(
        order=2,
        name="Safety unknown",
        short_name="Safety unknown",
        rule=pl.col("open_unknown") > 0,
        explanation=(
            "A questionnaire with a safety item was recorded with that item unanswered, or "
            "as a total only (an import, a FHIR Observation), and nobody has recorded an "
            "in-person check as its follow-up yet."
        ),
        settings=_safety_measures,
    ),
    Priority(
        order=3,
        name="Reliable deterioration",
        short_name="Deteriorating",
        rule=pl.col("deteriorated").is_not_null(),
        explanation=(
            "A score has worsened since the first of the episode by at least its "
            "published reliable-change threshold and is in the clinical range (past the "
            "instrument's cut-off, or the instrument has none)."
        ),
        settings=_reliable_change,
    ),
    Priority(
        order=4,
        name="Not on track",
        short_name="Not on track",
        rule=pl.col("behind").is_not_null(),
        explanation=(
            "A score in the clinical range has been worse than the expected range of "
            "clients who started in the same band (past its 90th percentile by default) "
            "for two program weeks in a row."
        ),
        settings=_off_track,
    ),
    Priority(
        order=5,
        name="Overdue measures",
        short_name="Overdue measures",
        rule=pl.col("overdue").is_not_null(),
        explanation=(
            "A scheduled questionnaire is past its due date (by more than the "
            "program's grace days); the agenda says by how many days."
        ),
        settings=_overdue,
    ),
    Priority(
        order=6,
        name="Attendance below threshold",
        short_name="Low attendance",
        rule=pl.col("low_attendance"),
        explanation=(
            "The client came to a smaller share of the last two weeks' program days "
            "than the program's attendance threshold (none by default)."
        ),
        settings=_attendance,
    ),
    Priority(
        order=7,
        name="Worse, still subclinical",
        short_name="Worse, subclinical",
        rule=pl.col("worse_nonclinical").is_not_null(),
        explanation=(
            "A score reliably deteriorated or not on track whose latest value is still "
            "on the healthy side of its instrument's published cut-off (a well-being "
            "score that fell but stays above the screening threshold)."
        ),
        settings=_clinical_range,
    ),
    Priority(
        order=8,
        name="Step-down candidate",
        short_name="Step-down candidates",
        rule=pl.col("readiness").is_in(["ready", "approaching"]),
        explanation="The step-down readiness checklist says ready or approaching.",
        settings=_readiness,
    ),
    Priority(
        order=9,
        name="Other",
        short_name="Other",
        rule=pl.lit(True),
        explanation="None of the above applies.",
        settings=_other,
    ),
)
#: The agenda groups' names in agenda order.
PRIORITY_NAMES = tuple(p.name for p in PRIORITIES)

#: The concerns a client can have besides their group's (the rules of groups 1 to 7):
#: their number is the second tie-break and the "+N" of the agenda's "Why now".
CONCERNS = tuple(p for p in PRIORITIES if p.order <= 7)

#: Within a group, in this order (the first that differs decides).
TIE_BREAKS = (
    TieBreak(
        column="latest_open_flag",
        descending=True,
        explanation=("The newest open safety answer first: one given today may need a call today."),
    ),
    TieBreak(
        column="concerns",
        descending=True,
        explanation=(
            "More reasons for concern first: how many of the rules of groups 1 to 7 hold "
            "for the client, not only the first (overdue measures and low attendance add "
            "to a deterioration)."
        ),
    ),
    TieBreak(
        column="severity",
        descending=True,
        explanation=(
            "The most severe latest score first: the highest place any of the agenda's "
            "questionnaires has in its instrument's published severity bands (severe "
            "before moderate before mild)."
        ),
    ),
    TieBreak(
        column="overdue_days",
        descending=True,
        explanation="The longest-overdue questionnaire first.",
    ),
    TieBreak(column="display_name", descending=False, explanation="Then by name."),
)


def priority_expression() -> pl.Expr:
    """The ``order`` of the first priority whose rule holds (the last one always does)."""
    first, *rest = PRIORITIES
    chain: Any = pl.when(first.rule).then(first.order)
    for priority in rest:
        chain = chain.when(priority.rule).then(priority.order)
    expression: pl.Expr = chain.otherwise(PRIORITIES[-1].order)
    return expression


def concerns_expression() -> pl.Expr:
    """How many of the rules of :data:`CONCERNS` hold (0 for a client in "Other")."""
    return pl.sum_horizontal(p.rule.fill_null(False).cast(pl.Int32) for p in CONCERNS)


def priority_label() -> pl.Expr:
    """The name of the group a ``priority`` column's order stands for."""
    return pl.col("priority").replace_strict(
        {p.order: p.name for p in PRIORITIES}, return_dtype=pl.String
    )


def agenda_order(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` in agenda order: by group, then by :data:`TIE_BREAKS`.

    Examples
    --------
    >>> rows = pl.DataFrame(
    ...     {
    ...         "priority": [3, 3, 1],
    ...         "latest_open_flag": [None, None, None],
    ...         "concerns": [1, 3, 1],
    ...         "severity": [0.5, 0.75, 0.25],
    ...         "overdue_days": [0, 10, 0],
    ...         "display_name": ["Aspen", "Ivy", "Rowan"],
    ...     },
    ...     schema_overrides={"latest_open_flag": pl.Datetime},
    ... )
    >>> agenda_order(rows)["display_name"].to_list()
    ['Rowan', 'Ivy', 'Aspen']
    """
    # the client id last: the same rows always come in the same order
    last = ["client_id"] if "client_id" in rows.columns else []
    return rows.sort(
        ["priority", *(t.column for t in TIE_BREAKS), *last],
        descending=[False, *(t.descending for t in TIE_BREAKS), *(False for _ in last)],
        nulls_last=True,
    )


def rule_help(priority: Priority, *, program: ProgramConfig, catalog: Catalog) -> str:
    """The help of a group's count: its rule, how clients are counted, and the
    settings and published thresholds the rule reads in this program.

    Examples
    --------
    >>> from measures import load_catalog
    >>> text = rule_help(PRIORITIES[5], program=ProgramConfig.from_toml(None),
    ...                  catalog=load_catalog())
    >>> "sets no threshold" in text
    True
    """
    earlier = (
        " Each client is counted once, in the first group whose rule holds."
        if priority.order > 1
        else ""
    )
    return f"{priority.explanation}{earlier} {priority.settings(program, catalog)}"
