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
from dashboard.program_settings import APP_SECTIONS
from dashboard.reports import document
from dashboard.reports.charts import NO_BROWSER, find_browser, render_png
from dashboard.reports.client_report import client_report_pdf
from dashboard.reports.review_packet import column_widths, packet_table, review_packet_pdf
from dashboard.review.record import ClientRecord, load_client_record, with_assessments
from dashboard.review.reference import program_reference
from dashboard.store import tables as t
from dashboard.store.engine import make_engine, read
from measures import load_catalog
from measures.change import RESPONSE_TITLE
from measures.definition import Source
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
DEMO_PROGRAM = ProgramConfig.from_toml(
    "data/fixtures/demo_program.toml", catalog=CATALOG, other_sections=APP_SECTIONS
)
POLICY = Source("Program policy (demo_program.toml)", "Set by the program in demo_program.toml.")


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
                (CATALOG["phq9"].source("kroenke2001"),),
            ),
            CriterionResult("attendance", "Attendance", 4, False, "70% of program days", (POLICY,)),
        ),
    )
    decisions = pl.DataFrame(
        {
            "decision_id": [1],
            "episode_pk": [record.episode["episode_pk"]],
            "week_of": [record.as_of - dt.timedelta(days=7)],
            "decision": ["continue"],
            "note": ["Review attendance plan next week"],
            "decided_by": ["Demo Clinician"],
            "decided_at": [dt.datetime.combine(record.as_of, dt.time(10))],
        }
    )
    return dataclasses.replace(record, readiness=readiness, decisions=decisions)


def test_report_shows_the_client_review_scores_and_footer(records):
    record = with_review(records[FLAGGED])
    data = client_report_pdf(record, catalog=CATALOG, generated_by="Dr. Ana Lee", charts=False)
    text, reader = pdf_text(data)
    assert 1 <= len(reader.pages) <= 2
    assert f"Progress report: {record.display_name} ({FLAGGED})" in text
    assert f"Site: {record.episode['site']}" in text
    assert f"Program week: {record.program_week}" in text
    assert "Status: approaching." in text
    # a checklist line each: symbol and word, the criterion, its evidence, a short citation
    assert "✓ Met Depression symptoms (ASAM 3) PHQ-9 7 (Mild) Kroenke et al. 2001, The PHQ-9" in (
        text
    )
    assert "✗ Not met Attendance (ASAM 4) 70% of program days Program policy" in text
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
        assert f"by Dr. Ana Lee. Page {page} of {pages}." in text
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
    assert "○ Not evaluated Time in IOP (ASAM 4)" in text
    assert (
        "(program minimum not set by the program) (set [readiness.min_weeks] weeks in the "
        "program file)" in text
    )
    assert f"{RESPONSE_TITLE}: PHQ-9 " in text


def test_report_cites_each_source_briefly_and_lists_the_full_references_once_at_the_end(
    records, demo_engine
):
    with read(demo_engine) as connection:
        reference = program_reference(connection, CATALOG, DEMO_PROGRAM.expected_response)
    record = with_assessments(
        records[FLAGGED], catalog=CATALOG, program=DEMO_PROGRAM, reference=reference
    )
    decisions = pl.DataFrame(  # decided on a day without a time, no note
        {
            "decision_id": [1],
            "episode_pk": [record.episode["episode_pk"]],
            "week_of": [dt.date(2026, 11, 16)],
            "decision": ["discuss_again"],
            "note": [None],
            "decided_by": ["Demo Clinician"],
            "decided_at": [dt.datetime(2026, 11, 16)],
        },
        schema_overrides={"note": pl.String},
    )
    record = dataclasses.replace(record, decisions=decisions)
    text, reader = pdf_text(
        client_report_pdf(record, catalog=CATALOG, generated_by="Dr. Ana Lee", charts=False)
    )
    assert len(reader.pages) <= 2
    body, heading, listed = text.rpartition(" Sources ")
    assert heading
    for criterion in record.readiness.criteria:  # symbol and word, then the criterion
        mark = {"met": "✓ Met", "not met": "✗ Not met", "not evaluated": "○ Not evaluated"}
        assert f"{mark[criterion.state]} {criterion.label} (ASAM " in body
    for short in (
        "Kroenke et al. 2001, The PHQ-9",
        "Jacobson & Truax 1991, Clinical significance",
        "Psychiatric Services 2013 and 2016, PHQ-9 item 9",
        "Program policy (demo_program.toml)",
    ):
        assert short in body
        assert listed.count(f"{short}. ") == 1
    assert "http" not in body  # no raw addresses in the tables: only in the Sources
    assert "Kroenke K, Spitzer RL" not in body
    assert listed.count("Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity") == 1
    assert "https://psychiatryonline.org/doi/10.1176/appi.ps.201200587" in listed
    for internal in ("None", "00:00:00", "issue "):
        assert internal not in text
    assert "16 Nov 2026 discuss again Demo Clinician" in text


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


