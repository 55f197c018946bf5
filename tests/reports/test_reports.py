"""The client progress report, the review packet and `iop report`, read back from the PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import sqlite3

import polars as pl
import pypdf
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from dashboard import clock
from dashboard.cli import app
from dashboard.figures import trajectory_figure
from dashboard.reports import document
from dashboard.reports.charts import NO_BROWSER, find_browser, render_png
from dashboard.reports.client_report import client_report_pdf
from dashboard.reports.review_packet import review_packet_pdf
from dashboard.review.record import ClientRecord, load_client_record, with_assessments
from dashboard.review.reference import program_reference
from dashboard.store import tables as t
from dashboard.store.engine import make_engine, read
from measures import load_catalog
from measures.change import RESPONSE_TITLE
from measures.program import ProgramConfig
from measures.readiness import CriterionResult, Readiness
from tests.conftest import viewer_of

CATALOG = load_catalog()
DEMO_CLIENT = "C0215"
FLAGGED = "C0230"
NO_CHROMIUM = (
    "Charts are not included: no Chromium browser was found to draw them "
    "(install the 'chromium' package)."
)
FOOTER = "Confidential: contains health information. Generated "


@pytest.fixture(scope="module")
def records(demo_engine) -> dict[str, ClientRecord]:
    viewer = viewer_of(demo_engine, "clinician")
    with read(demo_engine) as connection:
        return {
            client: load_client_record(
                connection, viewer, client, catalog=CATALOG, as_of=clock.today()
            )
            for client in (DEMO_CLIENT, FLAGGED)
        }


@pytest.fixture(scope="module")
def browser() -> str:
    """The system Chromium; missing fails under IOP_REQUIRE_BROWSER=1, else skips."""
    path = find_browser()
    if path is None:
        reason = "no Chromium browser found (install 'chromium'): chart images not tested"
        if os.environ.get("IOP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and IOP_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    return path


def pdf_text(data: bytes) -> tuple[str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def with_review(record: ClientRecord) -> ClientRecord:
    readiness = Readiness(
        client_id=record.client_id,
        as_of=record.as_of,
        previous_review=record.as_of - dt.timedelta(days=7),
        status="approaching",
        reason="All but one of 2 evaluated criteria met; not met: Attendance.",
        criteria=(
            CriterionResult(
                "mood",
                "Depression symptoms",
                3,
                True,
                "PHQ-9 7 (Mild)",
                "program policy (demo_program.toml)",
            ),
            CriterionResult(
                "attendance",
                "Attendance",
                4,
                False,
                "70% of program days",
                "program policy (demo_program.toml)",
            ),
        ),
    )
    decisions = pl.DataFrame(
        {
            "decision_id": [1],
            "episode_pk": [record.episode["episode_pk"]],
            "week_of": [record.as_of - dt.timedelta(days=7)],
            "decision": ["continue"],
            "note": ["Review attendance plan next week"],
            "decided_by": ["clinician"],
            "decided_at": [dt.datetime.combine(record.as_of, dt.time(10))],
        }
    )
    return dataclasses.replace(record, readiness=readiness, decisions=decisions)


def test_report_shows_the_client_review_scores_and_footer(records):
    record = with_review(records[FLAGGED])
    data = client_report_pdf(record, catalog=CATALOG, generated_by="dr_lee", charts=False)
    text, reader = pdf_text(data)
    assert 1 <= len(reader.pages) <= 2
    assert f"Progress report: {record.display_name} ({FLAGGED})" in text
    assert f"Site: {record.episode['site']}" in text
    assert f"Program week: {record.program_week}" in text
    assert "Status: approaching." in text
    assert "Depression symptoms" in text
    assert "70% of program days" in text
    assert "not met" in text
    assert "PHQ-9 item 9" in text
    assert "no follow-up yet" in text
    phq = record.change.filter(pl.col("measure") == "phq9").row(0, named=True)
    first = f"{int(phq['baseline'])} ({phq['baseline_at']:%d %b})"
    latest = f"{int(phq['latest'])} ({phq['latest_at']:%d %b})"
    assert f"PHQ-9 total {first} {latest}" in text
    assert phq["change_class"] in text
    assert "Review attendance plan next week" in text
    pages = len(reader.pages)
    for page in range(1, pages + 1):
        assert f"by dr_lee. Page {page} of {pages}." in text
    assert text.count(FOOTER) == pages
    assert "Charts are not included: they were left out on request." in text


def test_report_without_readiness_says_it_was_not_assessed(records):
    record = records[DEMO_CLIENT]
    text, _ = pdf_text(client_report_pdf(record, catalog=CATALOG, generated_by="x", charts=False))
    assert "Readiness not assessed." in text
    assert "No safety-item endorsements or unknown safety answers in this episode." in text
    assert "No decisions recorded in this episode yet." in text


def test_report_says_which_program_settings_keep_criteria_from_being_evaluated(
    records, demo_engine
):
    program = ProgramConfig.from_toml(None)  # the library defaults: no program thresholds
    with read(demo_engine) as connection:
        reference = program_reference(connection, CATALOG, program.expected_response)
    record = with_assessments(
        records[DEMO_CLIENT], catalog=CATALOG, program=program, reference=reference
    )
    data = client_report_pdf(record, catalog=CATALOG, generated_by="x", charts=False)
    text, _ = pdf_text(data)
    assert "Status: ready." not in text
    assert (
        "Not evaluated until the program sets [readiness.min_weeks] weeks, "
        "[readiness.craving] craving_nrs_max, [readiness.self_efficacy] confidence_nrs_min, "
        "[readiness.attendance] attendance_min in the program file"
    ) in text
    assert "Time in IOP Not evaluated " in text
    assert (
        "(program minimum not set by the program) (set [readiness.min_weeks] weeks in the "
        "program file)" in text
    )
    assert f"{RESPONSE_TITLE}: PHQ-9 " in text


def test_report_builds_without_chromium_and_says_so(records, tmp_path, monkeypatch):
    record = records[FLAGGED]
    missing = tmp_path / "no-chromium"
    data = client_report_pdf(record, catalog=CATALOG, generated_by="x", browser_path=missing)
    text, reader = pdf_text(data)
    assert NO_CHROMIUM in text
    assert not any(page.images for page in reader.pages)
    monkeypatch.setenv("BROWSER_PATH", str(missing))
    assert find_browser() is None
    fig = trajectory_figure(record, "phq9", catalog=CATALOG)
    assert render_png(fig).reason == NO_BROWSER
    text, _ = pdf_text(client_report_pdf(record, catalog=CATALOG, generated_by="x"))
    assert NO_CHROMIUM in text


def test_report_with_chromium_has_the_charts_on_two_pages_at_most(records, browser):
    record = with_review(records[DEMO_CLIENT])
    rendered = render_png(trajectory_figure(record, "phq9", catalog=CATALOG), browser_path=browser)
    assert rendered.reason is None
    assert rendered.png.startswith(b"\x89PNG")
    data = client_report_pdf(record, catalog=CATALOG, generated_by="x")
    text, reader = pdf_text(data)
    assert "Charts are not included" not in text
    assert sum(len(page.images) for page in reader.pages) == 4  # PHQ-9, GAD-7, craving, conf.
    assert 1 <= len(reader.pages) <= 2


def test_report_falls_back_to_helvetica_without_dejavu(records, tmp_path, monkeypatch):
    monkeypatch.setattr(document, "FONT_DIRS", (tmp_path,))
    record = with_review(records[FLAGGED])
    data = client_report_pdf(record, catalog=CATALOG, generated_by="x", charts=False)
    text, reader = pdf_text(data)
    assert f"Progress report: {record.display_name} ({FLAGGED})" in text
    fonts = {
        font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert fonts <= {"/Helvetica", "/Helvetica-Bold"}


def agenda(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_id": [f"C{n:04d}" for n in range(count)],
            "display_name": [f"Client {n}" for n in range(count)],
            "program_week": list(range(1, count + 1)),
            "track": ["Co-occurring"] * count,
            "clinician": ["Dr. Azure Siskin"] * count,
            "attendance_2w": ["9 of 10 days (90%)"] * count,
            "PHQ-9": ["12 Moderate, reliably improved"] * count,
            "flags": [None] * (count - 1) + ["PHQ-9 item 9 answered 2, not yet acknowledged"]
            if count
            else [],
            "readiness": ["approaching: attendance not met"] * count,
            "decision": [""] * count,
        }
    )


def test_review_packet_is_a_landscape_table_in_agenda_order():
    rows = agenda(3).reverse()
    data = review_packet_pdf(rows, generated_by="dr_lee", week_of=dt.date(2026, 11, 23))
    text, reader = pdf_text(data)
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    assert "Weekly review packet: week of 23 Nov 2026" in text
    assert "3 clients on the agenda" in text
    for header in ("Client", "Attendance (2 weeks)", "PHQ-9", "Safety flags", "Decision"):
        assert header in text
    positions = [text.index(f"C{n:04d}") for n in (2, 1, 0)]
    assert positions == sorted(positions)
    assert "12 Moderate, reliably improved" in text
    assert "PHQ-9 item 9 answered 2, not yet acknowledged" in text
    assert f"{FOOTER}" in text
    assert "by dr_lee. Page 1 of 1." in text


def test_review_packet_repeats_the_header_on_every_page():
    data = review_packet_pdf(agenda(40), generated_by="x", week_of=dt.date(2026, 11, 23))
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        page_text = " ".join(page.extract_text().split())
        assert "Attendance (2 weeks)" in page_text
        assert f"Page {number} of {pages}." in page_text
    empty = review_packet_pdf(agenda(0), generated_by="x", week_of=dt.date(2026, 11, 23))
    assert "No clients on this week's agenda." in pdf_text(empty)[0]


@pytest.fixture
def demo_copy(demo_engine, tmp_path) -> str:
    """A private copy of the demo database (SQLite backup, WAL included)."""
    target = tmp_path / "demo-copy.db"
    source = sqlite3.connect(demo_engine.url.database)
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    return f"sqlite:///{target}"


def audit_rows(url: str) -> list:
    engine = make_engine(url)
    with read(engine) as connection:
        rows = connection.execute(
            sa.select(t.audit_log).where(t.audit_log.c.action == "export-report")
        ).all()
    engine.dispose()
    return rows


def test_iop_report_writes_the_pdf_and_an_audit_row(demo_copy, tmp_path):
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(
        app, ["report", DEMO_CLIENT, "--out", str(out), "--db", demo_copy, "--no-charts"]
    )
    assert result.exit_code == 0, result.output
    text, reader = pdf_text(out.read_bytes())
    assert f"({DEMO_CLIENT})" in text
    # with the readiness criteria and their sources, as the app's report has them
    assert 1 <= len(reader.pages) <= 3
    assert "as clinician." in text
    assert not list(tmp_path.glob("*.partial"))
    assert "Readiness not assessed" not in text  # read with the program's readiness criteria
    assert "Status:" in text
    (row,) = audit_rows(demo_copy)
    assert (row.resource_type, row.resource_id, row.outcome) == ("client", DEMO_CLIENT, "ok")
    assert row.actor == "clinician"  # whose access read the record
    assert '"requested_by": "cli:' in row.detail  # who ran the command


def test_iop_report_refuses_an_account_without_access_and_audits_it(demo_copy, tmp_path):
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(
        app, ["report", DEMO_CLIENT, "--out", str(out), "--db", demo_copy, "--as", "admin"]
    )
    assert result.exit_code == 3
    assert not out.exists()
    (row,) = audit_rows(demo_copy)
    assert (row.actor, row.resource_id, row.outcome) == ("admin", DEMO_CLIENT, "refused")
    unknown = CliRunner().invoke(
        app, ["report", DEMO_CLIENT, "--out", str(out), "--db", demo_copy, "--as", "nobody"]
    )
    assert unknown.exit_code == 2
