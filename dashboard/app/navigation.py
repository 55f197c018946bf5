"""Which pages each role sees, and the sidebar with the viewer's name and sign-out."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.auth.viewer import Role, Viewer

PAGES = Path(__file__).with_name("screens")


def _page(name: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(
        str(PAGES / f"{name}.py"), title=title, icon=icon, url_path=name, default=default
    )


def pages_for(viewer: Viewer) -> list[st.Page]:
    """The pages a viewer may open; hiding a page is convenience, not access control."""
    if viewer.role is Role.CLINICIAN:
        return [
            _page("weekly_review", "Weekly review", ":material/groups:", default=True),
            _page("client_progress", "Client progress", ":material/person:"),
        ]
    if viewer.role is Role.CLIENT:
        return [
            _page("check_in", "Check-in", ":material/edit_note:", default=True),
            _page("my_progress", "My progress", ":material/trending_up:"),
            _page("my_plan", "My plan", ":material/shield:"),
        ]
    if viewer.role is Role.DIRECTOR:
        return [_page("program_overview", "Program overview", ":material/insights:", default=True)]
    return [
        _page("admin_users", "Users", ":material/manage_accounts:", default=True),
        _page("admin_imports", "Imports", ":material/upload_file:"),
        _page("admin_audit", "Audit log", ":material/fact_check:"),
    ]


def sidebar(context: AppContext, viewer: Viewer) -> None:
    """The viewer's name and role, and the sign-out button."""
    with st.sidebar:
        st.caption(f"Signed in as **{viewer.display_name}** ({viewer.role.value})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            session.sign_out(context)
            st.rerun()
