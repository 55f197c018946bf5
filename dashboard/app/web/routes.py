"""Signing in and out over plain HTTP, so that the session lives in a cookie.

``GET /sign-in`` shows the form (or goes straight on when already signed in),
``POST /sign-in`` checks the password (lock-out and audit as ever:
``auth.accounts.sign_in``), starts a session and sets the cookie, then opens the page
asked for; ``POST /sign-out`` ends the session and clears the cookie;
``GET /session/keep-alive`` gives the cookie the session's current idle deadline
(the pages call it after every run). Forms carry anti-forgery tokens and must come
from this site.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard.app.faults import fault_text
from dashboard.app.web.context import (
    WebContext,
    identity_provider_configured,
    seconds_until,
    signed_out_notice,
    web_context,
)
from dashboard.app.web.cookies import (
    CSRF_COOKIE,
    IDENTITY_COOKIE,
    IDENTITY_PATH,
    KEEP_ALIVE_PATH,
    SESSION_COOKIE,
    SIGN_IN_PATH,
    SIGN_OUT_PATH,
    clear_session_cookie,
    is_https,
    new_form_token,
    safe_next,
    same_origin,
    set_session_cookie,
    sign_out_token,
    tokens_match,
)
from dashboard.app.web.page import message_html, sign_in_html
from dashboard.auth.accounts import sign_in
from dashboard.auth.sessions import end_session, resume_session, session_status, start_session
from dashboard.store.demo_flag import demo_accounts
from dashboard.store.faults import database_fault
from dashboard.store.schema import SchemaBehind

log = logging.getLogger(__name__)
_EXPIRED_FORM = "This form has expired or did not come from this site. Please sign in again."
#: The longest a username or password read from the form may be.
_LONGEST_FIELD = 1000


def routes() -> list[Route]:
    """The sign-in, sign-out and keep-alive routes (served before Streamlit's own)."""
    return [
        Route(SIGN_IN_PATH, sign_in_page, methods=["GET"]),
        Route(SIGN_IN_PATH, sign_in_submit, methods=["POST"]),
        Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
        Route(KEEP_ALIVE_PATH, keep_alive, methods=["GET"]),
        Route(IDENTITY_PATH, identity_provider, methods=["GET"]),
    ]


async def sign_in_page(request: Request) -> Response:
    """The form; already signed in, straight on to the page asked for."""
    next_path = safe_next(request.query_params.get("next"))
    web = await _context()
    if isinstance(web, Response):
        return web
    token = request.cookies.get(SESSION_COOKIE)
    notice = None
    try:
        if token:
            resumed = await run_in_threadpool(resume_session, web.engine, token, idle=web.idle)
            if resumed.viewer is not None and resumed.expires_at is not None:
                deadline = seconds_until(resumed.expires_at)
                return set_session_cookie(_see_other(next_path), request, token, max_age=deadline)
            ended = resumed.ended
            if ended is None:
                status = await run_in_threadpool(session_status, web.engine, token, idle=web.idle)
                ended = status.ended
            notice = signed_out_notice(ended, idle_minutes=web.idle_minutes)
        response = await _form(request, web, next_path=next_path, notice=notice)
    except Exception as exc:  # a database fault: said in one line
        return _message(503, "Not available", _fault(exc))
    return clear_session_cookie(response, request) if token else response


async def sign_in_submit(request: Request) -> Response:
    """Check the password; on success start a session, set the cookie, open ``next``."""
    form = await request.form()
    next_path = safe_next(_field(form.get("next")))
    web = await _context()
    if isinstance(web, Response):
        return web
    if not same_origin(request) or not tokens_match(
        _field(form.get("csrf")), request.cookies.get(CSRF_COOKIE)
    ):
        return await _form(request, web, next_path=next_path, error=_EXPIRED_FORM, status=403)
    username = _field(form.get("username")).strip()
    password = _field(form.get("password"))
    try:
        result = await run_in_threadpool(sign_in, web.engine, username, password)
        if result.viewer is None:
            return await _form(
                request, web, next_path=next_path, username=username, error=result.message
            )
        token = await run_in_threadpool(start_session, web.engine, result.viewer)
        if previous := request.cookies.get(SESSION_COOKIE):  # one session per browser
            await run_in_threadpool(end_session, web.engine, previous, reason="user")
    except Exception as exc:  # a database fault: said in one line, no session started
        told = _fault(exc)
        return await _form(
            request, web, next_path=next_path, username=username, error=told, status=503
        )
    response = set_session_cookie(_see_other(next_path), request, token, max_age=_idle_seconds(web))
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH)
    return response


