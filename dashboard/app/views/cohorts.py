"""Program directors: define, save and compare cohorts, with every figure drawn from the
same privacy release as the program overview, benchmarks beside, and the quarterly chart."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import streamlit as st

from dashboard import clock
from dashboard.app import cache
from dashboard.app.context import AppContext
from dashboard.app.downloads import built_on_click
from dashboard.app.guard import page_viewer
from dashboard.auth.permissions import Action, allowed
from dashboard.auth.viewer import Viewer
from dashboard.cohorts.benchmarks import benchmarks_for
from dashboard.cohorts.cohort_figures import (
    Row,
    compare,
    comparison_table,
    quarter_chart,
    unusable,
)
from dashboard.cohorts.cohort_release import CohortData
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.exports import audit_table_export
from dashboard.cohorts.saved import save_cohort, saved_cohorts
from dashboard.figures.control_chart import control_chart_figure
from dashboard.privacy.periods import Granularity, cut_off
from dashboard.reports.spreadsheet import XLSX_MIME
from measures.csv_safety import neutralise_text_columns

BLOCK_NAMES = {"Year": Granularity.YEAR, "Quarter": Granularity.QUARTER}


def render() -> None:
    """Draw the cohort page."""
    context, viewer = page_viewer("cohorts")
    st.title("Cohorts")
    until = cut_off(clock.today())
    data = cache.cohort_data(context, viewer, until)
    with st.expander("Define a cohort", expanded=False, icon=":material/add:"):
        _define(context, viewer, data)
    cohorts, unreadable = saved_cohorts(context.engine, viewer)
    usable = [c for c in cohorts if unusable(c) is None]
    for cohort in cohorts:
        reason = unusable(cohort)
        if reason:
            st.caption(f"Saved cohort **{cohort.name}** is not compared here: {reason}.")
    for problem in unreadable:
        st.caption(f"A saved cohort could not be read: {problem}.")
    if len(usable) < 2:
        st.info("Save at least two cohorts (above) to compare them.")
        return
    names = [c.name for c in usable]
    chosen = st.multiselect(
        "Compare (two to four; the first is the reference)",
        names,
        default=names[:2],
        max_selections=4,
    )
    picked = [next(c for c in usable if c.name == n) for n in chosen]
    if len(picked) < 2:
        st.info("Choose two to four cohorts.")
        return
    _comparison(context, viewer, data, picked)


def _define(context: AppContext, viewer: Viewer, data: CohortData) -> None:
    release = data.release
    kind = st.radio("Period", list(BLOCK_NAMES), horizontal=True, key="cohort-kind")
    granularity = BLOCK_NAMES[str(kind)]
    blocks = sorted(release.values("period", granularity.value), reverse=True)
    if not blocks:
        st.info(f"No episodes at your sites were discharged up to {data.until:%d %b %Y}.")
        return
    with st.form("define-cohort", border=False, clear_on_submit=True):
        name = st.text_input("Name", max_chars=100)
        block = st.selectbox(f"{kind} of discharge", blocks)
        sites = st.multiselect("Sites (none chosen: all)", release.values("site", "site"))
        codes = {name: code for code, name in data.track_names.items()}
        tracks = st.multiselect("Tracks (none chosen: all)", sorted(codes))
        saved = st.form_submit_button(
            "Save cohort", disabled=not allowed(viewer, Action.SAVE_COHORTS)
        )
    if not saved:
        return
    categories: dict[str, tuple[str, ...]] = {}
    if sites:
        categories["site"] = tuple(sites)
    if tracks:
        categories["track"] = tuple(codes[t] for t in tracks)
    try:
        cohort = Cohort(name=name, granularity=granularity, block=str(block), categories=categories)
        save_cohort(context.engine, viewer, cohort)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.success(f"Saved “{cohort.name}”: {cohort.describe()}.")


def _comparison(
    context: AppContext, viewer: Viewer, data: CohortData, cohorts: list[Cohort]
) -> None:
    threshold = data.release.spec.threshold
    st.subheader("Definitions")
    st.markdown("\n".join(f"- **{c.name}**: {c.describe()}." for c in cohorts))
    rows = compare(data, cohorts, context.catalog, minimum=threshold)
    table = comparison_table(rows, [c.name for c in cohorts])
    st.subheader("Side by side")
    st.caption(
        "Each figure with its 95% interval and n; each later cohort minus the first with the "
        "95% interval of the difference (shares: Newcombe's hybrid score interval, in "
        "percentage points; means: Welch). **Withheld**: counts from 1 to "
        f"{threshold - 1}, every figure built on them and others chosen so that none can be "
        "worked out; means are shown only beside a released count. Completeness (paired "
        "scores) comes first for each measure: every change figure rests on it."
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={"Figure": st.column_config.Column(pinned=True)},
    )
    with st.expander("What each figure counts"):
        st.markdown("\n".join(f"- **{r.label}**: {r.definition}." for r in rows))
    _benchmarks(rows, [c.name for c in cohorts])
    _chart(data, cohorts[0])
    name = "cohorts-" + "-".join(c.name for c in cohorts).lower().replace(" ", "-")
    buffer = io.BytesIO()
    neutralise_text_columns(table, columns=table.columns).write_csv(buffer)
    buttons = st.container(horizontal=True)
    if buttons.download_button(
        "Download the comparison (CSV)",
        data=buffer.getvalue(),
        file_name=f"{name[:80]}.csv",
        mime="text/csv",
        icon=":material/download:",
    ):
        audit_table_export(
            context.engine, viewer, period=data.until.isoformat(), grouping="cohorts"
        )
    for label, file_format, mime, icon in (
        ("Download the report (XLSX)", "xlsx", XLSX_MIME, ":material/table_view:"),
        ("Download the report (PDF)", "pdf", "application/pdf", ":material/picture_as_pdf:"),
    ):
        buttons.download_button(
            label,
            data=built_on_click(context, _report(context, data.until, cohorts, file_format)),
            file_name=f"{name[:80]}.{file_format}",
            mime=mime,
            icon=icon,
            on_click="ignore",
        )


def _report(
    context: AppContext, until: dt.date, cohorts: list[Cohort], file_format: str
) -> Callable[[Viewer], bytes]:
    """The cohort report, built from the release of the viewer who clicks and audited
    (``export-cohort-report``, with its format) when downloaded: one audit row each."""
    from dashboard.reports.cohort_report import cohort_report
    from dashboard.reports.export import export_cohort_report

    def build(viewer: Viewer) -> bytes:
        data = cache.cohort_data(context, viewer, until)
        report = cohort_report(data, cohorts, context.catalog)
        return export_cohort_report(context.engine, viewer, report, file_format=file_format)

    return build


def _benchmarks(rows: list[Row], names: list[str]) -> None:
    st.subheader("Beside published rates")
    lines = []
    for row in rows:
        if row.benchmark is None:
            continue
        own = ", ".join(
            f"{n}: {f.estimate:.0%}"
            if f.available and f.estimate is not None
            else f"{n}: {f.missing}"
            for n, f in zip(names, row.figures, strict=True)
        )
        for b in benchmarks_for(row.benchmark):
            lines.append(
                f"- **{row.label}**: {own}. **{b.label}**: {b.percent} ({b.period}; "
                f"{b.population}). *How it differs:* {b.differs} Source: [{b.source}]({b.url})."
            )
    st.markdown("\n".join(lines) if lines else "No published rate matches these figures.")


def _chart(data: CohortData, cohort: Cohort) -> None:
    st.subheader(f"Completed or stepped down by quarter: {cohort.name}")
    chart, withheld = quarter_chart(data, cohort, numerator="completed", denominator="episodes")
    if chart.points.is_empty():
        st.info(
            f"No quarter can be charted for {cohort.describe()}: the counts of every quarter "
            f"({', '.join(withheld) or 'none'}) are withheld. A cohort of more sites or tracks "
            "has larger quarters."
        )
        return
    st.plotly_chart(
        control_chart_figure(chart, title="Completed or stepped down, of discharges"),
        config={"displayModeBar": False},
    )
    note = f" Quarters withheld: {', '.join(withheld)}." if withheld else ""
    st.caption(
        f"{cohort.describe()}, every quarter, not only the cohort's block. A point beyond "
        "its limits (3 sigma, stepping with each quarter's size) is a signal, not noise." + note
    )
