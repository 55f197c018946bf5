"""The weekly review's priorities: one table for the agenda, its counts and the README."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from dashboard.review.priorities import (
    PRIORITIES,
    TIE_BREAKS,
    agenda_order,
    concerns_expression,
    priority_expression,
    priority_label,
)

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
            "client_id": ["safety", "worse_and_overdue", "overdue", "subclinical", "ready", "none"],
            "open_safety": [2, 0, 0, 0, 0, 0],
            "open_unknown": [0, 1, 0, 0, 0, 0],
            "deteriorated": [None, "PHQ-9", None, None, None, None],
            "behind": [None, None, None, None, None, None],
            "overdue": ["GAD-7 2 d", "GAD-7 9 d", "PHQ-9 3 d", None, None, None],
            "low_attendance": [True, False, False, False, False, False],
            "worse_nonclinical": [None, None, "WHO-5", "WHO-5", None, None],
            "readiness": ["ready", "not ready", "ready", "ready", "approaching", "not ready"],
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
        "Worse, still subclinical",
        "Step-down candidate",
        "Other",
    ]
    concerns = facts.select(concerns_expression().alias("n"))["n"].to_list()
    assert concerns == [3, 3, 2, 1, 0, 0]


def test_the_readme_gives_the_tie_breaks_in_order_in_the_tables_words():
    bullet = _weekly_review_bullet()
    entries = [f"{n}. {t.explanation}" for n, t in enumerate(TIE_BREAKS, start=1)]
    assert [e for e in entries if e not in bullet] == []
    positions = [bullet.index(entry) for entry in entries]
    assert positions == sorted(positions)
    assert positions[0] > bullet.index(f"**{PRIORITIES[-1].name}**")


def _ranked(**columns) -> list[str]:
    base = {
        "open_safety": 0,
        "open_unknown": 0,
        "deteriorated": None,
        "behind": None,
        "overdue": None,
        "low_attendance": False,
        "worse_nonclinical": None,
        "readiness": "not ready",
        "latest_open_flag": None,
        "severity": 0.0,
        "overdue_days": 0,
    }
    names = list(columns)
    rows = pl.DataFrame(
        [base | {"display_name": name} | columns[name] for name in names],
        schema_overrides={
            "deteriorated": pl.String,
            "behind": pl.String,
            "overdue": pl.String,
            "worse_nonclinical": pl.String,
            "latest_open_flag": pl.Datetime("us"),
        },
    )
    placed = rows.with_columns(
        priority_expression().alias("priority"), concerns_expression().alias("concerns")
    )
    return agenda_order(placed)["display_name"].to_list()


def test_a_well_being_score_above_its_threshold_waits_behind_a_phq9_of_15_overdue():
    assert _ranked(
        who5_worse_but_above_threshold={"worse_nonclinical": "WHO-5"},
        phq9_15_overdue_low_attendance={
            "overdue": "PHQ-9 10 d",
            "overdue_days": 10,
            "low_attendance": True,
            "severity": 0.75,
        },
    ) == ["phq9_15_overdue_low_attendance", "who5_worse_but_above_threshold"]


def test_within_a_group_more_concerns_then_severity_then_days_overdue_come_first():
    assert _ranked(
        overdue_longest={"overdue": "GSE 20 d", "overdue_days": 20},
        overdue_and_low_attendance={
            "overdue": "PHQ-9 2 d",
            "overdue_days": 2,
            "low_attendance": True,
        },
        overdue_severe={"overdue": "PHQ-9 3 d", "overdue_days": 3, "severity": 1.0},
        overdue_mild={"overdue": "PHQ-9 3 d", "overdue_days": 30, "severity": 0.25},
    ) == ["overdue_and_low_attendance", "overdue_severe", "overdue_mild", "overdue_longest"]
