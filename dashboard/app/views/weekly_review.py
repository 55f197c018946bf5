"""Clinicians: the weekly review: the agenda list beside the open client's review."""

from __future__ import annotations

import streamlit as st

from dashboard import clock
from dashboard.app import cache
from dashboard.app.context import AppContext
from dashboard.app.downloads import built_on_click
from dashboard.app.guard import page_viewer
from dashboard.app.views.review_detail import draw_detail, start_prompt
from dashboard.app.views.review_list import draw_list, open_client
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import week_of
from dashboard.review.agenda import Agenda, Filters
from dashboard.review.priorities import PRIORITIES, TIE_BREAKS, rule_help
from dashboard.review.score_cells import agenda_measures


def render() -> None:
    """Draw the weekly review page."""
    context, viewer = page_viewer("weekly_review")
    today = clock.today()
    st.title("Weekly review")
    caseload = cache.agenda(context, viewer, today)
    about, narrow = st.columns([5, 1], vertical_alignment="center")
    about.caption(
        f"Week of {week_of(today):%A %d %B %Y}. {caseload.rows.height:,} clients, most "
        "urgent first: select one to open their review, then walk the list with Next client."
    )
    with narrow.popover("Filter", icon=":material/filter_list:", width="stretch"):
        filters = _filters(caseload)
    agenda = caseload.narrowed(filters)
    if agenda.rows.is_empty():
        st.info("No active clients in your caseload match these filters.")
        return
    _summary(agenda, context, filters)
    client, page = open_client(agenda)
    listing, review = st.columns([11, 7], gap="medium")
    with listing:
        draw_list(agenda, context.catalog, page=page)
        _order_explained()
    with review:
        if client is None:
            start_prompt(agenda)
        else:
            draw_detail(context, viewer, agenda, client)
    st.divider()
    _packet(context, viewer, agenda, filters)
    _spreadsheet(context, viewer, agenda)


def _filters(caseload: Agenda) -> Filters:
    choices = caseload.choices
    return Filters(
        sites=tuple(st.multiselect("Site", choices.get("sites", ()))),
        tracks=tuple(st.multiselect("Track", choices.get("tracks", ()))),
        clinicians=tuple(st.multiselect("Clinician", choices.get("clinicians", ()))),
    )


def _summary(agenda: Agenda, context: AppContext, filters: Filters) -> None:
    """How many clients each group has; the "?" of each gives the group's rule and this
    program's settings behind it."""
    counts = agenda.counts
    shown = [p for p in PRIORITIES if p.name in counts]
    for column, priority in zip(st.columns(len(shown)), shown, strict=True):
        column.markdown(
            f"**{counts[priority.name]}** {priority.short_name}",
            help=rule_help(priority, program=context.program, catalog=context.catalog),
        )
    chosen = [*filters.sites, *filters.tracks, *filters.clinicians]
    if chosen:
        st.caption("Filtered to " + ", ".join(chosen) + ".")


def _order_explained() -> None:
    with st.expander("How the agenda is ordered"):
        st.markdown(
            "Each client is in the first of these groups whose rule holds:\n\n"
            + "\n".join(f"{p.order}. **{p.name}**: {p.explanation}" for p in PRIORITIES)
        )
        st.markdown(
            "Within a group, in this order (the first that differs decides):\n\n"
            + "\n".join(f"{n}. {t.explanation}" for n, t in enumerate(TIE_BREAKS, start=1))
        )


def _packet(context: AppContext, viewer: Viewer, agenda: Agenda, filters: Filters) -> None:
    """The printable packet: drawn on request (a PDF per run would slow the page).

    It is kept with the filters and day it was drawn for, and offered only while they hold.
    """
    drawn_for = (filters, agenda.as_of)
    if st.button("Prepare the weekly review packet (PDF)", icon=":material/print:"):
        from dashboard.reports.review_packet import review_packet_pdf

        st.session_state["review_packet"] = (
            drawn_for,
            review_packet_pdf(
                agenda.rows,
                measures=[m.abbreviation for m in agenda_measures(context.catalog)],
                generated_by=viewer.display_name,
                week_of=week_of(agenda.as_of),
            ),
        )
    prepared = st.session_state.get("review_packet")
    if (
        prepared
        and prepared[0] == drawn_for
        and st.download_button(
            "Download the packet",
            data=prepared[1],
            file_name=f"review-packet-{week_of(agenda.as_of)}.pdf",
            mime="application/pdf",
        )
    ):
        from dashboard.reports.export import audit_review_packet

        # the packet has left: audited once for each client it lists
        audit_review_packet(
            context.engine,
            viewer,
            agenda.rows["client_id"].to_list(),
            week_of=week_of(agenda.as_of),
        )


def _spreadsheet(context: AppContext, viewer: Viewer, agenda: Agenda) -> None:
    """The agenda as shown (filters applied) as a spreadsheet, built and audited when it
    is downloaded, for the person signed in then (with the same access as drawn)."""
    from dashboard.reports.spreadsheet import XLSX_MIME

    def build(now: Viewer) -> bytes:
        from dashboard.reports.agenda_sheet import agenda_xlsx
        from dashboard.reports.export import audit_review_agenda

        if now.scope_key != viewer.scope_key:
            msg = "your access has changed since the page was drawn: reload it to download"
            raise NotPermitted(msg)
        audit_review_agenda(
            context.engine, now, agenda.rows["client_id"].to_list(), week_of=week_of(agenda.as_of)
        )
        return agenda_xlsx(agenda)

    st.download_button(
        "Download the agenda (XLSX)",
        data=built_on_click(context, build),
        file_name=f"weekly-review-{week_of(agenda.as_of)}.xlsx",
        mime=XLSX_MIME,
        icon=":material/table_view:",
        on_click="ignore",
        help="Every client of the agenda as filtered, in agenda order: one row each.",
    )
