"""Cohort definitions: the episodes they keep, their words, and saving them."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dashboard.cohorts.definition import Cohort
from dashboard.privacy.periods import Granularity

EPISODES = pl.DataFrame(
    {
        "episode": ["E1", "E2", "E3", "E4", "E5"],
        "admitted_on": [
            dt.date(2026, 6, 1),
            dt.date(2026, 7, 1),
            dt.date(2026, 7, 5),
            dt.date(2025, 7, 2),
            dt.date(2026, 9, 1),
        ],
        "discharged_on": [
            dt.date(2026, 7, 1),
            dt.date(2026, 9, 30),
            None,
            dt.date(2025, 8, 20),
            dt.date(2026, 10, 1),
        ],
        "site": ["Riverside", "Hillcrest", "Riverside", "Riverside", "Riverside"],
        "track": ["co_occurring", "co_occurring", "co_occurring", "co_occurring", "mental_health"],
        "payer": ["medicaid", None, "commercial", "medicaid", "medicaid"],
    }
)


def _kept(cohort: Cohort) -> list[str]:
    return EPISODES.filter(cohort.episode_filter())["episode"].to_list()


def test_a_cohort_keeps_the_episodes_of_its_block_and_categories() -> None:
    quarter = Cohort(name="Q3", granularity=Granularity.QUARTER, block="2026 Q3")
    assert _kept(quarter) == ["E1", "E2"]  # discharged 1 Jul and 30 Sep: the block's ends
    admitted = Cohort(
        name="Admitted Q3", granularity=Granularity.QUARTER, block="2026 Q3", period_of="admitted"
    )
    assert _kept(admitted) == ["E2", "E3", "E5"]
    last_year = Cohort(name="Q3 2025", granularity=Granularity.QUARTER, block="2025 Q3")
    assert _kept(last_year) == ["E4"]
    narrowed = Cohort(
        name="Riverside Medicaid",
        granularity=Granularity.YEAR,
        block="2026",
        categories={"site": ("Riverside",), "payer": ("medicaid",)},
    )
    assert _kept(narrowed) == ["E1", "E5"]  # a missing payer is not Medicaid


def test_a_cohort_says_its_definition_in_words() -> None:
    cohort = Cohort(
        name="Co-occurring on Medicaid",
        granularity=Granularity.MONTH,
        block="2026-09",
        period_of="admitted",
        categories={"payer": ("medicaid", "medicare"), "track": ("co_occurring",)},
    )
    assert cohort.describe() == (
        "Episodes admitted in 2026-09; track: Co-occurring; payer: medicaid, medicare"
    )


def test_a_saved_cohort_reads_back_the_same() -> None:
    cohort = Cohort(
        name="Stepped down, 2026",
        granularity=Granularity.YEAR,
        block="2026",
        categories={"discharge_reason": ("stepped_down", "completed")},
    )
    assert Cohort.from_json(cohort.to_json()) == cohort


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": " "}, "a cohort needs a name"),
        ({"block": "2026 Q5"}, "'2026 Q5' is not a quarter block"),
        ({"block": "Q3"}, "'Q3' is not a quarter block"),
        ({"period_of": "referred"}, "period_of must be 'admitted' or 'discharged'"),
        ({"categories": {"postcode": ("AB1",)}}, "unknown cohort category: postcode"),
        ({"categories": {"site": ()}}, "no value chosen for site"),
        ({"categories": {"discharge_reason": ("fled",)}}, "unknown discharge reason(s): fled"),
        (
            {"categories": {"level_of_care": ("iop", "spa")}},
            "unknown level of care at admission(s): spa",
        ),
    ],
)
def test_a_definition_that_cannot_be_used_says_why(options: dict, message: str) -> None:
    given = {"name": "C", "granularity": Granularity.QUARTER, "block": "2026 Q3"} | options
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Cohort(**given)


def test_a_damaged_saved_definition_is_refused_with_its_reason() -> None:
    with pytest.raises(ValueError, match="not a saved cohort definition"):
        Cohort.from_json('{"name": "x"}')
    with pytest.raises(ValueError, match="'2026 Q9' is not a quarter block"):
        Cohort.from_json('{"name": "x", "granularity": "quarter", "block": "2026 Q9"}')
