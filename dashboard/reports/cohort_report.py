"""The directors' cohort report: the comparison of two to four cohorts as an XLSX workbook
(typed numbers) and as a PDF laid out for a quality committee, with the definitions, the
rule of withheld figures, the benchmarks, the quarterly control chart and what each figure
serves among accreditation requirements. Both are drawn from the one privacy release:
a withheld figure is blank, with no n, in each."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import polars as pl

from dashboard.cohorts.accreditation import Accreditation, FigureGroup, load_accreditation
from dashboard.cohorts.benchmarks import Benchmark, benchmarks_for
from dashboard.cohorts.cohort_figures import (
    WITHHELD,
    Row,
    compare,
    comparison_table,
    estimate_text,
    quarter_chart,
)
from dashboard.cohorts.cohort_release import CohortData
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.statistics import Estimate, PChart
from dashboard.figures.control_chart import SUBTITLE, control_chart_figure
from dashboard.reports.charts import render_png
from dashboard.reports.document import Document
from dashboard.reports.spreadsheet import xlsx_bytes
from measures import Catalog

CHART_TITLE = "Completed or stepped down, of discharges"
CHART_PX = (900, 400)
NOT_REQUESTED = "it was left out on request"
NOT_SERVED = "not served by this report"


@dataclass(frozen=True)
class CohortReport:
    """What the report shows: the cohorts compared (the first is the reference), the
    comparison's rows, the quarterly p-chart of the first cohort and the quarters it
    leaves out, the threshold of withheld counts and the last day of discharge counted."""

    cohorts: tuple[Cohort, ...]
    rows: tuple[Row, ...]
    chart: PChart
    withheld_quarters: tuple[str, ...]
    threshold: int
    until: dt.date

    @property
    def names(self) -> list[str]:
        """The cohorts' names, in order."""
        return [c.name for c in self.cohorts]

    def withheld_rule(self) -> str:
        """The rule of withheld figures, in words."""
        return (
            f"Withheld: counts from 1 to {self.threshold - 1}, every figure built on them, and "
            "other counts chosen so that none of them can be worked out from a row, a column, "
            "another grouping, another period or the totals; means are shown only beside a "
            "released count. A withheld figure prints no n (in the spreadsheet: blank cells "
            "and the word 'withheld')."
        )


def cohort_report(
    data: CohortData, cohorts: list[Cohort], catalog: Catalog, *, minimum: int | None = None
) -> CohortReport:
    """The report of ``cohorts`` (two to four, the first the reference) from ``data``:
    the comparison the Cohorts page shows, and the quarterly chart of the first cohort's
    share completed or stepped down. ``minimum`` (default: the release's threshold) is
    the fewest paired scores a difference may rest on without a note."""
    threshold = data.release.spec.threshold
    rows = compare(data, cohorts, catalog, minimum=threshold if minimum is None else minimum)
    chart, withheld = quarter_chart(data, cohorts[0], numerator="completed", denominator="episodes")
    return CohortReport(tuple(cohorts), tuple(rows), chart, tuple(withheld), threshold, data.until)


# --- the spreadsheet ------------------------------------------------------------------


def _unit(row: Row, *, difference: bool) -> str:
    if row.rate:
        return "percentage points" if difference else "%"
    if row.label == "Episodes":
        return "episodes"
    return "score points"


def _number(value: float | None, row: Row) -> float | None:
    if value is None:
        return None
    return value * 100 if row.rate else value


