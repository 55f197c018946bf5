"""IOP Outcomes: the Streamlit entry point; the pages shown depend on the viewer's role."""

from __future__ import annotations

import streamlit as st

from dashboard.app import session
from dashboard.app.context import app_context
from dashboard.app.faults import database_faults_shown
from dashboard.app.navigation import pages_for, sidebar
from dashboard.app.notifier import start_if_configured
from dashboard.app.refresher import start_refresher
from dashboard.app.views import signed_out

st.set_page_config(page_title="IOP Outcomes", page_icon="📈", layout="wide")
context = app_context()
start_if_configured(context)  # on-call notifications leave from this process
start_refresher(context)  # the directors' episode outcomes, computed soon after any write
with database_faults_shown():  # a locked or unreachable database: a message, not a traceback
    viewer = session.current_viewer(context)
    if viewer is None:
        # the session ended while the page was open: one hidden page replaces the menu, so
        # nothing of the person's pages stays on the screen (page loads go to /sign-in)
        st.navigation([signed_out.page()], position="hidden").run()
        st.stop()
    page = st.navigation(pages_for(viewer))
    session.arrive(page.url_path)
    sidebar(viewer)
    page.run()
