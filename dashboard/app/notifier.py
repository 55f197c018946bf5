"""The app process's notification sender: one background thread per database, started once."""

from __future__ import annotations

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.auth.viewer import operator_viewer
from dashboard.notify import Sender

#: Seconds between two passes over the outbox (a queued safety answer wakes it at once).
POLL_SECONDS = 15.0
#: Who sends, in the audit log.
ACTOR = "app:notify"


@st.cache_resource(show_spinner=False)
def _sender(_context: AppContext, database: str) -> Sender:
    return Sender(
        _context.engine, _context.settings, operator_viewer(ACTOR), poll_seconds=POLL_SECONDS
    ).start()


def notifier(context: AppContext) -> Sender:
    """The running sender of this app process (started at its first page)."""
    return _sender(context, context.engine.url.render_as_string(hide_password=True))


def start_if_configured(context: AppContext) -> None:
    """Start the sender when the program has on-call contacts (nothing is queued otherwise)."""
    if context.settings.on_call:
        notifier(context)
