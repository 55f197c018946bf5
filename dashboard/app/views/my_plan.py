"""Clients: their relapse-prevention plan, a living document kept in versions."""

from __future__ import annotations

import streamlit as st

from dashboard import access
from dashboard.app.guard import page_viewer
from dashboard.app.views.plan_editor import plan_editor
from dashboard.store.engine import read


def render() -> None:
    """Draw the client's plan page."""
    context, viewer = page_viewer("my_plan")
    st.title("My relapse-prevention plan")
    st.write(
        "Keep this plan close for a hard moment. Change it when things change: every "
        "version is kept, and your care team can see it and help you with it."
    )
    with read(context.engine) as connection:
        code = access.own_client_code(connection, viewer)
    if code is None:
        st.info("There is no record linked to your account yet.")
        return
    plan_editor(context, viewer, code, key="mine")
