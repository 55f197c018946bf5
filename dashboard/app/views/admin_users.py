"""Administrators: accounts (add; change role and sites; reset a password; disable, enable).

The data layer keeps the rules (an active administrator is always left, a clinician
has a site, every password passes the policy); the page asks before a change to the
administrator's own account, and says why a change was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from dashboard import access, clock
from dashboard.app.admin_tables import ACCOUNT_WIDTHS, ROLE_WORDS, account_label, accounts_table
from dashboard.app.context import AppContext
from dashboard.app.guard import page_viewer
from dashboard.app.views.admin_notifications import undelivered_banner
from dashboard.app.views.admin_table import show_table
from dashboard.auth.account_rules import AccountError, ConfirmationNeeded
from dashboard.auth.accounts import change_account, create_user, reset_password, set_active
from dashboard.auth.password_policy import PasswordPolicy
from dashboard.auth.viewer import ACCOUNT_ROLES, Role, Viewer
from dashboard.store.engine import read

#: session_state keys: a change waiting for the administrator's confirmation, a
#: message to show after the page runs again, and the add form's generation.
PENDING = "admin_users_pending"
NOTICE = "admin_users_notice"
FORM = "admin_users_form"
NOTHING_CHANGED = "Nothing was changed."


def render() -> None:
    """Draw the accounts page."""
    context, viewer = page_viewer("admin_users")
    st.title("Users")
    undelivered_banner(context, viewer)
    with read(context.engine) as connection:
        accounts = access.accounts(connection, viewer)
        sites = access.site_names(connection)
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        (st.info if notice == NOTHING_CHANGED else st.success)(notice)
    show_table(accounts_table(accounts, now=clock.now()), ACCOUNT_WIDTHS)
    left, right = st.columns(2)
    with left:
        _add_form(context, viewer, sites)
    with right:
        _change_form(context, viewer, accounts, sites)


def _policy_help() -> str:
    try:
        return PasswordPolicy.from_env().summary()
    except ValueError as exc:
        return f"The password policy is not valid: {exc}"


def _add_form(context: AppContext, viewer: Viewer, sites: list[str]) -> None:
    """A new account; the form keeps what was typed when the account is refused."""
    generation = st.session_state.setdefault(FORM, 0)
    with st.form(f"add_user_{generation}"):
        st.subheader("Add an account")
        username = st.text_input("New username")
        name = st.text_input("Name shown to others", help="Leave blank to show the username.")
        role = st.selectbox(
            "Role", ACCOUNT_ROLES, index=1, format_func=lambda r: ROLE_WORDS[r.value]
        )
        chosen_sites = st.multiselect(
            "Sites", sites, help="A clinician sees the clients of their sites: at least one."
        )
        client = st.text_input("Client id (client accounts only)")
        email = st.text_input("E-mail for sign-in with the identity provider (optional)")
        password = st.text_input("Initial password", type="password", help=_policy_help())
        if not st.form_submit_button("Add account"):
            return
    try:
        create_user(
            context.engine,
            viewer,
            username=username.strip(),
            role=Role(role),
            password=password or None,
            display_name=name.strip() or None,
            sites=chosen_sites,
            client_code=client.strip() or None,
            email=email.strip() or None,
        )
    except AccountError as exc:
        st.error(f"The account was not added: {exc}")
        return
    st.session_state[FORM] = generation + 1
    st.session_state[NOTICE] = f"Account {username.strip()} added."
    st.rerun()


def _change_form(
    context: AppContext, viewer: Viewer, accounts: pl.DataFrame, sites: list[str]
) -> None:
    """One account's role and sites, password, and whether it may sign in."""
    st.subheader("Change an account")
    labels = account_label(accounts)
    username = st.selectbox(
        "Account",
        list(labels),
        index=None,
        placeholder="Choose an account",
        format_func=labels.__getitem__,
        key="change_user",
    )
    if username is None:
        st.session_state.pop(PENDING, None)
        return
    account = accounts.row(by_predicate=pl.col("username") == username, named=True)
    pending = st.session_state.get(PENDING)
    if pending is not None and pending["username"] == username:
        _confirm(context, viewer, pending)
        return
    st.session_state.pop(PENDING, None)
    with st.container(border=True):
        _role_and_sites(context, viewer, account, sites)
    with st.container(border=True):
        new_password = st.text_input(
            "New password", type="password", key=f"new_password_{username}", help=_policy_help()
        )
        if st.button("Reset password", disabled=not new_password, key=f"reset_{username}"):
            _act(
                lambda: reset_password(context.engine, viewer, username, new_password),
                f"Password of {username} reset; any lock-out lifted.",
            )
    if account["active"]:
        if st.button("Disable this account", key=f"disable_{username}"):
            _act(
                lambda: set_active(context.engine, viewer, username, active=False),
                f"Account {username} disabled: it can no longer sign in.",
                pending={"username": username, "action": "disable"},
            )
    elif st.button("Enable this account", key=f"enable_{username}"):
        _act(
            lambda: set_active(context.engine, viewer, username, active=True),
            f"Account {username} enabled.",
        )


