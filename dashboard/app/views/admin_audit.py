"""Administrators: the audit log (sign-ins, views of client records, exports, changes)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import access, clock
from dashboard.app.admin_tables import AUDIT_WIDTHS, action_words, audit_table
from dashboard.app.guard import page_viewer
from dashboard.app.views.admin_notifications import undelivered_banner
from dashboard.app.views.admin_table import show_table
from dashboard.store.engine import read


def render() -> None:
    """Draw the audit log page."""
    context, viewer = page_viewer("admin_audit")
    st.title("Audit log")
    undelivered_banner(context, viewer)
    with read(context.engine) as connection:
        actions = access.audit_actions(connection)
        left, middle, right = st.columns(3)
        actor = left.text_input("Who (username)").strip() or None
        action = middle.selectbox(
            "What",
            [None, *actions],
            format_func=lambda a: "Everything" if a is None else action_words(a),
        )
        since = right.date_input("Since", value=clock.today() - dt.timedelta(days=30))
        rows = access.audit_log(connection, viewer, actor=actor, action=action, since=since)
    entries = "entry" if rows.height == 1 else "entries"
    st.caption(f"{rows.height:,} {entries}, newest first (at most 1,000 shown).")
    show_table(audit_table(rows), AUDIT_WIDTHS)
