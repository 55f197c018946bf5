"""Signing in and out over plain HTTP, so that the session lives in a cookie.

``GET /sign-in`` shows the form (or goes straight on when already signed in),
``POST /sign-in`` checks the password (lock-out and audit as ever:
``auth.accounts.sign_in``), starts a session and sets the cookie, then opens the page
asked for; ``POST /sign-out`` ends the session and clears the cookie;
``GET /session/keep-alive`` gives the cookie the session's current idle deadline
(the pages call it after every run). Forms carry anti-forgery tokens and must come
from this site. With an identity provider configured, ``GET /sign-in/identity`` goes to
the provider and ``GET /oauth2callback`` comes back from it (``web/identity.py``): the
identity is mapped to an account by e-mail (``auth.oidc``) and the same session starts
as with a password; signing out then also signs out at the provider where it can.
"""

from __future__ import annotations

import logging
import secrets

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
from dashboard.app.web.identity import (
    CALLBACK_PATH,
    FLOW_COOKIE,
    FLOW_SECONDS,
    ID_TOKEN_COOKIE,
    Flow,
    IdentityNotConfiguredError,
    IdentityRefusedError,
    IdentitySettings,
    begin,
    finish,
    identity_settings,
    logout_url,
)
from dashboard.app.web.page import message_html, sign_in_html, signed_out_elsewhere_html
from dashboard.auth.accounts import sign_in
from dashboard.auth.oidc import sign_in_with_identity
from dashboard.auth.sessions import end_session, resume_session, session_status, start_session
from dashboard.auth.viewer import Viewer
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
        Route(CALLBACK_PATH, identity_callback, methods=["GET"]),
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
        response = await _start(request, web, result.viewer, next_path=next_path)
    except Exception as exc:  # a database fault: said in one line, no session started
        told = _fault(exc)
        return await _form(
            request, web, next_path=next_path, username=username, error=told, status=503
        )
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH)
    response.delete_cookie(ID_TOKEN_COOKIE, path=SIGN_OUT_PATH)
    return response


async def _start(request: Request, web: WebContext, viewer: Viewer, *, next_path: str) -> Response:
    """Start a session for ``viewer`` (ending this browser's previous one), set the cookie
    and go to ``next_path``."""
    token = await run_in_threadpool(start_session, web.engine, viewer)
    if previous := request.cookies.get(SESSION_COOKIE):  # one session per browser
        await run_in_threadpool(end_session, web.engine, previous, reason="user")
    return set_session_cookie(_see_other(next_path), request, token, max_age=_idle_seconds(web))


async def sign_out(request: Request) -> Response:
    """End the session (audited), clear the cookie and show the sign-in form: a new page,
    so nothing of the person who signed out stays on the screen. Signed in through the
    identity provider, the browser goes on to the provider's sign-out where it has one
    (RP-initiated logout), which leads back to the sign-in form."""
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
    response: Response = _see_other(SIGN_IN_PATH)
    if id_token := request.cookies.get(ID_TOKEN_COOKIE):
        settings = _settings()
        if isinstance(settings, IdentitySettings):
            at_provider = await run_in_threadpool(logout_url, settings, id_token)
            if at_provider:
                nonce = secrets.token_urlsafe(16)
                response = HTMLResponse(
                    signed_out_elsewhere_html(nonce=nonce, url=at_provider),
                    headers=_page_headers(nonce),
                )
    response.delete_cookie(ID_TOKEN_COOKIE, path=SIGN_OUT_PATH)
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


_NOT_AVAILABLE = "Signing in with your organisation account is not available right now."


async def identity_provider(request: Request) -> Response:
    """Go to the organisation's provider to sign in (authorization code flow with PKCE);
    the browser keeps the flow's state in a short-lived cookie for the way back."""
    settings = _settings()
    if isinstance(settings, Response):
        return settings
    next_path = safe_next(request.query_params.get("next"))
    try:
        url, flow = await run_in_threadpool(begin, settings, next_path)
    except Exception as exc:  # the provider cannot be reached or its metadata is wrong
        log.warning("identity provider unavailable at sign-in: %s", type(exc).__name__)
        return _message(503, "Not available", _NOT_AVAILABLE)
    response = _see_other(url)
    response.set_cookie(
        FLOW_COOKIE,
        flow.encode(),
        max_age=FLOW_SECONDS,
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",  # sent on the provider's redirect back, a top-level navigation
        secure=is_https(request),
    )
    return response


async def identity_callback(request: Request) -> Response:
    """Back from the provider: check the state, the code and the ID token, map the e-mail
    to an account (audited), start the session and open the page asked for; an identity
    without an account is refused with the reason on the sign-in form."""
    settings = _settings()
    if isinstance(settings, Response):
        return settings
    web = await _context()
    if isinstance(web, Response):
        return web
    flow = Flow.decode(request.cookies.get(FLOW_COOKIE))
    next_path = safe_next(flow.next_path) if flow else "/"
    try:
        if flow is None:
            msg = "This sign-in has expired or did not start here. Please sign in again."
            raise IdentityRefusedError(msg)
        claims = await run_in_threadpool(finish, settings, dict(request.query_params), flow)
    except IdentityRefusedError as exc:
        return _forget_flow(
            await _form(request, web, next_path=next_path, error=str(exc), status=403)
        )
    except Exception as exc:  # the token exchange or the ID token's checks failed
        log.warning("identity provider sign-in failed: %s", type(exc).__name__)
        error = "Your organisation's sign-in could not be checked. Please try again."
        response = await _form(request, web, next_path=next_path, error=error, status=502)
        return _forget_flow(response)
    try:
        result = await run_in_threadpool(
            sign_in_with_identity, web.engine, claims, email_claim=settings.email_claim
        )
        if result.viewer is None:
            response = await _form(
                request, web, next_path=next_path, error=result.message, status=403
            )
            return _forget_flow(response)
        response = await _start(request, web, result.viewer, next_path=next_path)
    except Exception as exc:  # a database fault: said in one line, no session started
        return _forget_flow(
            await _form(request, web, next_path=next_path, error=_fault(exc), status=503)
        )
    response.set_cookie(
        ID_TOKEN_COOKIE,
        str(claims["id_token"]),
        path=SIGN_OUT_PATH,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return _forget_flow(response)


def _settings() -> IdentitySettings | Response:
    """The provider's settings, or the response instead: back to the sign-in form when
    none is configured, a page saying so when they are unusable."""
    try:
        settings = identity_settings()
    except IdentityNotConfiguredError as exc:
        log.warning("identity provider settings unusable: %s", exc)
        return _message(503, "Not available", _NOT_AVAILABLE)
    return _see_other(SIGN_IN_PATH) if settings is None else settings


def _forget_flow(response: Response) -> Response:
    response.delete_cookie(FLOW_COOKIE, path=CALLBACK_PATH)
    return response


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
