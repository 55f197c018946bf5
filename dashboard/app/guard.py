"""The first line of every page: the context and the signed-in viewer, or stop."""

from __future__ import annotations

import streamlit as st

from dashboard.app import session
from dashboard.app.context import AppContext, app_context
from dashboard.app.pages import page_named, pages_of
from dashboard.auth.viewer import Viewer


def page_viewer(name: str) -> tuple[AppContext, Viewer]:
    """Context and viewer for the page ``name`` (see ``app/pages.py``); stops otherwise.

    The data layer checks again: this only gives a clear message early.
    """
    page = page_named(name)
    context = app_context()
    viewer = session.current_viewer(context)
    if viewer is None:
        st.warning("Please sign in.")
        st.stop()
    if page not in pages_of(viewer.role):
        st.error("Your account cannot open this page.")
        st.stop()
    return context, viewer
