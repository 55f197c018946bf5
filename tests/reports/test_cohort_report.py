"""The directors' cohort report on the demo: the workbook's typed numbers and withheld
blanks (no n), its four sheets; the PDF's definitions, withheld rule, benchmark sources and
accreditation mapping; the mapping file; one audit row per download."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Role, Viewer
from dashboard.cohorts.accreditation import load_accreditation
from dashboard.cohorts.benchmarks import benchmarks_for
from dashboard.cohorts.cohort_figures import WITHHELD
from dashboard.cohorts.cohort_release import CohortData, read_cohort_data
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.exports import audit_table_export
from dashboard.cohorts.trend import control_chart
from dashboard.privacy.periods import Granularity
from dashboard.reports.cohort_report import (
    CohortReport,
    cohort_report,
    cohort_report_pdf,
    cohort_report_xlsx,
)
from dashboard.reports.export import export_cohort_report
from dashboard.review.outcome_queue import refresh
from measures import load_catalog
from tests.conftest import demo_program

UNTIL = dt.date(2026, 10, 31)
CATALOG = load_catalog()
#: Where to leave the files for a person to look at (optional).
KEEP = os.environ.get("IOP_KEEP_REPORTS")


def _viewer(engine: sa.Engine, role: Role = Role.DIRECTOR) -> Viewer:
    with engine.connect() as connection:
        sites = frozenset(r[0] for r in connection.execute(sa.text("SELECT id FROM sites")))
    return Viewer(
        user_id=1, username="dr", role=role, display_name="Dr. Dee Rector", site_ids=sites
    )


@pytest.fixture(scope="module")
def data(demo_engine: sa.Engine) -> CohortData:
    refresh(demo_engine, CATALOG, demo_program(CATALOG))
    with demo_engine.connect() as connection:
        return read_cohort_data(connection, _viewer(demo_engine), CATALOG, until=UNTIL)


def _year(name: str, **categories: tuple[str, ...]) -> Cohort:
    return Cohort(name=name, granularity=Granularity.YEAR, block="2026", categories=categories)


@pytest.fixture(scope="module")
def report(data: CohortData) -> CohortReport:
    tracks = sorted(data.track_names)
    cohorts = [_year(f"Track {t}", track=(t,)) for t in tracks[:3]]
    return cohort_report(data, cohorts, CATALOG)


def _keep(name: str, content: bytes) -> None:
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / name).write_bytes(content)


def _sheets(content: bytes) -> dict[str, list[dict[str, object]]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return sheets


def test_the_workbook_has_typed_numbers_and_withheld_blanks_without_n(report):
    content = cohort_report_xlsx(report)
    _keep("cohort-report.xlsx", content)
    sheets = _sheets(content)
    assert list(sheets) == ["Comparison", "Definitions", "Benchmarks", "Accreditation"]
    comparison = sheets["Comparison"]
    shown = [r for r in comparison if r["Missing"] is None]
    withheld = [r for r in comparison if r["Missing"] == WITHHELD]
    assert shown
    assert withheld, "the demo's small tracks withhold some figures"
    for line in shown:
        assert isinstance(line["Estimate"], int | float)
        if line["Value"] == "figure":
            assert isinstance(line["n"], int)
    for line in withheld:
        assert (line["Estimate"], line["Low"], line["High"], line["n"]) == (None,) * 4
    episodes = next(
        r for r in shown if r["Figure"] == "Episodes" and r["Cohort"] == report.names[0]
    )
    assert episodes["Unit"] == "episodes"
    assert episodes["Estimate"] == episodes["n"]
    rate = next(r for r in shown if r["Unit"] == "%" and r["Low"] is not None)
    assert 0 <= rate["Low"] <= rate["Estimate"] <= rate["High"] <= 100
    differences = [r for r in comparison if r["Value"] == f"minus {report.names[0]}"]
    assert differences
    assert all(r["n"] is None for r in differences)


def test_the_workbook_defines_cohorts_benchmarks_and_accreditation(report):
    sheets = _sheets(cohort_report_xlsx(report))
    definitions = {(r["Kind"], r["Name"]): r["Definition"] for r in sheets["Definitions"]}
    for cohort in report.cohorts:
        assert definitions[("cohort", cohort.name)] == cohort.describe()
    assert "Withheld: counts from 1 to" in str(definitions[("rule", "Withheld")])
    benchmarks = sheets["Benchmarks"]
    published = benchmarks_for("completed")[0]
    teds = next(r for r in benchmarks if r["Benchmark"] == published.label)
    assert teds["Published rate (%)"] == pytest.approx(published.rate * 100)
    assert teds["Year"] == published.year
    assert teds["URL"] == published.url
    assert all(r["Source"] and r["How it differs"] for r in benchmarks)
    accreditation = sheets["Accreditation"]
    ep3 = [r for r in accreditation if "CTS.03.01.09 EP 3" in str(r["Requirement"])]
    assert {r["Figures"] for r in ep3} >= {"Paired-data completeness", "Reliable change"}
    satisfaction = next(r for r in accreditation if "satisfaction" in str(r["Requirement"]))
    assert satisfaction["Figures"] == "not served by this report"
    assert "Not measured by this app" in str(satisfaction["Note"])


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_reads_as_a_committee_report(report):
    content = cohort_report_pdf(report, generated_by="Dr. Dee Rector", charts=False)
    _keep("cohort-report-nochart.pdf", content)
    text = " ".join(_pdf_text(content).split())
    assert "Episodes discharged up to 31 Oct 2026" in text
    assert "by Dr. Dee Rector" in text
    for cohort in report.cohorts:
        assert cohort.describe() in text
    assert "withheld" in text
    assert "Withheld: counts from 1 to" in text
    for benchmark in benchmarks_for("completed") + benchmarks_for("recovered"):
        assert benchmark.source.split(",")[0] in text
    assert "What each figure serves" in text
    assert "CTS.03.01.09 EP 3" in text
    assert "Not measured by this app" in text


def test_the_pdf_says_why_a_chart_of_withheld_quarters_is_not_drawn(report):
    assert report.chart.centre is None, "every quarter of one demo track is withheld"
    text = " ".join(_pdf_text(cohort_report_pdf(report, generated_by="x")).split())
    assert "The chart is not included: every quarter is withheld." in text
    assert "Quarters withheld: 2025" in text


def test_the_pdf_draws_the_control_chart(report):
    from dashboard.reports.charts import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium browser found (install 'chromium'): chart image not tested")
    # the demo's quarters are all withheld as of the tests' day: a chart of released counts
    counts = pl.DataFrame(
        {"block": ["2026 Q1", "2026 Q2", "2026 Q3"], "events": [14, 30, 12], "n": [25, 50, 22]}
    )
    drawn = dataclasses.replace(report, chart=control_chart(counts), withheld_quarters=())
    content = cohort_report_pdf(drawn, generated_by="Dr. Dee Rector", program="Demo IOP")
    _keep("cohort-report.pdf", content)
    reader = PdfReader(io.BytesIO(content))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    assert "The chart is not included" not in _pdf_text(content)


def test_the_accreditation_mapping_loads_and_cites_every_requirement(report):
    mapping = load_accreditation()
    assert mapping.requirements
    for requirement in mapping.requirements:
        assert requirement.source.strip()
        assert requirement.url.startswith(("https://", "http://"))
    unmapped = [r.label for r in report.rows if mapping.group_of(r.label) is None]
    assert unmapped == [], "every figure of the comparison serves a requirement"
    assert {r.id for r in mapping.not_served()} == {
        "jc_cts_03_01_09_ep1",
        "jc_cts_03_01_09_ep2",
        "carf_satisfaction",
    }


def test_a_mapping_entry_without_a_source_is_refused(tmp_path):
    path = tmp_path / "accreditation.toml"
    path.write_text(
        '[[requirement]]\nid = "x"\nbody = "B"\nname = "N"\nwording = "W"\n'
        'url = "https://example.org"\nevidence = "official"\nelsewhere = "E"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="requirement x: missing source"):
        load_accreditation(path)


def _audits(engine: sa.Engine, outcome: str = "ok") -> list[str]:
    with engine.connect() as connection:
        return [
            r[0]
            for r in connection.execute(
                sa.text(
                    "SELECT detail FROM audit_log WHERE action = 'export-cohort-report' "
                    "AND outcome = :outcome ORDER BY id"
                ),
                {"outcome": outcome},
            )
        ]


def test_each_download_is_audited_once(demo_copy, report):
    viewer = _viewer(demo_copy)
    xlsx = export_cohort_report(demo_copy, viewer, report, file_format="xlsx")
    pdf = export_cohort_report(demo_copy, viewer, report, file_format="pdf", charts=False)
    assert xlsx[:2] == b"PK"
    assert pdf[:5] == b"%PDF-"
    details = _audits(demo_copy)
    assert len(details) == 2
    assert '"xlsx"' in details[0]
    assert '"pdf"' in details[1]
    assert report.names[0] in details[0]


def test_a_clinician_cannot_export_the_report_and_the_refusal_is_audited(demo_copy, report):
    with pytest.raises(NotPermitted, match="may not export directors' figures"):
        export_cohort_report(
            demo_copy, _viewer(demo_copy, Role.CLINICIAN), report, file_format="xlsx"
        )
    assert _audits(demo_copy) == []
    refused = _audits(demo_copy, "refused")
    assert len(refused) == 1
    assert '"xlsx"' in refused[0]
    assert report.names[0] in refused[0]


def test_a_refused_table_download_is_audited_as_refused(demo_copy):
    with pytest.raises(NotPermitted):
        audit_table_export(
            demo_copy, _viewer(demo_copy, Role.CLIENT), period="2026-10-31", grouping="cohorts"
        )
    with demo_copy.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT actor, outcome FROM audit_log WHERE action = 'export-cohort-table'")
        ).all()
    assert [tuple(r) for r in rows] == [("dr", "refused")]
