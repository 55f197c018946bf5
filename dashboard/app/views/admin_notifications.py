"""Administrators: the on-call notifications, those that did not leave first."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import access
from dashboard.app.admin_tables import when
from dashboard.app.context import AppContext
from dashboard.app.guard import page_viewer
from dashboard.auth.viewer import Viewer
from dashboard.notify import outbox_rows, undelivered
from dashboard.store.engine import read
from measures.formatting import counted

_HEADINGS = {
    "notification_id": "#",
    "queued_at": "Queued",
    "site": "Site",
    "channel": "Channel",
    "destination": "To",
    "status": "Status",
    "attempts": "Attempts",
    "last_error": "Last error",
    "next_attempt_at": "Next attempt",
    "sent_at": "Sent",
}


def render() -> None:
    """Draw the notifications page."""
    context, viewer = page_viewer("admin_notifications")
    st.title("Notifications")
    st.caption(
        "A safety answer in a check-in is sent at once to the on-call contacts of the "
        "client's site ([[on_call]] in the program file). No message names the client or "
        "holds an answer: only the site and a link to the app."
    )
    undelivered_banner(context, viewer, here=True)
    _sites_without_on_call(context)
    with read(context.engine) as connection:
        rows = outbox_rows(connection, viewer)
    if rows.is_empty():
        st.info("No notification has been queued yet.")
        return
    st.dataframe(_shown(rows), hide_index=True)


def undelivered_banner(context: AppContext, viewer: Viewer, *, here: bool = False) -> None:
    """An error banner while any notification did not leave (given up, failing, or late)."""
    with read(context.engine) as connection:
        problems = undelivered(connection, viewer)
    if problems.is_empty():
        return
    given_up = problems.filter(pl.col("status") == "failed").height
    where = "" if here else " See Notifications."
    st.error(
        f"{counted(problems.height, 'on-call notification')} of safety answers "
        f"{'has' if problems.height == 1 else 'have'} not been delivered ({given_up} given up "
        "after every attempt). The team at those sites "
        f"may not know of the answer: tell them another way.{where}",
        icon=":material/notifications_off:",
    )
    if here:
        st.dataframe(_shown(problems), hide_index=True)


def _sites_without_on_call(context: AppContext) -> None:
    with read(context.engine) as connection:
        sites = access.site_names(connection)
    missing = [s for s in sites if context.settings.on_call_for(s) is None]
    if missing:
        st.warning(
            f"No on-call contact for {', '.join(missing)}: a safety answer there waits for "
            "the team's next review. Add an [[on_call]] table to the program file.",
            icon=":material/person_off:",
        )


def _shown(rows: pl.DataFrame) -> pl.DataFrame:
    """The outbox in plain words: dates to the minute, blanks rather than "None"."""
    status = {"queued": "Waiting to be sent", "sent": "Sent", "failed": "Given up"}
    channel = {"email": "E-mail", "webhook": "Webhook"}
    plain = rows.with_columns(
        *(when(c) for c in ("queued_at", "next_attempt_at", "sent_at")),
        pl.col("status").replace_strict(status, default=pl.col("status")),
        pl.col("channel").replace_strict(channel, default=pl.col("channel")),
        pl.col("last_error").fill_null(""),
    )
    return plain.select(pl.col(c).alias(h) for c, h in _HEADINGS.items())