MEASURES = ("PHQ-9", "GAD-7", "WHO-5", "PACS", "Craving 0-10", "Confidence 0-10")
LONG_CONCERNS = (
    "PHQ-9 item 9 answered 1 on 19 Oct: no follow-up yet; PHQ-9 item 9 answered 2 on 16 Nov: "
    "no follow-up yet; reliable deterioration: GAD-7, PHQ-9, WHO-5; not on track: "
    "Confidence 0-10, Craving 0-10, Mood 0-10, PACS; overdue: PHQ-9 3 d, GAD-7 3 d"
)


def agenda(count: int) -> pl.DataFrame:
    """Agenda rows as the weekly review builds them: every demo measure, long concerns."""
    safety = "Safety answer to follow up"
    return pl.DataFrame(
        {
            "priority_label": ["Other"] * (count - 1) + [safety] if count else [],
            "client_id": [f"C{n:04d}" for n in range(count)],
            "display_name": [f"Client {n}" for n in range(count)],
            "program_week": list(range(1, count + 1)),
            "track": ["Co-occurring"] * count,
            "clinician": ["Dr. Azure Siskin"] * count,
            "attendance_2w": ["9/10 days (90%)"] * count,
            "PHQ-9": ["12 Moderate, reliably improved from 18"] * count,
            "GAD-7": ["19 Severe, reliably deteriorated from 15"] * count,
            "WHO-5": ["0 Likely depression, reliably deteriorated from 16"] * count,
            "PACS": ["26 (rising)"] * count,
            "Craving 0-10": ["8.5 (7-day mean, falling)"] * count,
            "Confidence 0-10": [""] * count,
            "flags": [None] * (count - 1) + [LONG_CONCERNS] if count else [],
            "readiness": ["not enough data"] * count,
            "decision": [""] * count,
            "plan": ["no plan yet"] * count,
        }
    )


def packet(rows: pl.DataFrame, *, by: str = "Dr. Ana Lee") -> bytes:
    return review_packet_pdf(
        rows, measures=MEASURES, generated_by=by, week_of=dt.date(2026, 11, 23)
    )


def test_review_packet_is_a_landscape_table_in_agenda_order_with_why_now():
    rows = agenda(3).reverse()
    text, reader = pdf_text(packet(rows))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    assert "Weekly review packet: week of 23 Nov 2026" in text
    assert "3 clients on the agenda" in text
    for header in ("Client", "Week", "Why now", "Attendance (2 weeks)", "Scores", "Decision"):
        assert header in text
    positions = [text.index(f"Client {n} (C{n:04d})") for n in (2, 1, 0)]
    assert positions == sorted(positions)
    # why each client is on the agenda: the group, then every reason for concern
    assert f"Safety answer to follow up: {LONG_CONCERNS}" in text
    assert "Other" in text
    assert "PHQ-9: 12 Moderate, reliably improved from 18" in text
    assert "Confidence 0-10:" not in text  # a measure without a score takes no line
    assert f"{FOOTER}" in text
    assert "by Dr. Ana Lee. Page 1 of 1." in text


def test_review_packet_never_breaks_an_id_a_week_or_a_word_letter_by_letter():
    text = packet_table(agenda(12), measures=MEASURES)
    pdf = document.Document(generated_by="x", orientation="landscape")
    header = [
        "Client",
        "Week",
        "Why now",
        "Clinician",
        "Attendance (2 weeks)",
        "Scores",
        "Readiness",
        "Decision",
    ]
    size, widths = column_widths(pdf, text, header)
    assert size == 8.0
    assert sum(widths) == pytest.approx(pdf.epw)
    padding = 2 * 1.2  # the table's cell padding, left and right
    for column, title, width in zip(text.columns, header, widths, strict=True):
        pdf.set_font(pdf.family, "B", size)
        longest = max(pdf.get_string_width(w) for w in title.split())
        pdf.set_font(pdf.family, "", size)
        words = [w for value in text[column] for w in value.split()]
        longest = max([longest, *(pdf.get_string_width(w) for w in words)])
        assert width - padding >= longest, (column, width, longest)
    decision = widths[text.columns.index("decision")]
    assert decision >= 30  # room to write the decision in
    why, scores = widths[text.columns.index("why_now")], widths[text.columns.index("scores")]
    assert min(why, scores) > max(widths[:2])  # the long text gets the room
    pdf.output()  # closes its font files


def test_review_packet_repeats_the_header_on_every_page():
    data = packet(agenda(40), by="x")
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        page_text = " ".join(page.extract_text().split())
        assert "Attendance (2 weeks)" in page_text
        assert f"Page {number} of {pages}." in page_text
    empty = packet(agenda(0), by="x")
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
    assert "by Demo Clinician (command line, " in text  # a person, not "cli:x as clinician"
    for internal in ("None", "00:00:00", "issue "):
        assert internal not in text
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
