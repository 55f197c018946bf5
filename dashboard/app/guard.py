"""The first line of every page: the context and the signed-in viewer, or stop."""

from __future__ import annotations

import streamlit as st

from dashboard.app import session
from dashboard.app.context import AppContext, app_context
from dashboard.auth.permissions import Action, allowed
from dashboard.auth.viewer import Viewer


def page_viewer(action: Action) -> tuple[AppContext, Viewer]:
    """Context and viewer for a page that needs ``action``; stops the page otherwise.

    The data layer checks again: this only gives a clear message early.
    """
    context = app_context()
    viewer = session.current_viewer(context)
    if viewer is None:
        st.warning("Please sign in.")
        st.stop()
    if not allowed(viewer, action):
        st.error("Your account cannot open this page.")
        st.stop()
    return context, viewer  # type: ignore[return-value]
