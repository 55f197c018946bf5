"""The signed-in session in Streamlit: its token, the one-time notice, sign-out."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.auth.sessions import end_session, resume_session, start_session
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import audit_client_view

#: The session state key of the session token: the only sign-in state the browser
#: session holds; the viewer and the idle clock live in the database.
SESSION_TOKEN = "session_token"  # noqa: S105 - the key, not a token
_NOTICE = "sign_in_notice"


def current_viewer(context: AppContext, *, now: dt.datetime | None = None) -> Viewer | None:
    """The signed-in viewer, read afresh from the database on every run; or None.

    A session whose account was disabled, or that was idle too long, ends here and
    the sign-in page tells why.
    """
    token = st.session_state.get(SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    resumed = resume_session(
        context.engine, token, idle=dt.timedelta(minutes=context.idle_minutes), now=now
    )
    if resumed.viewer is not None:
        return resumed.viewer
    st.session_state.clear()
    if resumed.ended == "idle":
        st.session_state[_NOTICE] = (
            f"You were signed out after {context.idle_minutes} minutes without activity."
        )
    elif resumed.ended == "disabled":
        st.session_state[_NOTICE] = "Your account is no longer active. Ask an administrator."
    return None


def start(context: AppContext, viewer: Viewer) -> None:
    """Begin a session for ``viewer`` (after a successful sign-in)."""
    token = start_session(context.engine, viewer)
    st.session_state.clear()
    st.session_state[SESSION_TOKEN] = token


def sign_out(context: AppContext) -> None:
    """End the session (audited) and forget everything it held."""
    token = st.session_state.get(SESSION_TOKEN)
    if isinstance(token, str):
        end_session(context.engine, token, reason="user")
    st.session_state.clear()


def take_notice() -> str | None:
    """A one-time message for the sign-in page (e.g. signed out for inactivity)."""
    notice = st.session_state.pop(_NOTICE, None)
    return notice if isinstance(notice, str) else None


_VIEWED = "viewed_record"
_PAGE = "current_page"


def arrive(page: str) -> None:
    """Note the page being shown; leaving a page ends its views (see :func:`audit_view`)."""
    if st.session_state.get(_PAGE) != page:
        st.session_state.pop(_VIEWED, None)
    st.session_state[_PAGE] = page


def audit_view(context: AppContext, viewer: Viewer, client_id: str, *, what: str) -> None:
    """Audit a view of a client's record once per view, not on every rerun of the page.

    A new view starts when another client is shown or the page is opened again.
    """
    if st.session_state.get(_VIEWED) == (what, client_id):
        return
    audit_client_view(context.engine, viewer, client_id, what=what)
    st.session_state[_VIEWED] = (what, client_id)
