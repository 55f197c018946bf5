"""Files built when someone downloads them: built and audited once per download, with
the access the person has at that moment (not when the page was drawn)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.sessions import resume_session
from dashboard.auth.viewer import Viewer


def built_on_click(context: AppContext, build: Callable[[Viewer], bytes]) -> Callable[[], bytes]:
    """The ``data`` of an ``st.download_button``: ``build(viewer)`` runs when the button is
    clicked (once per download, so its audit row is too), for the session's viewer as it
    is then; a session that has ended gets nothing."""
    token = session.session_token()
    idle = dt.timedelta(minutes=context.idle_minutes)

    def data() -> bytes:
        viewer = resume_session(context.engine, token, idle=idle).viewer if token else None
        if viewer is None:
            msg = "you are signed out: sign in again to download"
            raise NotPermitted(msg)
        return build(viewer)

    return data
