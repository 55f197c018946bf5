"""The signed-in session in Streamlit: its token, the one-time notice, views audited once.

The token comes from the session cookie (set by the sign-in route, ``app/web``) on
every run, so a reload, a new tab or a dropped connection keeps the person signed in.
A token in session state is accepted too: the tests (AppTest) start sessions that way.
A sign-in through the identity provider sets the same cookie (``app/web/routes.py``).
A token is never read from the URL.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.app.web.context import signed_out_notice
from dashboard.app.web.cookies import SESSION_COOKIE
from dashboard.auth.sessions import resume_session, session_status
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import audit_client_view

#: The session state key of a session token not held in the cookie (tests); the viewer
#: and the idle clock live in the database.
SESSION_TOKEN = "session_token"  # noqa: S105 - the key, not a token
_NOTICE = "sign_in_notice"


def session_token() -> str | None:
    """The token of this browser's session: from session state, else the cookie."""
    token = st.session_state.get(SESSION_TOKEN)
    if isinstance(token, str) and token:
        return token
    cookie = st.context.cookies.get(SESSION_COOKIE)
    return cookie if isinstance(cookie, str) and cookie else None


def current_viewer(context: AppContext, *, now: dt.datetime | None = None) -> Viewer | None:
    """The signed-in viewer, read afresh from the database on every run; or None.

    A session whose account was disabled, or that was idle too long, ends here and
    the signed-out page tells why.
    """
    token = session_token()
    if token is None:
        return None
    idle = dt.timedelta(minutes=context.idle_minutes)
    resumed = resume_session(context.engine, token, idle=idle, now=now)
    if resumed.viewer is not None:
        return resumed.viewer
    ended = resumed.ended or session_status(context.engine, token, idle=idle, now=now).ended
    st.session_state.clear()  # nothing of the person stays in this browser session
    notice = signed_out_notice(ended, idle_minutes=context.idle_minutes)
    if notice:
        st.session_state[_NOTICE] = notice
    return None


def notice() -> str | None:
    """Why the session ended, when the server ended it (idle, disabled), or None."""
    value = st.session_state.get(_NOTICE)
    return value if isinstance(value, str) else None


_VIEWED = "viewed_record"
_PAGE = "current_page"


def arrive(page: str) -> None:
    """Note the page being shown; leaving a page ends its views (see :func:`audit_view`)."""
    if st.session_state.get(_PAGE) != page:
        st.session_state.pop(_VIEWED, None)
    st.session_state[_PAGE] = page


def end_view() -> None:
    """The page shows nobody now: the next record it shows is a new view (audited)."""
    st.session_state.pop(_VIEWED, None)


def audit_view(context: AppContext, viewer: Viewer, client_id: str, *, what: str) -> None:
    """Audit a view of a client's record once per view, not on every rerun of the page.

    A new view starts when another client is shown or the page is opened again.
    """
    if st.session_state.get(_VIEWED) == (what, client_id):
        return
    audit_client_view(context.engine, viewer, client_id, what=what)
    st.session_state[_VIEWED] = (what, client_id)