def comparison_cells(report: CohortReport) -> pl.DataFrame:
    """The comparison as typed cells: a line per figure and cohort (and per later cohort's
    difference from the first) with estimate, low, high and n as numbers. A figure that is
    missing has blank numbers (n too) and says why in ``Missing`` (``withheld``).

    Shares are in percent, differences of shares in percentage points."""
    first = report.names[0]
    lines: list[dict[str, object]] = []
    for row in report.rows:
        for i, name in enumerate(report.names):
            entries: list[tuple[str, Estimate | None, bool, str | None]] = [
                ("figure", row.figures[i], False, None)
            ]
            if i:
                entries.append((f"minus {first}", row.differences[i], True, row.notes[i] or None))
            for what, estimate, difference, note in entries:
                if estimate is None or estimate.missing == "":
                    continue
                shown = estimate.available and estimate.estimate is not None
                lines.append(
                    {
                        "Figure": row.label,
                        "Cohort": name,
                        "Value": what,
                        "Unit": _unit(row, difference=difference),
                        "Estimate": _number(estimate.estimate, row) if shown else None,
                        "Low": _number(estimate.low, row) if shown else None,
                        "High": _number(estimate.high, row) if shown else None,
                        "n": estimate.n if shown and not difference else None,
                        "Missing": None if shown else estimate.missing,
                        "Note": note,
                    }
                )
    schema = {
        "Figure": pl.String,
        "Cohort": pl.String,
        "Value": pl.String,
        "Unit": pl.String,
        "Estimate": pl.Float64,
        "Low": pl.Float64,
        "High": pl.Float64,
        "n": pl.Int64,
        "Missing": pl.String,
        "Note": pl.String,
    }
    return pl.DataFrame(lines, schema=schema, orient="row")


def definitions_cells(report: CohortReport) -> pl.DataFrame:
    """Each cohort's definition, each figure's, and the rule of withheld figures."""
    lines = [("cohort", c.name, c.describe()) for c in report.cohorts]
    lines += [("figure", r.label, r.definition) for r in report.rows]
    lines.append(("rule", "Withheld", report.withheld_rule()))
    lines.append(("rule", "Counted", f"Episodes discharged up to {report.until:%d %b %Y}."))
    return pl.DataFrame(lines, schema=["Kind", "Name", "Definition"], orient="row")


def report_benchmarks(report: CohortReport) -> list[tuple[Row, Benchmark]]:
    """Each figure of the report that has published rates beside it, with each rate."""
    return [
        (row, benchmark)
        for row in report.rows
        if row.benchmark is not None
        for benchmark in benchmarks_for(row.benchmark)
    ]


def benchmark_cells(report: CohortReport) -> pl.DataFrame:
    """The published rates beside the report's figures, with their definitions, how they
    differ from the program's and their sources; the rate in percent, as a number."""
    lines = [
        {
            "Figure": row.label,
            "Benchmark": b.label,
            "Published rate (%)": round(b.rate * 100, 1),
            "Period": b.period,
            "Year": b.year,
            "Population": b.population,
            "Definition": b.definition,
            "How it differs": b.differs,
            "Service": b.service,
            "Source": b.source,
            "URL": b.url,
            "Evidence": b.evidence,
            "Note": b.note,
        }
        for row, b in report_benchmarks(report)
    ]
    schema = {key: pl.String for key in ("Figure", "Benchmark")} | {
        "Published rate (%)": pl.Float64,
        "Period": pl.String,
        "Year": pl.Int64,
    }
    schema |= {
        key: pl.String
        for key in (
            "Population",
            "Definition",
            "How it differs",
            "Service",
            "Source",
            "URL",
            "Evidence",
            "Note",
        )
    }
    return pl.DataFrame(lines, schema=schema, orient="row")


def covered(report: CohortReport, group: FigureGroup) -> str:
    """The report's figures in ``group``, a figure per measure named once: ``PHQ-9, GAD-7:
    paired scores``; or that the comparison has none."""
    parts = []
    labels = [r.label for r in report.rows]
    for pattern in group.labels:
        matched = [label for label in labels if fnmatchcase(label, pattern)]
        if not matched:
            continue
        if pattern.startswith("*") and "*" not in pattern[1:]:
            suffix = pattern[1:]
            measures = ", ".join(label.removesuffix(suffix) for label in matched)
            parts.append(f"{measures}{suffix}")
        else:
            parts.extend(matched)
    return "; ".join(parts) if parts else "not in this comparison"


