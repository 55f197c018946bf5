"""The client progress report on A4: readiness, safety items, scores, charts, decisions."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard.figures import trajectory_figure
from dashboard.figures.common import number, set_height
from dashboard.figures.overlays import LEVEL_NAMES
from dashboard.reports.charts import Rendered, render_png
from dashboard.reports.document import Document
from dashboard.review.dates import when
from dashboard.review.evidence import checklist, citations, readiness_sources
from dashboard.review.flags import UNKNOWN, follow_up_text
from dashboard.review.follow_up_options import ACTIONS, OUTCOMES
from dashboard.review.record import ClientRecord
from measures import Catalog
from measures.change import RESPONSE_CITATIONS, RESPONSE_RULE, RESPONSE_TITLE, response_so_far
from measures.definition import Source
from measures.readiness import DISCLAIMER, Readiness
from measures.readiness_config import ASAM_DIMENSIONS, ASAM_SOURCE

CHART_PX = (540, 480)  # room for the title, the axis and the legend below the plot
NOT_REQUESTED = "they were left out on request"


def client_report_pdf(
    record: ClientRecord,
    *,
    catalog: Catalog,
    generated_by: str,
    charts: bool = True,
    browser_path: str | Path | None = None,
) -> bytes:
    """The progress report of one client's episode as PDF bytes.

    Charts are drawn with kaleido and Chromium; where that is not possible (or
    ``charts`` is False) the report says so instead of failing.
    """
    pdf = Document(generated_by=generated_by)
    pdf.set_title(f"Progress report {record.client_id}")
    name = record.display_name or "name not recorded"
    pdf.title_line(f"Progress report: {name} ({record.client_id})")
    pdf.paragraph(episode_facts(record))
    readiness_section(pdf, record.readiness, record.change)
    flags_section(pdf, record.flags, record.follow_ups)
    scores_section(pdf, record, catalog)
    charts_section(pdf, record, catalog, charts=charts, browser_path=browser_path)
    decisions_section(pdf, record.decisions)
    sources_section(pdf, readiness_sources(record.readiness))
    return bytes(pdf.output())


def episode_facts(record: ClientRecord) -> str:
    """Track, site, clinician, admission, program week and level of care in one paragraph."""
    episode = record.episode
    parts = [
        f"Track: {episode.get('track_name') or episode.get('track') or 'not recorded'}",
        f"Site: {episode.get('site') or 'not recorded'}",
        f"Clinician: {episode.get('clinician') or 'not assigned'}",
        f"Admitted: {episode['admitted_on']:%d %b %Y}",
        f"Program week: {record.program_week}",
        f"Level of care: {level_of_care(record)}",
        f"Data up to: {record.as_of:%d %b %Y}",
    ]
    return " · ".join(parts)


def level_of_care(record: ClientRecord) -> str:
    """The current level of care, or the discharge date and reason."""
    discharged = record.episode.get("discharged_on")
    if discharged is not None:
        reason = (record.episode.get("discharge_reason") or "").replace("_", " ")
        return f"discharged {discharged:%d %b %Y}" + (f" ({reason})" if reason else "")
    if record.care_levels.is_empty():
        return "not recorded"
    level = str(record.care_levels.sort("changed_on")["level_of_care"][-1])
    return LEVEL_NAMES.get(level, level)


def readiness_section(pdf: Document, readiness: Readiness | None, change: pl.DataFrame) -> None:
    """The step-down readiness status and its checklist: each criterion's state (symbol
    and word), evidence and short citations, by ASAM dimension; what the program has
    not set; PHQ-9 response and remission so far. The full references are in the
    Sources section at the end."""
    pdf.heading("Step-down readiness")
    if readiness is None:
        pdf.paragraph("Readiness not assessed.")
        return
    pdf.paragraph(f"Status: {readiness.status}. {readiness.reason}", bold=True)
    if readiness.missing_settings:
        pdf.paragraph(
            f"Not evaluated until the program sets {', '.join(readiness.missing_settings)} "
            "in the program file: a criterion that cannot be evaluated is never met, so the "
            "status cannot be ready.",
            size=8.5,
        )
    groups = checklist(readiness)
    rows = [
        (
            line.mark,
            f"{line.label} (ASAM {line.asam_dimension})",
            line.evidence + (f" ({line.detail})" if line.detail else ""),
            "; ".join(line.citations),
        )
        for lines in groups.values()
        for line in lines
    ]
    pdf.grid(("Verdict", "Criterion", "Evidence", "Sources"), rows, widths=(14, 18, 43, 25), size=8)
    dimensions = "; ".join(f"{d} {ASAM_DIMENSIONS[d].lower()}" for d in groups)
    pdf.paragraph(f"ASAM dimensions: {dimensions} ({ASAM_SOURCE.label}).", size=7.5)
    pdf.paragraph(f"{RESPONSE_TITLE}: {response_so_far(change)}.", size=9)
    pdf.paragraph(
        f"{RESPONSE_RULE} Sources: {citations(RESPONSE_CITATIONS)}. {DISCLAIMER}", size=7.5
    )


def sources_section(pdf: Document, sources: tuple[Source, ...]) -> None:
    """Each source cited in the report once: its short label, then the full reference."""
    if not sources:
        return
    pdf.heading("Sources", room=20)
    for source in sources:
        pdf.reference(source.label, source.text)


def flags_section(pdf: Document, flags: pl.DataFrame, follow_ups: pl.DataFrame) -> None:
    """Every safety flag of the episode (endorsed or unknown) with its follow-up, then
    every follow-up recorded (its note only where the reader is in the team)."""
    pdf.heading("Safety items")
    if flags.is_empty():
        pdf.paragraph("No safety-item endorsements or unknown safety answers in this episode.")
        return
    rows = [
        (
            f"{row['flagged_at']:%d %b %Y}",
            row["item"],
            row["answer"] + (f" ({row['given']})" if row["given"] else ""),
            follow_up_text(row),
        )
        for row in flags.sort("flagged_at").iter_rows(named=True)
    ]
    pdf.grid(("Date", "Item", "Answer", "Follow-up"), rows, widths=(13, 17, 24, 46))
    if follow_ups.is_empty():
        return
    actions = {a.key: a.label for a in ACTIONS}
    outcomes = {o.key: o.label for o in OUTCOMES}
    pdf.paragraph("Follow-ups recorded, oldest first", bold=True)
    pdf.grid(
        ("Recorded", "Flag of", "What was done", "Outcome", "By", "Note"),
        [
            (
                when(row["recorded_at"]),
                f"{row['flagged_on']:%d %b}" + (" (unknown)" if row["kind"] == UNKNOWN else ""),
                actions.get(row["action"], row["action"]),
                outcomes.get(row["outcome"], row["outcome"]),
                row["recorded_by"] or "",
                row["note"] or "",
            )
            for row in follow_ups.iter_rows(named=True)
        ],
        widths=(14, 10, 18, 18, 10, 30),
    )


def score_rows(record: ClientRecord, catalog: Catalog) -> list[tuple[str, ...]]:
    """Per measure, in display order: first and latest score, change, class, band now."""
    rank = {instrument.id: i for i, instrument in enumerate(catalog.ordered())}
    change = record.change.with_columns(
        pl.col("measure").replace_strict(rank, default=len(rank)).alias("_rank")
    ).sort("_rank", maintain_order=True)
    rows: list[tuple[str, ...]] = []
    for row in change.iter_rows(named=True):
        instrument = catalog[row["measure"]]
        if instrument.primary is not None and row["score_id"] != "score":
            continue
        score = instrument.score(row["score_id"])
        rows.append(
            (
                score.label,
                f"{number(row['baseline'])} ({row['baseline_at']:%d %b})",
                f"{number(row['latest'])} ({row['latest_at']:%d %b})",
                change_text(row["change"], higher_is_better=score.higher_is_better),
                classification(row),
                score.band_of(row["latest"]) or "no bands published",
            )
        )
    return rows


def change_text(change: float | None, *, higher_is_better: bool) -> str:
    """A change with its sign and its meaning: "-11 (better)"."""
    if change is None or change == 0:
        return "0"
    better = (change > 0) == higher_is_better
    return f"{'+' if change > 0 else ''}{number(change)} ({'better' if better else 'worse'})"


def classification(row: dict[str, Any]) -> str:
    """Reliable change in words, or why there is none."""
    if row.get("change_class"):
        return str(row["change_class"])
    if (row.get("n") or 0) < 2:
        return "one score only"
    return "no threshold published"


def scores_section(pdf: Document, record: ClientRecord, catalog: Catalog) -> None:
    """The scores table."""
    pdf.heading("Scores: first and latest in this episode")
    rows = score_rows(record, catalog)
    if not rows:
        pdf.paragraph("No scores in this episode yet.")
        return
    pdf.grid(
        ("Measure", "First", "Latest", "Change", "Classification", "Band now"),
        rows,
        widths=(21, 12, 12, 14, 22, 19),
    )


def report_figures(record: ClientRecord, catalog: Catalog) -> list[go.Figure]:
    """The report's charts: its ``[display] report`` measures with scores, in display order."""
    present = set(record.scores.filter(pl.col("score").is_not_null())["measure"].unique())
    figures = []
    for instrument in catalog.where(lambda d: d.report):
        if instrument.id in present:
            fig = trajectory_figure(record, instrument.id, catalog=catalog)
            set_height(fig, CHART_PX[1])
            fig.update_layout(margin={"l": 56, "r": 12})
            figures.append(fig)
    return figures


