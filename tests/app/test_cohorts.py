"""The cohort page as a director uses it: define and save cohorts, compare them with their
definitions, withheld figures without an n, the download audited; and who cannot open it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.saved import save_cohort, saved_cohorts
from dashboard.privacy.periods import Granularity
from tests.app.conftest import MAIN, audit_rows, sign_in_as
from tests.conftest import viewer_of


def _save_tracks(app_db) -> None:
    director = viewer_of(app_db, "director")
    for code in ("co_occurring", "substance_use"):
        save_cohort(
            app_db,
            director,
            Cohort(
                name=f"{code} 2026",
                granularity=Granularity.YEAR,
                block="2026",
                categories={"track": (code,)},
            ),
        )


def test_with_nothing_saved_the_page_asks_for_two_cohorts(open_app):
    at = open_app("director", "cohorts")
    assert not at.exception, at.exception
    assert at.title[0].value == "Cohorts"
    assert [i.value for i in at.info] == ["Save at least two cohorts (above) to compare them."]


def test_the_form_saves_a_cohort_by_track_and_says_what_it_holds(open_app, app_db):
    at = open_app("director", "cohorts")
    at.text_input[0].input("Co-occurring this year")
    at.multiselect[1].select("Co-occurring")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        "Saved “Co-occurring this year”: Episodes discharged in 2026; track: Co-occurring."
    ]
    cohorts, _ = saved_cohorts(app_db, viewer_of(app_db, "director"))
    assert [c.name for c in cohorts] == ["Co-occurring this year"]


def test_two_saved_tracks_compare_with_definitions_and_withheld_figures(open_app, app_db):
    _save_tracks(app_db)
    at = open_app("director", "cohorts")
    assert not at.exception, at.exception
    assert at.multiselect[-1].value == ["co_occurring 2026", "substance_use 2026"]
    definitions = [m.value for m in at.markdown if "Episodes discharged" in m.value]
    assert definitions[0].splitlines() == [
        "- **co_occurring 2026**: Episodes discharged in 2026; track: Co-occurring.",
        "- **substance_use 2026**: Episodes discharged in 2026; track: Substance use.",
    ]
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "Figure",
        "co_occurring 2026",
        "substance_use 2026",
        "substance_use 2026 minus co_occurring 2026",
    ]
    cells = table.drop(columns=["Figure"]).to_numpy().ravel().tolist()
    assert "withheld" in cells
    assert all(c == "withheld" or "withheld" not in c for c in cells)
    figures = list(table["Figure"])
    assert figures.index("PHQ-9: paired scores") < figures.index("PHQ-9: mean change")
    assert "PHQ-9: mean change adjusted for the start" in figures
    assert any(s.value == "Beside published rates" for s in at.subheader)


def test_downloading_the_comparison_is_audited(open_app, app_db):
    _save_tracks(app_db)
    at = open_app("director", "cohorts")
    at.download_button[0].click().run()
    rows = audit_rows(app_db, "export-cohort-table")
    assert [(r.actor, r.resource_id) for r in rows] == [("director", "2026-10-31")]


@pytest.mark.parametrize("username", ["clinician", "client", "admin"])
def test_only_a_director_opens_the_cohorts(app_db, username):
    at = AppTest.from_file(str(MAIN.parent / "screens" / "cohorts.py"), default_timeout=60)
    sign_in_as(at, app_db, username).run()
    assert [e.value for e in at.error] == ["Your account cannot open this page."]
    assert not at.dataframe
    assert not at.button