def accreditation_cells(report: CohortReport, mapping: Accreditation) -> pl.DataFrame:
    """Per figure group and requirement it serves: the report's figures in the group, the
    requirement paraphrased and its source; then each requirement the report does not
    serve, with where it is served."""
    lines = []
    for group in mapping.figures:
        for id_ in group.serves:
            requirement = mapping.requirement(id_)
            lines.append(
                (
                    group.group,
                    covered(report, group),
                    requirement.title,
                    requirement.wording,
                    group.note,
                    requirement.source,
                    requirement.url,
                )
            )
    for requirement in mapping.not_served():
        lines.append(
            (
                NOT_SERVED,
                "",
                requirement.title,
                requirement.wording,
                requirement.elsewhere,
                requirement.source,
                requirement.url,
            )
        )
    columns = ["Figures", "In this report", "Requirement", "What it asks", "Note", "Source", "URL"]
    return pl.DataFrame(lines, schema=columns, orient="row")


def cohort_report_xlsx(report: CohortReport, *, mapping: Accreditation | None = None) -> bytes:
    """The report as an XLSX workbook: sheets Comparison (typed numbers, blank and
    ``withheld`` where withheld), Definitions, Benchmarks and Accreditation."""
    chosen = load_accreditation() if mapping is None else mapping
    return xlsx_bytes(
        {
            "Comparison": comparison_cells(report),
            "Definitions": definitions_cells(report),
            "Benchmarks": benchmark_cells(report),
            "Accreditation": accreditation_cells(report, chosen),
        },
        frozen_columns=2,
    )


# --- the PDF --------------------------------------------------------------------------


def cohort_report_pdf(
    report: CohortReport,
    *,
    generated_by: str,
    program: str | None = None,
    mapping: Accreditation | None = None,
    charts: bool = True,
    browser_path: str | Path | None = None,
) -> bytes:
    """The report as a landscape A4 PDF for a quality committee: title with the cut-off
    date and who generated it, the cohorts' definitions, the comparison table (split
    across pages with its header repeated), the rule of withheld figures, the figures'
    definitions, the benchmarks with their sources, the control chart (or why it is not
    drawn) and what each figure serves among accreditation requirements."""
    chosen = load_accreditation() if mapping is None else mapping
    pdf = Document(generated_by=generated_by, orientation="landscape")
    title = "Program outcomes by cohort" + (f": {program}" if program else "")
    pdf.set_title(title)
    pdf.title_line(title)
    pdf.paragraph(
        f"Episodes discharged up to {report.until:%d %b %Y}. Generated "
        f"{pdf.generated_at:%d %b %Y %H:%M} by {generated_by}. Cohorts compared: "
        f"{', '.join(report.names)} (each later cohort against {report.names[0]})."
    )
    pdf.heading("Definitions", room=20)
    for cohort in report.cohorts:
        pdf.reference(cohort.name, f"{cohort.describe()}.", size=9)
    pdf.paragraph(report.withheld_rule(), size=8.5)
    _comparison_section(pdf, report)
    _figure_definitions(pdf, report)
    _benchmark_section(pdf, report)
    _chart_section(pdf, report, charts=charts, browser_path=browser_path)
    _accreditation_section(pdf, report, chosen)
    return bytes(pdf.output())


def _comparison_section(pdf: Document, report: CohortReport) -> None:
    pdf.heading("Side by side", room=40)
    pdf.paragraph(
        "Each figure with its 95% interval and n; each later cohort minus the first with the "
        "95% interval of the difference (shares: Newcombe's hybrid score interval, in "
        "percentage points; means: Welch; adjusted: ANCOVA at the same first score). "
        "Completeness (paired scores) comes first for each measure: every change figure "
        "rests on it.",
        size=8.5,
    )
    table = comparison_table(list(report.rows), report.names)
    columns = len(table.columns)
    size = {3: 8.5, 5: 8.0}.get(columns, 7.0)
    figure_width = 62.0 if columns <= 5 else 50.0
    rest = (pdf.epw - figure_width) / (columns - 1)
    pdf.grid(
        table.columns,
        table.rows(),
        widths=[figure_width, *([rest] * (columns - 1))],
        size=size,
    )


def _figure_definitions(pdf: Document, report: CohortReport) -> None:
    pdf.heading("What each figure counts", room=30)
    pdf.grid(
        ("Figure", "What it counts"),
        [(r.label, r.definition) for r in report.rows],
        widths=(62, pdf.epw - 62),
        size=8,
    )


