"""A program's own instrument (one TOML file) is scored, scheduled and shown in every view."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import polars as pl
import pypdf
import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.checkin.explain import measure_sentences
from dashboard.importers.csv_administrations import read_administrations_file
from dashboard.reports.client_report import client_report_pdf, report_figures
from dashboard.review.record import ClientRecord, load_client_record
from dashboard.store.engine import read
from dashboard.store.importing import file_hash, import_administrations
from measures import Catalog, load_catalog, read_administrations_csv, score_administrations
from measures.program import ProgramConfig
from measures.schedule import InstrumentSchedule, due_measures
from tests.app.conftest import DEMO_PROGRAM
from tests.conftest import viewer_of

DEMO_CLIENT = "C0215"
# Fictional: no such questionnaire, author or journal exists.
EVENING_CALM = """\
id = "evening_calm"
name = "Evening Calm Inventory (fictional)"
abbreviation = "ECI-4"
construct = "Nothing real: a fictional instrument for the IOP Outcomes tests"
domain = "other"
recall_period = "Past week"

[display]
order = 25
client_name = "evening calm score"
charted = true
daily = false
agenda = true
report = true
symptoms = true

[licence]
text = "Fictional instrument written for the IOP Outcomes tests; free to use for testing."
show_item_wording = false
source = "quill1999"

[item_defaults]
min = 0
max = 3

[[items]]
id = "item_1"
label = "Restless evenings"

[[items]]
id = "item_2"
label = "Racing thoughts at night"

[[items]]
id = "item_3"
label = "Tense shoulders"

[[items]]
id = "item_4"
label = "Hard to wind down"

[[scores]]
id = "eci4_total"
label = "ECI-4 total"
primary = true
items = "all"
formula = "sum"
min = 0
max = 12
higher_is_better = false
source = "quill1999"
missing = { max_missing = 0 }
caseness = { cutoff = 6, rule = ">=", source = "quill1999" }
reliable_change = { points = 4, source = "quill1999" }
bands_source = "quill1999"
bands = [
  { min = 0, max = 4, label = "Calm" },
  { min = 5, max = 8, label = "Unsettled" },
  { min = 9, max = 12, label = "Restless" },
]

[sources]
quill1999.label = "Quill 1999, The Evening Calm Inventory"
quill1999.text = "Quill A. The Evening Calm Inventory (fictional). J Imaginary Meas 1999;1:1-9."
"""
ANSWERS = ((0, (3, 3, 2, 3)), (7, (2, 2, 1, 2)), (14, (1, 1, 0, 1)))  # totals 11, 7, 3
TITLE = "ECI-4 total"


@pytest.fixture
def instruments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A program's instrument folder holding the fictional instrument, set for the app."""
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "evening_calm.toml").write_text(EVENING_CALM, encoding="utf-8")
    monkeypatch.setenv("IOP_INSTRUMENTS_DIR", str(folder))
    return folder


@pytest.fixture
def catalog(instruments: Path) -> Catalog:
    return load_catalog(instruments)


def _admitted(engine: sa.Engine) -> dt.date:
    with engine.connect() as connection:
        day = connection.execute(
            sa.text(
                "SELECT e.admitted_on FROM episodes e JOIN clients c ON c.id = e.client_id "
                "WHERE c.code = :c AND e.discharged_on IS NULL"
            ),
            {"c": DEMO_CLIENT},
        ).scalar_one()
    return dt.date.fromisoformat(str(day))


def _csv(tmp_path: Path, admitted: dt.date) -> Path:
    lines = ["client_id,measure,administered_on,item_1,item_2,item_3,item_4"]
    for days, items in ANSWERS:
        day = admitted + dt.timedelta(days=days)
        lines.append(f"{DEMO_CLIENT},evening_calm,{day},{','.join(map(str, items))}")
    path = tmp_path / "evening_calm.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def with_calm(app_db: sa.Engine, catalog: Catalog, tmp_path: Path) -> sa.Engine:
    """The demo database with three administrations of the new instrument for the demo client."""
    path = _csv(tmp_path, _admitted(app_db))
    summary = import_administrations(
        app_db,
        read_administrations_file(path, catalog),
        file_name=path.name,
        content_hash=file_hash(path),
        imported_by="test",
        catalog=catalog,
        source="csv",
    )
    assert (summary.accepted, summary.rejected) == (3, 0)
    return app_db