def _role_and_sites(
    context: AppContext, viewer: Viewer, account: dict[str, Any], sites: list[str]
) -> None:
    username = account["username"]
    role = Role(account["role"])
    current = [s for s in (account["sites"] or "").split(", ") if s]
    roles = [r for r in ACCOUNT_ROLES if (r is Role.CLIENT) == (role is Role.CLIENT)]
    new_role = st.selectbox(
        "Role",
        roles,
        index=roles.index(role),
        format_func=lambda r: ROLE_WORDS[r.value],
        key=f"role_{username}",
        disabled=role is Role.CLIENT,
        help="A client's account stays a client's." if role is Role.CLIENT else None,
    )
    new_sites = st.multiselect("Sites", sites, default=current, key=f"sites_{username}")
    changed = new_role is not role or sorted(new_sites) != sorted(current)
    if st.button("Save role and sites", disabled=not changed, key=f"save_{username}"):
        _act(
            lambda: change_account(
                context.engine, viewer, username, role=new_role, sites=new_sites
            ),
            f"Account {username} is now {ROLE_WORDS[new_role.value].lower()}"
            + (f" at {', '.join(new_sites)}." if new_sites else ", with no site."),
            pending={
                "username": username,
                "action": "change",
                "role": new_role.value,
                "sites": new_sites,
            },
        )


def _act(change: Callable[[], object], done: str, *, pending: dict[str, Any] | None = None) -> None:
    """Make ``change``; on success run the page again with ``done`` shown. A change to
    the viewer's own account waits for their confirmation (``pending``); a refusal is
    shown with its reason."""
    try:
        change()
    except ConfirmationNeeded as question:
        if pending is None:
            raise
        st.session_state[PENDING] = pending | {"question": str(question), "done": done}
        st.rerun()
    except AccountError as exc:
        st.error(f"Not changed: {exc}")
        return
    st.session_state[NOTICE] = done
    st.rerun()


def _confirm(context: AppContext, viewer: Viewer, pending: dict[str, Any]) -> None:
    """Ask the administrator to confirm a change to their own account."""
    username = pending["username"]
    disabling = pending["action"] == "disable"
    st.warning(f"{pending['question']} Are you sure?", icon=":material/warning:")
    no, yes = st.columns(2)  # the safe answer first, neither one highlighted
    label = "Yes, disable my own account" if disabling else "Yes, change my own role"
    if no.button("Cancel", key="confirm_cancel"):
        st.session_state.pop(PENDING, None)
        st.session_state[NOTICE] = NOTHING_CHANGED
        st.rerun()
    if yes.button(label, key="confirm_yes"):
        st.session_state.pop(PENDING, None)
        if disabling:
            _act(
                lambda: set_active(context.engine, viewer, username, active=False, confirmed=True),
                pending["done"],
            )
        else:
            _act(
                lambda: change_account(
                    context.engine,
                    viewer,
                    username,
                    role=Role(pending["role"]),
                    sites=pending["sites"],
                    confirmed=True,
                ),
                pending["done"],
            )
