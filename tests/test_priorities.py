"""The weekly review's priorities: one table for the agenda, its counts and the README."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from dashboard.review.priorities import PRIORITIES, priority_expression, priority_label

README = Path(__file__).resolve().parents[1] / "README.md"


def _weekly_review_bullet() -> str:
    text = README.read_text(encoding="utf-8")
    bullet = text.split("- **Weekly review**:", 1)[1].split("\n- **", 1)[0]
    return " ".join(bullet.split())


def test_the_priorities_are_numbered_in_order_with_distinct_names():
    assert [p.order for p in PRIORITIES] == list(range(1, len(PRIORITIES) + 1))
    assert len({p.name for p in PRIORITIES}) == len(PRIORITIES)
    assert len({p.short_name for p in PRIORITIES}) == len(PRIORITIES)
    assert all(p.explanation.endswith(".") and p.explanation.count(". ") == 0 for p in PRIORITIES)


def test_the_readme_describes_every_priority_in_order_in_the_tables_words():
    bullet = _weekly_review_bullet()
    entries = [f"{p.order}. **{p.name}** ({p.short_name}): {p.explanation}" for p in PRIORITIES]
    missing = [entry for entry in entries if entry not in bullet]
    assert missing == [], "README.md's Weekly review bullet differs from PRIORITIES"
    positions = [bullet.index(entry) for entry in entries]
    assert positions == sorted(positions)
    assert len(re.findall(r"(?:^|\s)\d+\. \*\*", bullet)) == len(PRIORITIES)


def test_a_clients_place_is_the_first_priority_whose_rule_holds():
    facts = pl.DataFrame(
        {
            "client_id": ["safety", "worse_and_overdue", "overdue", "ready", "none"],
            "open_safety": [2, 0, 0, 0, 0],
            "open_unknown": [0, 1, 0, 0, 0],
            "deteriorated": [None, "PHQ-9", None, None, None],
            "behind": [None, None, None, None, None],
            "overdue": ["GAD-7 2 d", "GAD-7 9 d", "PHQ-9 3 d", None, None],
            "low_attendance": [True, False, False, False, False],
            "readiness": ["ready", "not ready", "ready", "approaching", "not ready"],
        },
        schema_overrides={"behind": pl.String},
    )
    placed = facts.with_columns(priority_expression().alias("priority")).with_columns(
        priority_label().alias("label")
    )
    assert placed["label"].to_list() == [
        "Safety answer to follow up",
        "Safety unknown",
        "Overdue measures",
        "Step-down candidate",
        "Other",
    ]
