"""IOP Outcomes: the Streamlit entry point; the pages shown depend on the viewer's role."""

from __future__ import annotations

import streamlit as st

from dashboard.app import session
from dashboard.app.context import app_context
from dashboard.app.faults import database_faults_shown
from dashboard.app.navigation import pages_for, sidebar
from dashboard.app.notifier import start_if_configured
from dashboard.app.views import sign_in

st.set_page_config(page_title="IOP Outcomes", page_icon=":material/monitoring:", layout="wide")
context = app_context()
start_if_configured(context)  # on-call notifications leave from this process
with database_faults_shown():  # a locked or unreachable database: a message, not a traceback
    viewer = session.current_viewer(context)
    if viewer is None:
        # no navigation at all until someone is signed in: every URL shows the form
        sign_in.render(context)
        st.stop()
    page = st.navigation(pages_for(viewer))
    session.arrive(page.url_path)
    sidebar(context, viewer)
    page.run()
