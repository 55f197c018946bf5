"""The program overview's tables: the CSV holds exactly what the page shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import polars as pl
import pytest

from dashboard.app.views.program_overview import caption
from dashboard.cohorts.outcomes import episode_outcomes
from dashboard.cohorts.overview import (
    EPISODES,
    GROUPINGS,
    MEDIAN_WEEKS,
    PERIODS,
    WITHHELD,
    build_overview,
    displayed,
    overview_table,
    table_csv,
)
from dashboard.privacy.periods import Granularity
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
UNTIL = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def overview(demo_engine):
    with read(demo_engine) as connection:
        outcomes = episode_outcomes(
            connection, viewer_of(demo_engine, "director"), discharged_to=UNTIL
        )
    return build_overview(outcomes, CATALOG, until=UNTIL)


def _every_table(overview):
    for granularity in PERIODS:
        for block in overview.blocks(granularity):
            for grouping in GROUPINGS:
                yield (
                    block,
                    overview_table(
                        overview, granularity=granularity, block=block, grouping=grouping
                    ),
                )


def test_the_csv_holds_the_figures_the_page_shows_and_nothing_more(overview):
    for block, table in _every_table(overview):
        shown = displayed(table, overview.rates)
        rows = list(csv.DictReader(io.StringIO(table_csv(table, period=block).decode())))
        assert len(rows) == shown.height
        for row, text in zip(rows, shown.iter_rows(named=True), strict=True):
            assert row["Period"] == block
            assert row[EPISODES] == text[EPISODES].replace(",", "")
            assert (row[MEDIAN_WEEKS] == WITHHELD) == (text[MEDIAN_WEEKS] == WITHHELD)
            for rate in overview.rates:
                figure = text[rate.label]
                parts = [row[f"{rate.label}: {p}"] for p in ("count", "of", "share")]
                if figure == WITHHELD:
                    assert parts == [WITHHELD] * 3
                elif figure == "no data":
                    assert parts[1] == "0"
                else:
                    share, n = re.fullmatch(r"(\d+)% \(\d+%-\d+%\) n=([\d,]+)", figure).groups()
                    assert parts[1] == n.replace(",", "")
                    assert round(100 * float(parts[2])) == int(share)
                    assert int(parts[0]) / int(parts[1]) == pytest.approx(float(parts[2]))


def test_the_page_and_the_csv_carry_no_client_and_no_day(overview):
    for block, table in _every_table(overview):
        text = table_csv(table, period=block).decode()
        assert not re.search(r"C\d{4}|E\d{4}|\d{4}-\d{2}-\d{2}", text)


def test_a_higher_threshold_withholds_more_and_the_caption_says_which(demo_engine, overview):
    with read(demo_engine) as connection:
        outcomes = episode_outcomes(
            connection, viewer_of(demo_engine, "director"), discharged_to=UNTIL
        )
    stricter = build_overview(outcomes, CATALOG, until=UNTIL, threshold=20)
    assert stricter.release.withheld.sum() > overview.release.withheld.sum()
    assert "counts from 1 to 19" in caption(stricter, Granularity.YEAR)


def test_episodes_after_the_last_counted_day_are_refused(overview):
    late = pl.DataFrame(
        {"discharged_on": [dt.date(2026, 11, 2)]}, schema_overrides={"discharged_on": pl.Date}
    )
    with pytest.raises(ValueError, match="discharged after the last day counted"):
        build_overview(late, CATALOG, until=UNTIL)


def test_a_group_name_that_reads_as_a_formula_goes_out_as_text(overview):
    block, table = next(_every_table(overview))
    title = table.columns[0]
    hostile = table.with_columns(pl.lit('=HYPERLINK("http://example.invalid","x")').alias(title))
    rows = list(csv.DictReader(io.StringIO(table_csv(hostile, period=block).decode())))
    assert {row[title] for row in rows} == {'\'=HYPERLINK("http://example.invalid","x")'}
    assert all(not row["Period"].startswith(("=", "+", "-", "@")) for row in rows)
