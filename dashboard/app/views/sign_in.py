"""The sign-in form (local accounts) and, when configured, the identity provider button."""

from __future__ import annotations

import streamlit as st

from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.auth.accounts import sign_in
from dashboard.auth.oidc import viewer_from_identity
from dashboard.store.demo_flag import demo_accounts


def render(context: AppContext) -> None:
    """Draw the sign-in page; on success start the session and rerun into the app."""
    st.title("IOP Outcomes")
    st.write("Outcome measures for the Intensive Outpatient Program. Please sign in.")
    notice = session.take_notice()
    if notice:
        st.info(notice)
    if _oidc_configured():
        _oidc(context)
    with st.form("sign_in", clear_on_submit=False):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        result = sign_in(context.engine, username.strip(), password)
        if result.viewer is None:
            st.error(result.message)
        else:
            session.start(context, result.viewer)
            st.rerun()
    accounts = demo_accounts(context.engine)
    if accounts:
        st.divider()
        st.caption("This is the demo database (fictional people). Demo accounts, password `demo`:")
        st.markdown("\n".join(f"- `{name}`: {what}" for name, what in accounts))


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _oidc(context: AppContext) -> None:
    user = st.user
    if getattr(user, "is_logged_in", False):
        viewer = viewer_from_identity(context.engine, user.to_dict())
        if viewer is None:
            st.error("There is no IOP Outcomes account for this sign-in. Ask an administrator.")
            st.button("Sign out of the identity provider", on_click=st.logout)
            return
        session.start(context, viewer)
        st.rerun()
    st.button("Sign in with your organisation account", on_click=st.login, type="primary")
    st.caption("Or use a local account:")
