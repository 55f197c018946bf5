"""The signed-in session: who the viewer is, idle time-out, sign-out (Streamlit state only)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import audit_client_view
from dashboard.store.audit import record_event
from dashboard.store.engine import write

_VIEWER = "viewer"
_LAST_SEEN = "last_seen"
_NOTICE = "sign_in_notice"


def current_viewer(context: AppContext, *, now: dt.datetime | None = None) -> Viewer | None:
    """The signed-in viewer, or None; ends the session after the idle time-out."""
    now = now or dt.datetime.now()
    viewer = st.session_state.get(_VIEWER)
    if viewer is None:
        return None
    last_seen = st.session_state.get(_LAST_SEEN, now)
    if now - last_seen > dt.timedelta(minutes=context.idle_minutes):
        sign_out(context, reason="idle")
        st.session_state[_NOTICE] = (
            f"You were signed out after {context.idle_minutes} minutes without activity."
        )
        return None
    st.session_state[_LAST_SEEN] = now
    return viewer


def start(viewer: Viewer) -> None:
    """Begin a session for ``viewer`` (after a successful sign-in)."""
    st.session_state.clear()
    st.session_state[_VIEWER] = viewer
    st.session_state[_LAST_SEEN] = dt.datetime.now()


def sign_out(context: AppContext, *, reason: str = "user") -> None:
    """End the session (audited) and forget everything it held."""
    viewer = st.session_state.get(_VIEWER)
    if viewer is not None:
        with write(context.engine, changes=False) as connection:
            record_event(
                connection, actor=viewer.username, action="sign-out", detail={"reason": reason}
            )
    st.session_state.clear()


def take_notice() -> str | None:
    """A one-time message for the sign-in page (e.g. signed out for inactivity)."""
    return st.session_state.pop(_NOTICE, None)


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
