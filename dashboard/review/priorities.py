"""The weekly review's priorities: one table decides each client's place on the agenda."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True, kw_only=True)
class Priority:
    """One group of the agenda: the first whose rule holds decides a client's place.

    ``rule`` is a polars expression over the agenda's joined columns (see
    :func:`dashboard.review.agenda_table.agenda_rows`); ``explanation`` says in
    one sentence what puts a client in the group (the README and the help of the
    counts above the weekly review table use it).
    """

    order: int
    name: str
    short_name: str
    rule: pl.Expr
    explanation: str


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
    ),
    Priority(
        order=3,
        name="Reliable deterioration",
        short_name="Deteriorating",
        rule=pl.col("deteriorated").is_not_null(),
        explanation=(
            "A score has worsened since the first of the episode by at least its "
            "published reliable-change threshold."
        ),
    ),
    Priority(
        order=4,
        name="Not on track",
        short_name="Not on track",
        rule=pl.col("behind").is_not_null(),
        explanation=(
            "A score has been worse than the expected range of clients who started in the "
            "same band (past its 90th percentile by default) for two program weeks in a row."
        ),
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
    ),
    Priority(
        order=7,
        name="Step-down candidate",
        short_name="Step-down candidates",
        rule=pl.col("readiness").is_in(["ready", "approaching"]),
        explanation="The step-down readiness checklist says ready or approaching.",
    ),
    Priority(
        order=8,
        name="Other",
        short_name="Other",
        rule=pl.lit(True),
        explanation="None of the above applies.",
    ),
)
#: The agenda groups' names in agenda order.
PRIORITY_NAMES = tuple(p.name for p in PRIORITIES)


def priority_expression() -> pl.Expr:
    """The ``order`` of the first priority whose rule holds (the last one always does)."""
    first, *rest = PRIORITIES
    chain: Any = pl.when(first.rule).then(first.order)
    for priority in rest:
        chain = chain.when(priority.rule).then(priority.order)
    expression: pl.Expr = chain.otherwise(PRIORITIES[-1].order)
    return expression


def priority_label() -> pl.Expr:
    """The name of the group a ``priority`` column's order stands for."""
    return pl.col("priority").replace_strict(
        {p.order: p.name for p in PRIORITIES}, return_dtype=pl.String
    )