def charts_section(
    pdf: Document,
    record: ClientRecord,
    catalog: Catalog,
    *,
    charts: bool,
    browser_path: str | Path | None,
) -> None:
    """Two charts a row, or a sentence saying why they are not included."""
    figures = report_figures(record, catalog)
    if not figures:
        return
    pdf.heading("Charts", room=75)
    images = render_all(figures, browser_path) if charts else [Rendered(None, NOT_REQUESTED)]
    missing = next((image for image in images if image.png is None), None)
    if missing is not None:
        pdf.paragraph(f"Charts are not included: {missing.reason}.")
        return
    width = (pdf.epw - 4) / 2
    height = width * CHART_PX[1] / CHART_PX[0]
    for i, image in enumerate(images):
        if i % 2 == 0 and pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        x = pdf.l_margin + (i % 2) * (width + 4)
        y = pdf.get_y()
        pdf.image(io.BytesIO(image.png or b""), x=x, y=y, w=width, h=height)
        if i % 2 == 1 or i == len(images) - 1:
            pdf.set_xy(pdf.l_margin, y + height + 2)


def render_all(figures: list[go.Figure], browser_path: str | Path | None) -> list[Rendered]:
    """Render each figure; stop at the first that cannot be drawn."""
    images = []
    for fig in figures:
        image = render_png(fig, width=CHART_PX[0], height=CHART_PX[1], browser_path=browser_path)
        images.append(image)
        if image.png is None:
            break
    return images


def decisions_section(pdf: Document, decisions: pl.DataFrame, *, latest: int = 4) -> None:
    """The team's most recent weekly decisions."""
    pdf.heading("Latest team decisions", room=20)
    if decisions.is_empty():
        pdf.paragraph("No decisions recorded in this episode yet.")
        return
    rows = [
        (
            f"{row['week_of']:%d %b %Y}",
            row["decision"].replace("_", " "),
            row["decided_by"],
            row["note"] or "",
        )
        for row in decisions.sort("decided_at", descending=True).head(latest).iter_rows(named=True)
    ]
    pdf.grid(("Week of", "Decision", "By", "Note"), rows, widths=(14, 14, 14, 58))
