"""Cohort figures from the release on the demo: sums of released cells only, withheld
wherever one cell is, means only beside a released count, and the overview drawn from the
same release (no figure of one page can be subtracted from the other's)."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from dashboard.auth.viewer import Role, Viewer
from dashboard.cohorts.cohort_figures import (
    WITHHELD,
    cohort_counts,
    compare,
    comparison_table,
    estimate_text,
    quarter_chart,
    unusable,
)
from dashboard.cohorts.cohort_release import (
    USE_ABSTINENT,
    USE_PAIRED,
    CohortData,
    read_cohort_data,
)
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.overview import overview_of, overview_table
from dashboard.privacy import TOTAL
from dashboard.privacy.periods import Granularity
from dashboard.review.outcome_queue import refresh
from measures import load_catalog
from measures.substance_use import USE_MEASURE
from tests.conftest import demo_program

UNTIL = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def data(demo_engine: sa.Engine) -> CohortData:
    catalog = load_catalog()
    refresh(demo_engine, catalog, demo_program(catalog))
    with demo_engine.connect() as connection:
        sites = frozenset(r[0] for r in connection.execute(sa.text("SELECT id FROM sites")))
        viewer = Viewer(
            user_id=1, username="dr", role=Role.DIRECTOR, display_name="Dr", site_ids=sites
        )
        return read_cohort_data(connection, viewer, catalog, until=UNTIL)


def _year(name: str, **categories: tuple[str, ...]) -> Cohort:
    return Cohort(name=name, granularity=Granularity.YEAR, block="2026", categories=categories)


def test_a_cohort_the_release_cannot_draw_says_why():
    assert unusable(_year("Medicaid", payer=("medicaid",))) == (
        "narrowed by payer: this page compares cohorts by site and track only (see the note)"
    )
    by_admission = Cohort(
        name="Admitted", granularity=Granularity.YEAR, block="2026", period_of="admitted"
    )
    assert "by the block of their discharge" in str(unusable(by_admission))
    assert unusable(_year("All 2026")) is None


def test_a_cohort_count_is_the_sum_of_released_cells_and_withheld_when_any_is(data):
    releases = [data.release, *data.score_releases.values()]
    sites = data.release.values("site", "site")
    tracks = sorted(data.track_names)
    checked = withheld = 0
    for site_choice, track_choice in itertools.product(
        [(), *[(s,) for s in sites], tuple(sites)], [(), *[(t,) for t in tracks], tuple(tracks)]
    ):
        categories = {}
        if site_choice:
            categories["site"] = site_choice
        if track_choice:
            categories["track"] = track_choice
        counts = cohort_counts(data, _year("c", **categories))
        names = [data.track_names[t] for t in track_choice]
        for release in releases:
            summaries = {s.name for s in release.spec.summaries}
            table = release.table(
                {
                    "period": "year",
                    "site": "site" if site_choice else TOTAL,
                    "track": "track" if track_choice else TOTAL,
                }
            )
            table = table.filter(
                (table["period"] == "2026")
                & (table["site"].is_in(list(site_choice)) if site_choice else True)
                & (table["track"].is_in(names) if names else True)
            )
            for population in release.spec.populations():
                if population not in table.columns:
                    continue  # never printed
                assert population not in summaries
                cells = table[population]
                if cells.null_count():
                    assert counts[population] is None
                    withheld += 1
                else:
                    assert counts[population] == int(cells.sum())
                checked += 1
    assert checked > 100
    assert withheld > 0


def test_the_quarter_totals_the_overview_showed_are_still_shown(data):
    """The score figures are counted in releases of their own: the base release is the
    overview's with the endings, and withholds no more of its quarter totals."""
    quarters = data.release.table({"period": "quarter", "site": TOTAL, "track": TOTAL})
    shown = dict(zip(quarters["period"], quarters["episodes"], strict=True))
    assert all(shown[q] is not None for q in ("2026 Q1", "2026 Q2", "2026 Q3"))


def test_three_tracks_compared_print_withheld_without_an_n_and_means_beside_counts(data):
    catalog = load_catalog()
    cohorts = [_year(code, track=(code,)) for code in sorted(data.track_names)]
    rows = compare(data, cohorts, catalog, minimum=11)
    table = comparison_table(rows, [c.name for c in cohorts])
    cells = [v for row in table.iter_rows() for v in row[1:]]
    assert WITHHELD in cells
    assert not any(v.startswith(WITHHELD) and "n=" in v for v in cells)
    by_label = {r.label: r for r in rows}
    episodes = [f.n for f in by_label["Episodes"].figures]
    whole = cohort_counts(data, _year("all"))["episodes"]
    assert sum(episodes) == whole
    for score in data.scores:
        paired = [cohort_counts(data, c)[score.paired] for c in cohorts]
        change = by_label[f"{score.label}: mean change"].figures
        for count, figure in zip(paired, change, strict=True):
            if count is None:
                assert figure.missing == WITHHELD
            else:
                assert figure.missing == WITHHELD or figure.n == count or not figure.available


