"""The app process's refresher of the directors' episode outcomes: one thread per database."""

from __future__ import annotations

import os

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.review.outcome_queue import Refresher

#: Seconds between two drains of the outcome queue; IOP_OUTCOMES_REFRESH_SECONDS changes
#: it, 0 turns the thread off (the overview still drains the queue before it reads).
REFRESH_SECONDS = 10.0
VARIABLE = "IOP_OUTCOMES_REFRESH_SECONDS"


def refresh_seconds() -> float:
    """How often the thread drains the queue (0: never).

    >>> refresh_seconds() >= 0
    True
    """
    value = os.environ.get(VARIABLE)
    return float(value) if value else REFRESH_SECONDS


@st.cache_resource(show_spinner=False)
def _refresher(_context: AppContext, database: str, seconds: float) -> Refresher:
    return Refresher(
        _context.engine, _context.catalog, _context.program, poll_seconds=seconds
    ).start()


def start_refresher(context: AppContext) -> None:
    """Start this process's refresher once (unless turned off)."""
    seconds = refresh_seconds()
    if seconds > 0:
        _refresher(context, context.engine.url.render_as_string(hide_password=True), seconds)
