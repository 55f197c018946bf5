"""Administrators: accounts (add, disable, enable, reset a password)."""

from __future__ import annotations

import streamlit as st

from dashboard import access
from dashboard.app.guard import page_viewer
from dashboard.app.views.admin_notifications import undelivered_banner
from dashboard.auth.accounts import AccountError, create_user, reset_password, set_active
from dashboard.auth.viewer import ACCOUNT_ROLES, Role
from dashboard.store.engine import read


def render() -> None:
    """Draw the accounts page."""
    context, viewer = page_viewer("admin_users")
    st.title("Users")
    undelivered_banner(context, viewer)
    with read(context.engine) as connection:
        accounts = access.accounts(connection, viewer)
        sites = access.site_names(connection)
    st.dataframe(accounts, hide_index=True)
    left, right = st.columns(2)
    with left, st.form("add_user", clear_on_submit=True):
        st.subheader("Add an account")
        username = st.text_input("New username")
        role = st.selectbox("Role", [r.value for r in ACCOUNT_ROLES], index=1)
        chosen_sites = st.multiselect("Sites", sites)
        client = st.text_input("Client id (client accounts only)")
        email = st.text_input("E-mail for sign-in with the identity provider (optional)")
        password = st.text_input("Initial password", type="password")
        if st.form_submit_button("Add account"):
            try:
                create_user(
                    context.engine,
                    viewer,
                    username=username.strip(),
                    role=Role(role),
                    password=password or None,
                    sites=chosen_sites,
                    client_code=client.strip() or None,
                    email=email.strip() or None,
                )
                st.success(f"Account {username} created.")
            except AccountError as exc:
                st.error(str(exc))
    with right:
        st.subheader("Change an account")
        username = st.selectbox("Account", accounts["username"].to_list(), key="change_user")
        new_password = st.text_input("New password", type="password", key="new_password")
        one, two, three = st.columns(3)
        try:
            if one.button("Reset password", disabled=not new_password):
                reset_password(context.engine, viewer, username, new_password)
                st.success(f"Password of {username} reset; any lock-out lifted.")
            if two.button("Disable"):
                set_active(context.engine, viewer, username, active=False)
                st.rerun()
            if three.button("Enable"):
                set_active(context.engine, viewer, username, active=True)
                st.rerun()
        except AccountError as exc:
            st.error(str(exc))
