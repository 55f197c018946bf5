"""The program overview as a director uses it: calendar blocks, groupings, withheld figures
without their n, the rule explained, the CSV of what is shown; and who cannot open it."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.cohorts.cohort_release import read_cohort_data
from dashboard.cohorts.overview import displayed, overview_of, overview_table
from dashboard.privacy.periods import Granularity
from dashboard.store.engine import read
from measures import load_catalog
from tests.app.conftest import MAIN, audit_rows, sign_in_as
from tests.conftest import viewer_of

LAST_COUNTED = dt.date(2026, 10, 31)  # the end of the last complete month before 26 Nov 2026


def _expected(engine, granularity: Granularity, block: str, grouping: str):
    catalog = load_catalog()
    with read(engine) as connection:  # the release the overview shares with the cohort page
        data = read_cohort_data(
            connection, viewer_of(engine, "director"), catalog, until=LAST_COUNTED
        )
    overview = overview_of(data.release, catalog, until=LAST_COUNTED)
    table = overview_table(overview, granularity=granularity, block=block, grouping=grouping)
    return displayed(table, overview.rates).to_pandas()


def test_the_director_sees_this_year_to_date_by_site_with_the_rule_explained(open_app, app_db):
    at = open_app("director", "program_overview")
    assert not at.exception, at.exception
    assert [r.label for r in at.radio] == ["Period", "Compare by"]
    assert at.radio[0].value == "Year"
    assert at.selectbox[0].value == "2026"
    assert at.subheader[0].value == "2026 to date: discharges up to 31 Oct 2026"
    shown = at.dataframe[0].value
    assert list(shown["Site"]) == ["Hillcrest", "Riverside", "All"]
    assert shown.equals(_expected(app_db, Granularity.YEAR, "2026", "Site"))
    caption = at.caption[0].value
    assert "counts from 1 to 10" in caption
    assert "31 Oct 2026" in caption
    assert [b.label for b in at.download_button] == ["Download this table (CSV)"]
    assert at.expander[0].label == "What each rate counts"
    definitions = at.expander[0].markdown[0].value
    assert "**Recovery**: no longer a case at the last scores" in definitions
    assert "(NHS Talking Therapies)" in definitions


def test_a_withheld_figure_reads_withheld_and_prints_no_n(open_app):
    at = open_app("director", "program_overview")
    at.radio[0].set_value("Quarter").run()
    at.radio[1].set_value("Site and track").run()
    shown = at.dataframe[0].value
    cells = shown.drop(columns=["Site", "Track"]).to_numpy().ravel().tolist()
    assert "withheld" in cells
    for text in cells:
        assert text == "withheld" or "withheld" not in text  # never "withheld (n 27)"
    assert not any("<11" in t or "suppressed" in t for t in cells)


def test_quarters_are_calendar_blocks_the_current_one_to_date(open_app, app_db):
    at = open_app("director", "program_overview")
    at.radio[0].set_value("Quarter").run()
    blocks = at.selectbox[0].options
    assert blocks[0] == "2026 Q4 (to date)"
    assert "2026 Q3" in blocks
    assert all(b.startswith(("2025 Q", "2026 Q")) for b in blocks)
    at.selectbox[0].set_value("2026 Q3").run()
    at.radio[1].set_value("Track").run()
    assert at.subheader[0].value == "2026 Q3"
    assert at.dataframe[0].value.equals(_expected(app_db, Granularity.QUARTER, "2026 Q3", "Track"))
    assert not at.date_input  # no free day range any more


def test_downloading_the_table_is_audited(open_app, app_db):
    at = open_app("director", "program_overview")
    at.download_button[0].click().run()
    rows = audit_rows(app_db, "export-cohort-table")
    assert [(r.actor, r.resource_id) for r in rows] == [("director", "2026")]


@pytest.mark.parametrize("username", ["clinician", "client", "admin"])
def test_only_a_director_opens_the_program_overview(app_db, username):
    at = AppTest.from_file(str(MAIN.parent / "screens" / "program_overview.py"), default_timeout=60)
    sign_in_as(at, app_db, username).run()
    assert [e.value for e in at.error] == ["Your account cannot open this page."]
    assert not at.dataframe
    assert not at.download_button
