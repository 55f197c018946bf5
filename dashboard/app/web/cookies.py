"""The session cookie, the forms' anti-forgery tokens, and where a sign-in may lead."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

#: The cookie holding the session's random token (the database keeps its SHA-256).
SESSION_COOKIE = "iop_session"
#: The sign-in form's anti-forgery cookie (compared with the form's hidden field).
CSRF_COOKIE = "iop_csrf"
SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
IDENTITY_PATH = "/sign-in/identity"
KEEP_ALIVE_PATH = "/session/keep-alive"
#: Paths a sign-in never leads back to: the routes above and the server's own.
_NOT_A_PAGE = re.compile(r"^/(sign-in|sign-out|session/|_stcore/|auth/|oauth2callback)")
_LONGEST_NEXT = 2000


def is_https(request: Request) -> bool:
    """Whether the browser reached the app over HTTPS (directly or through a proxy that
    says so in X-Forwarded-Proto, which uvicorn trusts from this machine only)."""
    return request.url.scheme in ("https", "wss")


def session_cookie_header(token: str, *, max_age: int, secure: bool) -> str:
    """The Set-Cookie value giving the browser the session token: script-proof (HttpOnly),
    sent on same-site requests and top-level navigations only (SameSite=Lax), HTTPS-only
    when served so, expiring when the server's idle time-out would end the session.

    >>> session_cookie_header("abc", max_age=900, secure=False)
    'iop_session=abc; HttpOnly; Max-Age=900; Path=/; SameSite=Lax'
    """
    cookie: SimpleCookie = SimpleCookie()
    cookie[SESSION_COOKIE] = token
    morsel = cookie[SESSION_COOKIE]
    morsel["max-age"] = str(max(0, max_age))
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


def set_session_cookie(
    response: Response, request: Request, token: str, *, max_age: int
) -> Response:
    """Set the session cookie (:func:`session_cookie_header`) on ``response``."""
    header = session_cookie_header(token, max_age=max_age, secure=is_https(request))
    response.headers.append("set-cookie", header)
    return response


def clear_session_cookie(response: Response, request: Request) -> Response:
    """Make the browser forget the session token."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )
    return response


def new_form_token() -> str:
    """A random anti-forgery token for the sign-in form (also set as :data:`CSRF_COOKIE`)."""
    return secrets.token_urlsafe(24)


def sign_out_token(session_token: str) -> str:
    """The sign-out form's anti-forgery token: derived from the session's own token, which
    a page of another site can neither read (HttpOnly) nor guess.

    >>> sign_out_token("abc") == sign_out_token("abc") != sign_out_token("abd")
    True
    """
    return hmac.new(session_token.encode(), b"sign-out", hashlib.sha256).hexdigest()


def tokens_match(one: str | None, other: str | None) -> bool:
    """Both present and equal (compared in constant time)."""
    return bool(one) and bool(other) and hmac.compare_digest(str(one), str(other))


def same_origin(request: Request) -> bool:
    """Whether a form post comes from a page of this site: its Origin (or, without one,
    its Referer) names the host the request was sent to."""
    source = request.headers.get("origin") or request.headers.get("referer")
    host = request.headers.get("host")
    if not source or not host or source == "null":
        return False
    return urlsplit(source).netloc.lower() == host.lower()


def safe_next(value: str | None) -> str:
    """The page to open after signing in: a path of this site, else the start page.

    Never another site (no open redirect) and never a sign-in or server route.

    >>> safe_next("/my_plan")
    '/my_plan'
    >>> safe_next("/client_progress?client=C0215")
    '/client_progress?client=C0215'
    >>> [safe_next(v) for v in ("//evil.example/x", "https://evil.example/", "/\\\\evil.example")]
    ['/', '/', '/']
    >>> [safe_next(v) for v in (None, "", "my_plan", "/sign-out", "/my plan", "/a\\nb")]
    ['/', '/', '/', '/', '/', '/']
    """
    if not value or len(value) > _LONGEST_NEXT or not value.startswith("/"):
        return "/"
    if value.startswith("//") or "\\" in value or any(c.isspace() or ord(c) < 32 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or _NOT_A_PAGE.match(parts.path):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")