def _benchmark_section(pdf: Document, report: CohortReport) -> None:
    pdf.heading("Beside published rates", room=40)
    pairs = report_benchmarks(report)
    if not pairs:
        pdf.paragraph("No published rate matches these figures.")
        return
    pdf.paragraph(
        "Published rates come from other services and other definitions: read them as "
        "context, not as targets. How each differs from the program's figure is given.",
        size=8.5,
    )
    rows = []
    for row, b in pairs:
        own = "\n".join(
            f"{name}: {estimate_text(f, rate=row.rate) or WITHHELD}"
            for name, f in zip(report.names, row.figures, strict=True)
        )
        rows.append(
            (
                f"{row.label}\n{own}",
                f"{b.label}: {b.percent}\n{b.period}",
                f"{b.population}\nCounts: {b.definition}",
                f"{b.differs}\n{b.service}" + (f"\nNote: {b.note}" if b.note else ""),
                f"{b.source}\n{b.url}",
            )
        )
    pdf.grid(
        (
            "Program figure",
            "Published rate",
            "Population and definition",
            "How it differs",
            "Source",
        ),
        rows,
        widths=(44, 38, 66, 66, pdf.epw - 214),
        size=7,
    )


def _chart_section(
    pdf: Document, report: CohortReport, *, charts: bool, browser_path: str | Path | None
) -> None:
    first = report.cohorts[0]
    width = pdf.epw * 0.78
    height = width * CHART_PX[1] / CHART_PX[0]
    pdf.heading(f"Completed or stepped down by quarter: {first.name}", room=height + 30)
    withheld = report.withheld_quarters
    pdf.paragraph(
        f"{first.describe()}, every quarter, not only the cohort's block: a p-chart with "
        "3-sigma limits stepping with each quarter's size; a point beyond its limits is a "
        "signal, not noise." + (f" Quarters withheld: {', '.join(withheld)}." if withheld else ""),
        size=8.5,
    )
    if report.chart.centre is None:
        reason = "every quarter is withheld" if withheld else report.chart.missing
        pdf.paragraph(f"The chart is not included: {reason}.")
        return
    if not charts:
        pdf.paragraph(f"The chart is not included: {NOT_REQUESTED}.")
        return
    figure = control_chart_figure(report.chart, title=CHART_TITLE)
    # the page wraps titles for a phone; the printed chart is wide
    figure.update_layout(title_text=CHART_TITLE, title_subtitle_text=SUBTITLE, margin_t=80)
    image = render_png(figure, width=CHART_PX[0], height=CHART_PX[1], browser_path=browser_path)
    if image.png is None:
        pdf.paragraph(f"The chart is not included: {image.reason}.")
        return
    pdf.image(io.BytesIO(image.png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(2)


def _accreditation_section(pdf: Document, report: CohortReport, mapping: Accreditation) -> None:
    pdf.heading("What each figure serves", room=50)
    pdf.paragraph(
        "Each group of figures in this report and the accreditation requirements it serves; "
        "the requirements, paraphrased, and their sources follow.",
        size=8.5,
    )
    pdf.grid(
        ("Figures", "In this report", "Serves", "Note"),
        [
            (
                group.group,
                covered(report, group),
                "\n".join(f"• {mapping.requirement(i).title}" for i in group.serves),
                group.note or "",
            )
            for group in mapping.figures
        ],
        widths=(40, 95, 64, pdf.epw - 199),
        size=7.5,
    )
    served = {i for g in mapping.figures for i in g.serves}
    pdf.heading("The requirements", room=40)
    pdf.grid(
        ("Requirement", "What it asks (paraphrased)", "In this report"),
        [
            (
                r.title,
                r.wording,
                "Served by the figures above." if r.id in served else f"No. {r.elsewhere}",
            )
            for r in mapping.requirements
        ],
        widths=(70, 110, pdf.epw - 180),
        size=7.5,
    )
    pdf.heading("Sources", room=20)
    seen: set[tuple[str, str]] = set()
    for requirement in mapping.requirements:
        key = (requirement.source, requirement.url)
        if key in seen:
            continue
        seen.add(key)
        evidence = "" if requirement.evidence == "official" else " (a report of the text)"
        pdf.reference(requirement.body, f"{requirement.source}{evidence}. {requirement.url}")