def test_the_overview_is_drawn_from_the_cohort_release(data):
    overview = overview_of(data.release, load_catalog(), until=UNTIL)
    table = overview_table(overview, granularity=Granularity.YEAR, block="2026", grouping="Track")
    counts = {
        data.track_names[code]: cohort_counts(data, _year(code, track=(code,)))["episodes"]
        for code in data.track_names
    }
    assert dict(zip(table["Track"], table["Episodes"], strict=True)) == counts | {
        "All": cohort_counts(data, _year("all"))["episodes"]
    }


def test_the_quarterly_chart_leaves_out_withheld_quarters_and_names_them(data):
    chart, withheld = quarter_chart(
        data, _year("all"), numerator="completed", denominator="episodes"
    )
    shown = set(chart.points["subgroup"].to_list()) if chart.points.height else set()
    quarters = set(data.release.values("period", "quarter"))
    assert shown | set(withheld) == quarters
    assert not shown & set(withheld)
    assert np.all(chart.points["n"].to_numpy() >= 11) if chart.points.height else True


def test_substance_use_is_counted_in_a_release_of_its_own_and_its_means_follow_its_count(data):
    catalog = load_catalog()
    bam = catalog[USE_MEASURE].abbreviation
    assert USE_PAIRED in data.score_releases
    assert USE_ABSTINENT not in data.release.spec.populations()  # not a split of the base
    everyone = cohort_counts(data, _year("all"))
    in_2026 = data.rows.filter(pl.col(USE_PAIRED) & (pl.col("year") == "2026"))
    paired = in_2026["episode_id"].n_unique()
    assert everyone[USE_PAIRED] == paired > 0
    cohorts = [_year(code, track=(code,)) for code in sorted(data.track_names)]
    rows = {r.label: r for r in compare(data, [_year("all"), *cohorts], catalog, minimum=11)}
    abstinent = rows[f"{bam}: abstinent at the last"].figures[0]
    assert abstinent.n == paired
    assert abstinent.estimate == pytest.approx(everyone[USE_ABSTINENT] / paired)
    fewest = rows[f"{bam}: days of use before the first, fewest possible"].figures
    most = rows[f"{bam}: days of use before the first, most possible"].figures
    counts = [cohort_counts(data, c)[USE_PAIRED] for c in [_year("all"), *cohorts]]
    for count, low, high in zip(counts, fewest, most, strict=True):
        if count is None:
            assert low.missing == high.missing == WITHHELD
        elif count < 2:
            assert not low.available
            assert not high.available
        else:
            assert low.n == high.n == count
            assert low.estimate is not None
            assert high.estimate is not None
            assert 0 <= low.estimate <= high.estimate <= 30
    abstinent_text = estimate_text(rows[f"{bam}: abstinent at the last"].figures[0], rate=True)
    assert abstinent_text.endswith(f" n={paired}")


def test_length_of_stay_and_attendance_rest_on_every_released_episode_or_are_withheld(data):
    quarters = [
        Cohort(
            name=f"{q} {t}", granularity=Granularity.QUARTER, block=q, categories={"track": (t,)}
        )
        for q in sorted(data.release.values("period", "quarter"))
        for t in sorted(data.track_names)
    ]
    small = next(c for c in quarters if cohort_counts(data, c)["episodes"] is None)
    cohorts = [_year("all"), _year("one", track=small.categories["track"]), small]
    rows = {r.label: r for r in compare(data, cohorts, load_catalog(), minimum=11)}
    episodes = [cohort_counts(data, c)["episodes"] for c in cohorts]
    median = rows["Length of stay (days): median"].figures
    mean = rows["Length of stay (days): mean"].figures
    attendance = rows["Attendance"].figures
    for count, middle, average, attended in zip(episodes, median, mean, attendance, strict=True):
        if count is None:
            assert middle.missing == average.missing == attended.missing == WITHHELD
            continue
        assert middle.n == average.n == count
        assert middle.estimate is not None
        assert average.low is not None
        assert average.low <= average.estimate <= average.high
        assert attended.missing == WITHHELD or attended.n == count
    assert episodes[2] is None
    assert attendance[0].estimate is not None
    assert 0 < attendance[0].estimate <= 1
    differences = rows["Length of stay (days): mean"].differences
    assert all(d is not None and d.missing == WITHHELD for d in differences[1:])
