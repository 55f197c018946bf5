"""IOP Outcomes: the Streamlit entry point; the pages shown depend on the viewer's role."""

from __future__ import annotations

import streamlit as st

from dashboard.app import session
from dashboard.app.context import app_context
from dashboard.app.navigation import pages_for, sidebar

st.set_page_config(page_title="IOP Outcomes", page_icon=":material/monitoring:", layout="wide")
context = app_context()
viewer = session.current_viewer(context)
page = st.navigation(pages_for(viewer), position="sidebar" if viewer else "hidden")
if viewer is not None:
    sidebar(context, viewer)
page.run()
