"""Page loads go to the sign-in form unless their cookie names an open session.

This is for the person, not for access: the pages' script reads the viewer from the
cookie on every run and decides what it may see. A page asked for while signed out is
remembered (``/sign-in?next=/my_plan``) and opened after signing in. A page load with an
open session renews the cookie to the session's idle deadline and is marked no-store, so
that the browser's Back button after signing out asks the server (and gets the form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.app.pages import pages_of
from dashboard.app.web.context import seconds_until, web_context
from dashboard.app.web.cookies import (
    SESSION_COOKIE,
    SIGN_IN_PATH,
    is_https,
    session_cookie_header,
)
from dashboard.auth.sessions import resume_session
from dashboard.store.engine import DatabaseLocked
from dashboard.store.schema import SchemaBehind

#: The URL of a page: "/" or one name, no dot (files have one), not a route of ours.
_PAGE = re.compile(r"^/(?:[A-Za-z0-9_-]+/?)?$")
_NOT_PAGES = frozenset({"/oauth2callback", "/sign-in", "/sign-out"})


@dataclass(frozen=True)
class Verdict:
    """What the gate does with a page load."""

    signed_in: bool
    cookie: str | None = None  # the renewed Set-Cookie of an open session
    start_page: str | None = None  # the viewer's first page (served at "/")


class SessionGate:
    """ASGI middleware: see the module's description."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or not _PAGE.match(path)
            or path.rstrip("/") in _NOT_PAGES
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.cookies.get(SESSION_COOKIE)
        verdict = await run_in_threadpool(_verdict, token, is_https(request))
        query = f"?{request.url.query}" if request.url.query else ""
        if verdict is None:  # the database cannot say: the page's script tells why
            await self.app(scope, receive, send)
        elif not verdict.signed_in:
            target = quote(path + query, safe="")
            await _see_other(f"{SIGN_IN_PATH}?next={target}")(scope, receive, send)
        elif verdict.start_page and path.rstrip("/") == f"/{verdict.start_page}":
            # the first page lives at "/": Streamlit calls its own name unknown
            await _see_other("/" + query)(scope, receive, send)
        else:
            cookie = verdict.cookie

            async def send_renewed(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    if cookie:
                        headers.append("set-cookie", cookie)
                    # never from the cache: Back after signing out asks the server again
                    headers["cache-control"] = "no-store"
                await send(message)

            await self.app(scope, receive, send_renewed)


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def _verdict(token: str | None, https: bool) -> Verdict | None:
    """Signed in or not; None when the database cannot be read."""
    try:
        web = web_context()
        if not token:
            return Verdict(signed_in=False)
        resumed = resume_session(web.engine, token, idle=web.idle)
    except (SchemaBehind, DatabaseLocked, sa.exc.SQLAlchemyError):
        return None
    if resumed.viewer is None or resumed.expires_at is None:
        return Verdict(signed_in=False)
    pages = pages_of(resumed.viewer.role)
    return Verdict(
        signed_in=True,
        cookie=session_cookie_header(
            token, max_age=seconds_until(resumed.expires_at), secure=https
        ),
        start_page=pages[0].name if pages else None,
    )