def _record(engine: sa.Engine, catalog: Catalog, username: str) -> ClientRecord:
    with read(engine) as connection:
        return load_client_record(
            connection,
            viewer_of(engine, username),
            DEMO_CLIENT,
            catalog=catalog,
            as_of=clock.today(),
        )


def _chart_titles(at) -> list[str]:
    return [
        json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")
    ]


def test_the_new_instrument_is_scored_with_its_own_rules(catalog, tmp_path):
    parsed = read_administrations_csv(_csv(tmp_path, dt.date(2026, 1, 5)), catalog)
    scored = score_administrations(parsed.frame, catalog)
    assert scored["score"].to_list() == [11, 7, 3]
    assert scored["severity"].to_list() == ["Restless", "Unsettled", "Calm"]
    assert scored["caseness"].to_list() == [True, True, False]


def test_the_new_instrument_is_due_at_admission(catalog):
    schedule = ProgramConfig.from_toml(DEMO_PROGRAM, catalog=catalog).schedule
    assert schedule.instruments["evening_calm"] == InstrumentSchedule()  # at admission only
    admitted = dt.date(2026, 11, 2)
    nothing_yet = pl.DataFrame(
        schema={"client_id": pl.String, "measure": pl.String, "last_at": pl.Date}
    )
    episode = pl.DataFrame({"client_id": ["C1"], "admitted_on": [admitted]})
    due = due_measures(nothing_yet, episode, as_of=admitted, config=schedule)
    row = due.filter(measure="evening_calm").row(0, named=True)
    assert row["due"]
    assert row["reason"] == "at admission; not done since admission on 2026-11-02; due today"
    later = due_measures(
        nothing_yet, episode, as_of=admitted + dt.timedelta(days=3), config=schedule
    )
    assert later.filter(measure="evening_calm")["overdue_days"].to_list() == [3]


def test_the_client_is_asked_it_in_a_check_in_in_its_place(open_app, instruments):
    measures = open_app("client").session_state["checkin"]["measures"]
    assert "evening_calm" in measures
    assert measures.index("gad7") < measures.index("evening_calm") < measures.index("who5")


def test_client_progress_draws_its_chart_and_its_symptoms(open_app, with_calm):
    at = open_app("clinician")
    at.session_state["client_id"] = DEMO_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert not at.exception
    titles = _chart_titles(at)
    assert TITLE in titles
    assert titles.index("GAD-7 total") < titles.index(TITLE)
    assert "ECI-4 answers by item" in titles


def test_my_progress_explains_it_in_plain_words_with_its_chart(open_app, with_calm):
    at = open_app("client", "my_progress")
    assert not at.exception
    assert "Evening calm score" in [s.value for s in at.subheader]
    said = [m.value for m in at.markdown]
    assert any(
        m.startswith("Your evening calm score (ECI-4) has gone down from 11 to 3") for m in said
    )
    assert TITLE in _chart_titles(at)


def test_its_explanation_uses_its_client_name(with_calm, catalog):
    text = measure_sentences(_record(with_calm, catalog, "client"), catalog)["evening_calm"]
    assert text.startswith("Your evening calm score (ECI-4) has gone down from 11 to 3")
    assert "more than day-to-day ups and downs" in text  # its reliable change, 4 points
    assert "in the calm range" in text


def test_the_weekly_review_has_a_column_for_it(open_app, with_calm):
    at = open_app("clinician", "weekly_review")
    table = at.dataframe[0].value
    columns = list(table.columns)
    assert columns.index("GAD-7") < columns.index("ECI-4") < columns.index("WHO-5")
    demo = table[table["Id"] == DEMO_CLIENT].iloc[0]
    assert demo["ECI-4"] == "3 ▼"  # reliably lower than its first score
    row = list(table["Id"]).index(DEMO_CLIENT)  # open the client's review: the cell in words
    at.session_state["agenda_list"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert any("**ECI-4**: 3 Calm, reliably improved from 11" in m.value for m in at.markdown)


def test_the_pdf_report_charts_it_and_lists_its_scores(with_calm, catalog):
    record = _record(with_calm, catalog, "clinician")
    titles = [fig.layout.title.text for fig in report_figures(record, catalog)]
    assert TITLE in titles
    pdf = client_report_pdf(record, catalog=catalog, generated_by="test", charts=False)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    first = record.change.filter(measure="evening_calm")["baseline_at"][0]
    assert f"ECI-4 total 11 ({first:%d %b})" in text
