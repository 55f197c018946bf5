"""The built-in [display] tables reproduce every list of instruments the views showed before."""

from __future__ import annotations

import json

import polars as pl
import pytest

from dashboard import clock
from dashboard.checkin.due import checkin_order
from dashboard.checkin.explain import measure_sentences
from dashboard.figures import trajectory_figure
from dashboard.figures.checkins import triggers_figure
from dashboard.reports.client_report import report_figures, score_rows
from dashboard.review.record import ClientRecord, load_client_record
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
DEMO_CLIENT = "C0215"  # co-occurring track: every instrument but the PHQ-2


@pytest.fixture(scope="module")
def record(demo_engine) -> ClientRecord:
    with read(demo_engine) as connection:
        return load_client_record(
            connection,
            viewer_of(demo_engine, "clinician"),
            DEMO_CLIENT,
            catalog=CATALOG,
            as_of=clock.today(),
        )


def _titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def _week_charts(at) -> list[str]:
    """The titles of the charts by program week (their subtitle says so)."""
    layouts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    return [
        layout["title"]["text"]
        for layout in layouts
        if layout["title"].get("subtitle", {}).get("text", "").startswith("by program week")
    ]


def test_one_order_for_every_list():
    assert [i.id for i in CATALOG.ordered()] == [
        "phq9",
        "phq8",
        "phq2",
        "gad7",
        "who5",
        "pcl5",
        "pacs",
        "craving_nrs",
        "confidence_nrs",
        "mood_nrs",
        "gse",
        "barc10",
        "bam_r",
        "audit_c",
        "dast10",
        "cssrs_screen",
    ]


def test_client_progress_charts_and_symptoms_are_the_same_as_before(open_app):
    at = open_app("clinician")
    at.session_state["client_id"] = DEMO_CLIENT
    at.switch_page("screens/client_progress.py").run()
    charts = _week_charts(at)
    assert charts == [
        "PHQ-9 total",
        "GAD-7 total",
        "WHO-5 percentage score",
        "PACS total",
        "Craving (0-10)",
        "Confidence (0-10)",
        "Mood (0-10)",
        "GSE total",
        "BAM-R Use",  # the BAM-R has no total: its three subscales
        "BAM-R Risk factors",
        "BAM-R Protective factors",
    ]
    heat_maps = [t for t in _titles(at) if t.endswith(" answers by item")]
    assert heat_maps == ["PHQ-9 answers by item", "GAD-7 answers by item"]


def test_my_progress_shows_the_same_measures_as_before_in_the_one_order(open_app):
    at = open_app("client", "my_progress")
    # each under its name for clients ("Low mood score"), not its abbreviation
    named = {
        i.display.client_name[:1].upper() + i.display.client_name[1:]: i.abbreviation
        for i in CATALOG
    }
    measures = [named[s.value] for s in at.subheader if s.value in named]
    # before: PHQ-9, GAD-7, WHO-5, Mood, Craving, PACS, Confidence, GSE
    assert measures == [
        "PHQ-9",
        "GAD-7",
        "WHO-5",
        "PACS",
        "Craving 0-10",
        "Confidence 0-10",
        "Mood 0-10",
        "GSE",
    ]


def test_clients_are_told_the_same_names_as_before(record):
    names = {i.id: i.display.client_name for i in CATALOG if i.id != "bam_r"}
    assert names == {
        "phq8": "low mood score",
        "pcl5": "stress after trauma score",
        "barc10": "recovery supports score",
        "audit_c": "alcohol use check",
        "dast10": "drug use check",
        "cssrs_screen": "safety check",
        "phq9": "low mood score",
        "phq2": "low mood check",
        "gad7": "worry score",
        "who5": "well-being score",
        "pacs": "alcohol craving score",
        "craving_nrs": "daily craving rating",
        "confidence_nrs": "confidence rating",
        "mood_nrs": "daily mood rating",
        "gse": "coping confidence score",
    }
    texts = measure_sentences(record, CATALOG)
    assert "bam_r" not in texts  # no primary score: nothing to explain in one number
    assert texts["gse"].startswith("Your coping confidence score (GSE)")


def test_the_weekly_review_has_the_same_measure_columns_as_before(open_app):
    table = open_app("clinician", "weekly_review").dataframe[0].value
    columns = list(table.columns)
    start, end = columns.index("Why now"), columns.index("Id")
    assert columns[start + 1 : end] == [
        "PHQ-9",
        "GAD-7",
        "WHO-5",
        "PACS",
        "Craving 0-10",
        "Confidence 0-10",
    ]
    daily = table[["Craving 0-10", "Confidence 0-10"]].stack()
    assert daily[daily != ""].str.fullmatch(r"\d+\.\d( [↗↘→])?").all()  # 7-day mean, trend
    assert not table["PHQ-9"].str.contains("7-day mean").any()


def test_the_pdf_charts_the_same_measures_and_lists_every_score_in_the_one_order(record):
    titles = [fig.layout.title.text for fig in report_figures(record, CATALOG)]
    assert titles == [
        "PHQ-9 total",
        "GAD-7 total",
        "Craving (0-10)",
        "Confidence (0-10)",
    ]
    labels = [row[0] for row in score_rows(record, CATALOG)]
    assert labels == [
        "PHQ-9 total",
        "GAD-7 total",
        "WHO-5 percentage score",
        "PACS total",
        "Craving (0-10)",
        "Confidence (0-10)",
        "Mood (0-10)",
        "GSE total",
        "BAM-R Use",
        "BAM-R Risk factors",
        "BAM-R Protective factors",
    ]


def test_the_check_in_asks_the_daily_ratings_first_then_the_rest_in_order():
    # before: mood, craving, confidence, then PHQ-9, GAD-7, PACS, WHO-5, GSE, BAM-R
    assert checkin_order(CATALOG) == (
        "craving_nrs",
        "confidence_nrs",
        "mood_nrs",
        "phq9",
        "phq8",  # this and the others marked "off" are never due in the default schedule
        "phq2",  # off
        "gad7",
        "who5",
        "pcl5",  # off
        "pacs",
        "gse",
        "barc10",  # off
        "bam_r",
        "audit_c",  # off
        "dast10",  # off
        "cssrs_screen",  # off
    )


def test_the_daily_ratings_are_the_same_as_before(record):
    assert [i.id for i in CATALOG.where(lambda d: d.daily)] == [
        "craving_nrs",
        "confidence_nrs",
        "mood_nrs",
    ]
    for measure in ("mood_nrs", "phq9"):
        names = [t.name for t in trajectory_figure(record, measure, catalog=CATALOG).data]
        assert ("7-day average" in names) == (measure == "mood_nrs")


def test_the_triggers_chart_shows_craving_and_confidence_as_before(record):
    fig = triggers_figure(record, pl.DataFrame(), catalog=CATALOG)  # no notes: ratings only
    assert [t.name for t in fig.data] == ["Craving (0-10)", "Confidence (0-10)"]
    assert [t.line.color for t in fig.data] == ["#0072B2", "#56B4E9"]
