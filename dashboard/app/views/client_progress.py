"""Clinicians: one client's progress: charts, symptoms, readiness, attendance, history."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard import clock
from dashboard.app import cache, session
from dashboard.app.context import AppContext
from dashboard.app.downloads import built_on_click
from dashboard.app.guard import page_viewer
from dashboard.app.records import client_record
from dashboard.app.text import plain, plain_with_links
from dashboard.app.views.plan_editor import plan_editor
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.figures import attendance_figure, item_heatmap, trajectory_figure
from dashboard.review.actions import audit_client_view
from dashboard.review.dates import TABLE_DAY, when, when_expr
from dashboard.review.evidence import ChecklistLine, checklist, citations, readiness_sources
from dashboard.review.flags import UNKNOWN, follow_up_text
from dashboard.review.follow_up_options import ACTIONS, OUTCOMES
from dashboard.review.record import ClientRecord
from measures.change import RESPONSE_CITATIONS, RESPONSE_RULE, RESPONSE_TITLE, response_so_far
from measures.formatting import counted
from measures.readiness import DISCLAIMER
from measures.readiness_config import ASAM_DIMENSIONS
from measures.scoring import safety_unknown


def render() -> None:
    """Draw the client progress page."""
    context, viewer = page_viewer("client_progress")
    st.title("Client progress")
    client_id = _choose_client(context, viewer)
    if client_id is None:
        session.end_view()
        return
    try:
        record = client_record(context, viewer, client_id, as_of=clock.today())
    except NotPermitted as exc:
        st.error(str(exc).capitalize() + ".")
        return
    session.audit_view(context, viewer, client_id, what="view-client")
    _header(record)
    charts, symptoms, readiness, safety, attendance, checkins, plan, table, decisions = st.tabs(
        [
            "Charts",
            "Symptoms",
            "Readiness",
            "Safety",
            "Attendance",
            "Check-ins",
            "Plan",
            "Administrations",
            "Decisions",
        ]
    )
    with charts:
        _charts(context, record)
    with symptoms:
        _symptoms(context, record)
    with readiness:
        _readiness(record)
    with safety:
        _safety(record)
    with attendance:
        st.plotly_chart(attendance_figure(record), config={"displaylogo": False})
    with checkins:
        from dashboard.app.views.checkin_history import render_for_team

        render_for_team(context, viewer, record)
    with plan:
        plan_editor(context, viewer, client_id, key="team")
    with table:
        _administrations(context, record)
    with decisions:
        _decisions(record)
    _report(context, record)


#: The picker's widget key, and the key another page hands a chosen client over in.
_PICKER = "client_picker"
HAND_OVER = "client_id"


def _choose_client(context: AppContext, viewer: Viewer) -> str | None:
    """The client someone picked, kept in the page's URL (``?client=C0215``); or None.

    Nobody is shown until someone picks a client here or on another page (which hands
    it over in ``st.session_state["client_id"]``). The URL holds the choice, so Back and
    Forward go from client to client; the picker follows the URL. An id the viewer's own
    scope does not contain gets the same answer as an unknown one.
    """
    clients = cache.visible_clients(context, viewer)
    if not clients:
        st.info("No clients in your caseload.")
        return None
    handed = st.session_state.pop(HAND_OVER, None)
    if isinstance(handed, str) and handed:
        st.query_params["client"] = handed
    wanted = st.query_params.get("client") or None
    if wanted is not None and wanted not in clients:
        st.error("No client with this id in your caseload.")
        audit_client_view(context.engine, viewer, wanted, what="view-client-refused")
        del st.query_params["client"]
        wanted = None
    if st.session_state.get(_PICKER) != wanted:
        st.session_state[_PICKER] = wanted
    st.selectbox(
        "Client",
        list(clients),
        index=None,
        format_func=clients.__getitem__,
        key=_PICKER,
        placeholder="Choose a client",
        on_change=_picked,
    )
    if wanted is None:
        st.caption("Choose a client to open their record.")
    return wanted


def _picked() -> None:
    """Put the picked client in the URL (a new history entry: Back returns to the last)."""
    picked = st.session_state.get(_PICKER)
    if picked:
        st.query_params["client"] = picked
    else:
        del st.query_params["client"]


def _header(record: ClientRecord) -> None:
    episode = record.episode
    level = record.care_levels.sort("changed_on")["level_of_care"]
    st.subheader(f"{record.display_name or record.client_id} ({record.client_id})")
    st.write(
        f"{episode['track_name']} track at {episode['site']}, clinician "
        f"{episode['clinician'] or 'not assigned'}. Admitted {episode['admitted_on']:%d %b %Y}, "
        f"program week {record.program_week}"
        + (f", level of care {level[-1].upper()}" if level.len() else "")
        + (
            f". Discharged {episode['discharged_on']:%d %b %Y} ({episode['discharge_reason']})."
            if episode["discharged_on"]
            else "."
        )
    )
    open_flags = record.flags.filter(~pl.col("closed"))
    if open_flags.height:
        st.warning(
            f"{counted(open_flags.height, 'safety flag')} without a closing follow-up: record the "
            "follow-up on the weekly review (Safety tab: the history)."
        )
    if record.readiness is not None:
        st.info(f"Step-down readiness: **{record.readiness.status}**. {record.readiness.reason}")


def _charts(context: AppContext, record: ClientRecord) -> None:
    present = set(record.scores["measure"].unique().to_list())
    charted = [i for i in context.catalog.where(lambda d: d.charted) if i.id in present]
    shown = [i.id for i in charted if i.primary is not None]
    for left, right in zip(shown[::2], [*shown[1::2], None], strict=False):
        one, two = st.columns(2)
        with one:
            st.plotly_chart(
                trajectory_figure(record, left, catalog=context.catalog),
                config={"displaylogo": False},
                key=f"chart_{left}",
            )
        if right is not None:
            with two:
                st.plotly_chart(
                    trajectory_figure(record, right, catalog=context.catalog),
                    config={"displaylogo": False},
                    key=f"chart_{right}",
                )
    for instrument in (i for i in charted if i.primary is None):
        # no total (the BAM-R): its subscales side by side
        columns = st.columns(len(instrument.subscales))
        for column, score in zip(columns, instrument.subscales, strict=True):
            with column:
                st.plotly_chart(
                    trajectory_figure(
                        record, instrument.id, score_id=score.id, catalog=context.catalog
                    ),
                    config={"displaylogo": False},
                    key=f"chart_{instrument.id}_{score.id}",
                )
    for measure, note in record.expected_notes.items():
        st.caption(f"{context.catalog[measure].abbreviation}: no expected range shown: {note}")


def _symptoms(context: AppContext, record: ClientRecord) -> None:
    for instrument in context.catalog.where(lambda d: d.symptoms):
        st.plotly_chart(
            item_heatmap(record, instrument.id, catalog=context.catalog),
            config={"displaylogo": False},
            key=f"heatmap_{instrument.id}",
        )


#: Each checklist state's colour on the page (the symbol and the word carry it too).
_COLOURS = {"met": "green", "not met": "red", "not evaluated": "orange", "not applicable": "gray"}


def _readiness(record: ClientRecord) -> None:
    readiness = record.readiness
    if readiness is None:
        st.write("Readiness is not assessed for this episode.")
        return
    st.markdown(f"**Status: {readiness.status}.** {readiness.reason}")
    if readiness.missing_settings:
        st.warning(
            "Not evaluated until the program sets "
            + ", ".join(f"`{s}`" for s in readiness.missing_settings)
            + " in the program file (IOP_PROGRAM_CONFIG): a criterion that cannot be "
            "evaluated is never met, so the status cannot be ready."
        )
    for dimension, lines in checklist(readiness).items():
        st.markdown(f"**ASAM dimension {dimension}: {ASAM_DIMENSIONS[dimension]}**")
        for line in lines:
            _checklist_line(line)
    st.markdown(f"**{RESPONSE_TITLE}**: {response_so_far(record.change)}.")
    st.caption(f"{RESPONSE_RULE} Sources: {citations(RESPONSE_CITATIONS)}.")
    st.caption(DISCLAIMER)
    with st.expander("Sources", icon=":material/menu_book:"):
        st.markdown(
            "\n".join(
                f"- **{plain(s.label)}**: {plain_with_links(s.text)}"
                for s in readiness_sources(readiness)
            )
        )


def _checklist_line(line: ChecklistLine) -> None:
    """The state in colour, symbol and word; the criterion and its evidence; its sources."""
    detail = f" ({plain(line.detail)})" if line.detail else ""
    evidence = f": {plain(line.evidence)}" if line.evidence else ""
    state = f":{_COLOURS[line.state]}[**{line.mark}**]"
    st.markdown(f"{state} · **{plain(line.label)}**{evidence}{detail}")
    if line.citations:
        st.caption(f"Sources: {plain('; '.join(line.citations))}")


def _safety(record: ClientRecord) -> None:
    """Every safety flag of the episode with its follow-up, and every follow-up recorded."""
    if record.flags.is_empty():
        st.write("No safety-item endorsements or unknown safety answers in this episode.")
        return
    st.dataframe(
        pl.DataFrame(
            [
                {
                    "When": when(row["flagged_at"], day=TABLE_DAY),
                    "Item": row["item"],
                    "Answer": row["answer"] + (f" ({row['given']})" if row["given"] else ""),
                    "Follow-up": follow_up_text(row),
                }
                for row in record.flags.sort("flagged_at", descending=True).iter_rows(named=True)
            ]
        ),
        hide_index=True,
    )
    if record.follow_ups.is_empty():
        st.caption("No follow-up recorded yet.")
        return
    st.markdown("**Follow-ups recorded**")
    actions = {a.key: a.label for a in ACTIONS}
    outcomes = {o.key: o.label for o in OUTCOMES}
    elevated = {o.key for o in OUTCOMES if o.elevated}
    st.dataframe(
        record.follow_ups.sort("recorded_at", descending=True).select(
            when_expr("recorded_at").alias("Recorded"),
            pl.format(
                "{}{}",
                pl.col("flagged_on").dt.strftime("%Y-%m-%d"),
                pl.when(pl.col("kind") == UNKNOWN).then(pl.lit(" (unknown)")).otherwise(pl.lit("")),
            ).alias("Flag of"),
            pl.col("action")
            .replace_strict(actions, default=pl.col("action"))
            .alias("What was done"),
            pl.col("outcome").replace_strict(outcomes, default=pl.col("outcome")).alias("Outcome"),
            pl.col("risk_level").fill_null("").alias("Risk level"),
            pl.col("outcome").is_in(list(elevated)).alias("Elevated risk"),
            pl.col("recorded_by").fill_null("").alias("By"),
            pl.col("note").fill_null("").alias("Note"),
        ),
        hide_index=True,
    )


def _administrations(context: AppContext, record: ClientRecord) -> None:
    names = {i.id: i.abbreviation for i in context.catalog}
    table = record.scores.sort("administered_at", descending=True).select(
        when_expr("administered_at").alias("When"),
        pl.col("measure").replace_strict(names, default=pl.col("measure")).alias("Measure"),
        _number("score").alias("Score"),
        pl.col("severity").fill_null("").alias("Band"),
        pl.col("items_answered").alias("Items answered"),
        pl.col("prorated").alias("Prorated"),
        _safety_answer(context).alias("Safety item"),
        pl.col("problems").list.join("; ").alias("Problems"),
        pl.col("source").fill_null("").alias("Source"),
    )
    st.dataframe(table, hide_index=True)


def _number(column: str) -> pl.Expr:
    """A score as people write it (12, 12.5), blank where there is none."""
    value = pl.col(column)
    whole = value.cast(pl.Int64, strict=False).cast(pl.String)
    rounded = value.round(1).cast(pl.String)
    return pl.when(value == value.round()).then(whole).otherwise(rounded).fill_null("")


def _safety_answer(context: AppContext) -> pl.Expr:
    """The safety flag in words: an empty flag is "unknown" only where it was asked."""
    return (
        pl.when(pl.col("critical"))
        .then(pl.lit("endorsed"))
        .when(~pl.col("critical"))
        .then(pl.lit("not endorsed"))
        .when(safety_unknown(context.catalog))
        .then(pl.lit("unknown"))
        .otherwise(pl.lit("not asked"))
    )


def _decisions(record: ClientRecord) -> None:
    if record.decisions.is_empty():
        st.write("No decisions recorded for this episode yet.")
        return
    st.dataframe(
        record.decisions.select(
            pl.col("week_of").dt.strftime(TABLE_DAY).alias("Week of"),
            pl.col("decision").str.replace_all("_", " ").alias("Decision"),
            pl.col("note").fill_null("").alias("Note"),
            pl.col("decided_by").alias("By"),
            when_expr("decided_at").alias("When"),
        ),
        hide_index=True,
    )


def _report(context: AppContext, record: ClientRecord) -> None:
    """The PDF report, drawn when downloaded and audited then (``export-report``, with the
    client): one audit row per download."""
    from dashboard.reports.export import export_client_report

    client_id, as_of = record.client_id, record.as_of
    reference = cache.reference(context, cache.data_version(context))

    def build(viewer: Viewer) -> bytes:
        return export_client_report(
            context.engine,
            viewer,
            client_id,
            catalog=context.catalog,
            program=context.program,
            reference=reference,
            as_of=as_of,
        )

    buttons = st.container(horizontal=True)
    buttons.download_button(
        "Download the PDF report",
        data=built_on_click(context, build),
        file_name=f"report-{client_id}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
    buttons.download_button(
        "Download the scores for the EHR (FHIR)",
        data=built_on_click(context, _fhir_bundle(context, client_id)),
        file_name=f"fhir-{client_id}.json",
        mime="application/fhir+json",
        icon=":material/download:",
        on_click="ignore",
        help=(
            "Every administration of this client with its scores, as a FHIR R4 Bundle "
            "(QuestionnaireResponses and Observations) for the health record."
        ),
    )


def _fhir_bundle(context: AppContext, client_id: str) -> Callable[[Viewer], bytes]:
    """The client's FHIR Bundle, built and audited (``export-fhir``) when downloaded."""
    from dashboard.reports.export import export_client_fhir

    def build(viewer: Viewer) -> bytes:
        return export_client_fhir(
            context.engine,
            viewer,
            client_id,
            catalog=context.catalog,
            identifier_system=context.settings.patient_identifier_system,
        )

    return build