async def sign_out(request: Request) -> Response:
    """End the session (audited), clear the cookie and show the sign-in form: a new page,
    so nothing of the person who signed out stays on the screen. Signed in through the
    identity provider, Streamlit's identity cookie is cleared too (its own route)."""
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE)
    if not same_origin(request) or (
        token and not tokens_match(_field(form.get("token")), sign_out_token(token))
    ):
        return _message(403, "Not signed out", "This sign-out did not come from this site.")
    if token:
        web = await _context()
        if isinstance(web, Response):
            return web
        try:
            await run_in_threadpool(end_session, web.engine, token, reason="user")
        except Exception as exc:  # a database fault: said in one line, still signed in
            return _message(503, "Not signed out", _fault(exc))
    identity = request.cookies.get(IDENTITY_COOKIE) and identity_provider_configured()
    response = _see_other(_IDENTITY_SIGN_OUT if identity else SIGN_IN_PATH)
    return clear_session_cookie(response, request)


async def keep_alive(request: Request) -> Response:
    """Give the cookie the session's idle deadline (never extending the session itself);
    a session that is over loses its cookie."""
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return response
    web = await _context()
    if isinstance(web, Response):
        return web
    status = await run_in_threadpool(session_status, web.engine, token, idle=web.idle)
    if status.open and status.expires_at is not None:
        return set_session_cookie(
            response, request, token, max_age=seconds_until(status.expires_at)
        )
    return clear_session_cookie(response, request)


#: The route of Streamlit's that clears its identity cookie (st.logout).
_IDENTITY_SIGN_OUT = "/auth/logout"


async def identity_provider(request: Request) -> Response:
    """Hand over to Streamlit's sign-in with the deployment's identity provider (st.login);
    the pages then map the identity to an account (``auth.oidc``)."""
    if not identity_provider_configured():
        return _see_other(SIGN_IN_PATH)
    from streamlit.auth_util import encode_provider_token

    try:
        provider = encode_provider_token("default")
    except Exception:  # any failure (no authlib...): unavailable, never half signed in
        return _message(
            503, "Not available", "Signing in with the organisation account is not available."
        )
    return _see_other(f"/auth/login?provider={quote(provider)}")


async def _form(
    request: Request,
    web: WebContext,
    *,
    next_path: str,
    username: str = "",
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    form_token = new_form_token()
    nonce = secrets.token_urlsafe(16)
    accounts = await run_in_threadpool(demo_accounts, web.engine)
    body = sign_in_html(
        nonce=nonce,
        form_token=form_token,
        next_path=next_path,
        username=username,
        notice=notice,
        error=error,
        demo_accounts=accounts,
        identity_provider=identity_provider_configured(),
    )
    response = HTMLResponse(body, status_code=status, headers=_page_headers(nonce))
    response.set_cookie(
        CSRF_COOKIE,
        form_token,
        path=SIGN_IN_PATH,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return response


async def _context() -> WebContext | Response:
    """The routes' context, or a page saying why the database cannot be used."""
    try:
        return await run_in_threadpool(web_context)
    except SchemaBehind as exc:
        return _message(503, "Cannot start", f"IOP Outcomes cannot start: {exc}")


def _fault(exc: Exception) -> str:
    """What to tell of a database fault (``app/faults.py``); anything else raises on."""
    fault = database_fault(exc)
    if fault is None:
        raise exc
    log.warning("database fault at sign-in or sign-out: %s (%s)", fault.kind, type(exc).__name__)
    return fault_text(fault)


def _message(status: int, title: str, message: str) -> Response:
    nonce = secrets.token_urlsafe(16)
    return HTMLResponse(
        message_html(nonce=nonce, title=title, message=message),
        status_code=status,
        headers=_page_headers(nonce),
    )


def _page_headers(nonce: str) -> dict[str, str]:
    """The sign-in pages run no script at all and load nothing from elsewhere."""
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; font-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
    }


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


def _field(value: object) -> str:
    """A text field of the form (an upload or an overlong value reads as empty)."""
    return value if isinstance(value, str) and len(value) <= _LONGEST_FIELD else ""


def _idle_seconds(web: WebContext) -> int:
    return web.idle_minutes * 60
