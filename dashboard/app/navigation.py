"""The navigation of a viewer's pages, and the sidebar with their name and sign-out."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import clock
from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.app.pages import pages_of
from dashboard.auth.viewer import Viewer

SCREENS = Path(__file__).with_name("screens")


def pages_for(viewer: Viewer) -> list[st.Page]:
    """The pages a viewer may open; hiding a page is convenience, not access control."""
    return [
        st.Page(
            str(SCREENS / f"{page.name}.py"),
            title=page.title,
            icon=page.icon,
            url_path=page.name,
            default=index == 0,
        )
        for index, page in enumerate(pages_of(viewer.role))
    ]


def sidebar(context: AppContext, viewer: Viewer) -> None:
    """The viewer's name and role, and the sign-out button."""
    with st.sidebar:
        st.caption(f"Signed in as **{viewer.display_name}** ({viewer.role.value})")
        if (day := clock.pinned_day()) is not None:
            st.warning(
                f"Dates are as of {day:%d %B %Y} ({clock.PIN_VARIABLE} is set): "
                "due and overdue measures are worked out for that day, not today.",
                icon=":material/event:",
            )
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            session.sign_out(context)
            st.rerun()
