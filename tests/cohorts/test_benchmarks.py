"""The published reference rates: every entry has its source, year, population and
definition, and a malformed file is refused by name."""

from __future__ import annotations

import pytest

from dashboard.cohorts.benchmarks import METRICS, benchmarks_for, load_benchmarks
from dashboard.cohorts.talking_therapies import OUTCOME_COLUMNS

BENCHMARKS = load_benchmarks()


@pytest.mark.parametrize("benchmark", BENCHMARKS, ids=lambda b: b.id)
def test_every_benchmark_says_where_when_whom_and_what(benchmark) -> None:
    for field in ("source", "population", "definition", "differs", "service"):
        assert len(getattr(benchmark, field).strip()) > 20, field
    assert str(benchmark.year) in benchmark.period or benchmark.year % 100 == int(
        benchmark.period[-2:]
    )
    assert benchmark.url.startswith(("https://", "http://"))
    assert 1990 < benchmark.year <= 2026
    assert 0 < benchmark.rate < 1
    assert benchmark.evidence in ("official", "secondary")


def test_the_published_figures_as_the_references_give_them() -> None:
    by_id = {b.id: b for b in BENCHMARKS}
    teds = by_id["teds_d_iop_completion_2004"]
    assert (teds.percent, teds.year, teds.numerator, teds.denominator) == (
        "37.7%",
        2004,
        43119,
        114440,
    )
    assert "no newer figure" in teds.note
    monthly = by_id["nhs_tt_reliable_recovery_2025_04"]
    assert (monthly.percent, monthly.numerator, monthly.denominator) == ("48.4%", 26457, 54672)
    assert by_id["nhs_tt_recovery_2021_22"].percent == "50.2%"
    assert by_id["nhs_tt_reliable_improvement_2017_18"].evidence == "secondary"
    for benchmark in BENCHMARKS:
        if benchmark.id.startswith("nhs_tt"):
            assert "different service model" in benchmark.service


def test_every_benchmark_sits_beside_a_rate_the_program_computes() -> None:
    assert {b.metric for b in BENCHMARKS} <= set(METRICS)
    assert set(METRICS) - {"completed"} <= set(OUTCOME_COLUMNS)
    # no reliable deterioration benchmark: no official national figure was found
    assert benchmarks_for("reliable_deterioration") == []
    assert [b.year for b in benchmarks_for("reliable_recovery")] == [2025]


ENTRY = """
[[benchmark]]
id = "x"
metric = "completed"
label = "A label"
rate = 0.5
numerator = 5
denominator = 10
period = "2020"
year = 2020
population = "Somebody"
definition = "Something"
differs = "How"
service = "Which"
source = "Where"
url = "https://example.org"
evidence = "official"
"""


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('source = "Where"\n', "", "benchmark x: missing source"),
        ('population = "Somebody"', 'population = " "', "benchmark x: missing population"),
        ("year = 2020\n", "", "benchmark x: missing year"),
        ('url = "https://example.org"', 'url = "example.org"', "url is not a web address"),
        ("rate = 0.5", "rate = 0.6", "rate 0.6 is not numerator/denominator (0.5)"),
        ("rate = 0.5", "rate = 50", "rate 50 is not a share between 0 and 1"),
        ("denominator = 10\n", "", "give both numerator and denominator, or neither"),
        ('metric = "completed"', 'metric = "happiness"', "metric 'happiness' is not one of"),
        ('evidence = "official"', 'evidence = "hearsay"', "is not official or secondary"),
        ('label = "A label"', 'label = "A label"\nsize = 3', "unknown key(s) size"),
    ],
)
def test_a_malformed_benchmark_is_refused(tmp_path, old, new, problem) -> None:
    path = tmp_path / "benchmarks.toml"
    assert old in ENTRY
    path.write_text(ENTRY.replace(old, new), encoding="utf-8")
    with pytest.raises(ValueError, match="benchmark x") as error:
        load_benchmarks(path)
    assert problem in str(error.value)
    path.write_text(ENTRY, encoding="utf-8")
    assert load_benchmarks(path)[0].percent == "50.0%"
