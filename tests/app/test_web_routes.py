"""The HTTP side of sessions, over real HTTP (uvicorn on a free port, the routes and
middleware of `iop serve`, a copy of the demo database): the sign-in form and its
anti-forgery checks, the session cookie, the gate that sends page loads without a session
to the form, sign-out, the keep-alive, and the security headers."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from dashboard.app.web.cookies import sign_out_token
from dashboard.app.web.gate import SessionGate
from dashboard.app.web.headers import SecurityHeaders
from dashboard.app.web.routes import routes
from dashboard.auth.accounts import MAX_FAILED_ATTEMPTS, set_active
from dashboard.auth.sessions import end_session, start_session
from dashboard.auth.viewer import operator_viewer
from dashboard.store import tables as t
from tests.app.conftest import audit_rows
from tests.conftest import viewer_of
from tests.support.faults import write_lock_held

REFUSED = "Username or password is not right."
IDLE_NOTICE = "You were signed out after 15 minutes without activity."


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def cookies(self) -> dict[str, str]:
        """Set-Cookie headers by name: the whole header (value and attributes)."""
        return {v.split("=", 1)[0]: v for k, v in self.headers if k.lower() == "set-cookie"}


@dataclass
class Browser:
    """A browser talking to the test server: keeps cookies, sends a same-site Origin."""

    port: int
    jar: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent.setdefault("Origin", self.origin)
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        reply = Reply(response.status, response.getheaders(), response.read().decode())
        connection.close()
        for header in reply.cookies().values():
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        return reply

    def get(self, path: str, **options: dict[str, str]) -> Reply:
        return self.request("GET", path, **options)

    def sign_in(self, username: str, password: str = "demo", *, next_path: str = "/") -> Reply:
        form = self.get(f"/sign-in?next={next_path}")
        token = re.search(r'name="csrf" value="([^"]+)"', form.body).group(1)
        return self.request(
            "POST",
            "/sign-in",
            form={"csrf": token, "next": next_path, "username": username, "password": password},
        )


async def _page(request: Request) -> PlainTextResponse:
    """Stands in for Streamlit's pages: what the gate lets through."""
    return PlainTextResponse(f"page {request.path_params.get('name', '/')}")


@pytest.fixture
def server(app_db: sa.Engine) -> Iterator[int]:
    """The routes and middleware of `iop serve` on a free port, on a copy of the demo."""
    app = Starlette(
        routes=[*routes(), Route("/", _page), Route("/{name}", _page)],
        middleware=[Middleware(SecurityHeaders), Middleware(SessionGate)],
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    uvi = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uvi.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvi.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield sock.getsockname()[1]
    uvi.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def browser(server: int) -> Browser:
    return Browser(server)


def _sessions(engine: sa.Engine, username: str) -> list[sa.Row]:
    u, s = t.users.c, t.sessions.c
    with engine.connect() as connection:
        return connection.execute(
            sa.select(t.sessions)
            .join(t.users, u.id == s.user_id)
            .where(u.username == username)
            .order_by(s.id)
        ).all()


def _age(engine: sa.Engine, by: dt.timedelta) -> None:
    """Move every session's last_seen_at ``by`` into the past."""
    with engine.begin() as connection:
        rows = connection.execute(sa.select(t.sessions.c.id, t.sessions.c.last_seen_at)).all()
        for row in rows:
            connection.execute(
                t.sessions.update()
                .where(t.sessions.c.id == row.id)
                .values(last_seen_at=row.last_seen_at - by)
            )


def _attributes(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_a_page_load_without_a_session_goes_to_the_form_remembering_the_page(browser):
    for path, remembered in (
        ("/", "%2F"),
        ("/my_plan", "%2Fmy_plan"),
        ("/client_progress?client=C0215", "%2Fclient_progress%3Fclient%3DC0215"),
    ):
        reply = browser.get(path)
        assert reply.status == 303
        assert reply.header("location") == f"/sign-in?next={remembered}"
    assert browser.get("/favicon.png").status == 200  # a file, not a page: not redirected


def test_the_sign_in_form_runs_no_script_and_carries_an_anti_forgery_token(browser):
    reply = browser.get("/sign-in?next=/my_plan")
    assert reply.status == 200
    for text in ("<h1>IOP Outcomes</h1>", 'for="username">Username<', 'for="password">Password<'):
        assert text in reply.body
    assert '<input type="hidden" name="next" value="/my_plan">' in reply.body
    for account in ("clinician", "director", "admin", "client"):  # the demo database
        assert f"<li><code>{account}</code>" in reply.body
    assert "<script" not in reply.body
    csp = reply.header("content-security-policy")
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert reply.header("x-frame-options") == "DENY"
    assert reply.header("x-content-type-options") == "nosniff"
    assert reply.header("referrer-policy") == "same-origin"
    assert reply.header("cache-control") == "no-store"
    csrf = reply.cookies()["iop_csrf"]
    assert {"httponly", "samesite=strict", "path=/sign-in"} <= _attributes(csrf)


def test_a_right_password_sets_an_http_only_session_cookie_and_opens_the_page_asked_for(
    browser, app_db
):
    reply = browser.sign_in("client", next_path="/my_plan")
    assert reply.status == 303
    assert reply.header("location") == "/my_plan"
    cookie = reply.cookies()["iop_session"]
    assert {"httponly", "samesite=lax", "path=/", "max-age=900"} <= _attributes(cookie)
    assert "secure" not in _attributes(cookie)  # plain HTTP here; see the HTTPS test
    token = browser.jar["iop_session"]
    (row,) = _sessions(app_db, "client")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert audit_rows(app_db, "sign-in")[-1][1:] == ("sign-in", None, "ok")

    page = browser.get("/my_plan")
    assert (page.status, page.body) == (200, "page my_plan")
    assert "max-age=" in page.cookies()["iop_session"].lower()  # renewed to the deadline
    again = browser.get("/sign-in?next=/my_progress")  # already signed in: straight on
    assert (again.status, again.header("location")) == (303, "/my_progress")


@pytest.mark.parametrize(
    "next_path",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/sign-out", "javascript:1"],
)
def test_signing_in_never_leads_to_another_site(browser, next_path):
    reply = browser.sign_in("clinician", next_path=next_path)
    assert (reply.status, reply.header("location")) == (303, "/")


def test_a_wrong_password_is_refused_in_the_same_words_as_an_unknown_user(browser, app_db):
    wrong = browser.sign_in("clinician", "nope")
    unknown = browser.sign_in("nobody", "demo")
    for reply in (wrong, unknown):
        assert reply.status == 200
        assert f'<div role="alert">{REFUSED}</div>' in reply.body
    assert "iop_session" not in browser.jar
    assert [r.outcome for r in audit_rows(app_db, "sign-in")] == ["refused", "refused"]
    assert 'value="clinician"' in wrong.body  # the username is kept, never the password


def test_repeated_failures_lock_the_account(browser, app_db):
    for _ in range(MAX_FAILED_ATTEMPTS):
        browser.sign_in("director", "wrong")
    reply = browser.sign_in("director", "demo")
    assert "locked" in reply.body
    assert "iop_session" not in browser.jar
    assert not _sessions(app_db, "director")


@pytest.mark.parametrize("forgery", ["no cookie", "other token", "other site", "no origin"])
def test_a_sign_in_form_that_did_not_come_from_this_site_is_refused(browser, app_db, forgery):
    form = browser.get("/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.body).group(1)
    headers = {}
    if forgery == "no cookie":
        browser.jar.clear()
    elif forgery == "other token":
        token = "x" + token
    elif forgery == "other site":
        headers["Origin"] = "http://evil.example"
    else:
        headers["Origin"] = ""
    reply = browser.request(
        "POST",
        "/sign-in",
        form={"csrf": token, "next": "/", "username": "admin", "password": "demo"},
        headers=headers,
    )
    assert reply.status == 403
    assert "This form has expired or did not come from this site." in reply.body
    assert "iop_session" not in browser.jar
    assert not _sessions(app_db, "admin")
    assert not audit_rows(app_db, "sign-in")  # the password was never checked


def test_a_forged_an_idle_and_another_users_ended_cookie_are_refused(browser, app_db):
    forged = "A" * 43
    idle = start_session(app_db, viewer_of(app_db, "clinician"))
    _age(app_db, dt.timedelta(hours=1))
    ended = start_session(app_db, viewer_of(app_db, "admin"))
    end_session(app_db, ended, reason="user")
    disabled = start_session(app_db, viewer_of(app_db, "director"))
    set_active(app_db, operator_viewer("test"), "director", active=False)
    for token in (forged, idle, ended, disabled):
        browser.jar = {"iop_session": token}
        reply = browser.get("/weekly_review")
        assert reply.status == 303, token
        assert reply.header("location") == "/sign-in?next=%2Fweekly_review"
        form = browser.get("/sign-in?next=/weekly_review")
        assert form.status == 200
        assert "iop_session" not in browser.jar  # the stale cookie is cleared
        notice = (
            IDLE_NOTICE
            if token == idle
            else "Your account is no longer active. Ask an administrator."
            if token == disabled
            else None
        )
        shown = re.search(r'<div role="status">([^<]*)</div>', form.body)
        assert (shown.group(1) if shown else None) == notice
    assert [r.end_reason for r in _sessions(app_db, "clinician")] == ["idle"]


def test_sign_out_ends_the_session_and_clears_the_cookie(browser, app_db):
    browser.sign_in("admin")
    token = browser.jar["iop_session"]
    reply = browser.request("POST", "/sign-out", form={"token": sign_out_token(token)})
    assert (reply.status, reply.header("location")) == (303, "/sign-in")
    assert "max-age=0" in reply.cookies()["iop_session"].lower()
    assert "iop_session" not in browser.jar
    (row,) = _sessions(app_db, "admin")
    assert (row.end_reason, row.ended_at is not None) == ("user", True)
    assert audit_rows(app_db, "sign-out")[-1].actor == "admin"
    browser.jar["iop_session"] = token  # the old cookie, kept by someone
    assert browser.get("/").status == 303


@pytest.mark.parametrize("forgery", ["no token", "other token", "other site"])
def test_a_sign_out_from_another_site_changes_nothing(browser, app_db, forgery):
    browser.sign_in("admin")
    token = browser.jar["iop_session"]
    form = {} if forgery == "no token" else {"token": sign_out_token(token + "x")}
    headers = {}
    if forgery == "other site":
        form = {"token": sign_out_token(token)}
        headers["Origin"] = "http://evil.example"
    reply = browser.request("POST", "/sign-out", form=form, headers=headers)
    assert reply.status == 403
    assert browser.jar["iop_session"] == token
    assert _sessions(app_db, "admin")[0].ended_at is None
    assert browser.get("/").status == 200


def test_the_keep_alive_gives_the_cookie_the_sessions_own_deadline(browser, app_db):
    browser.sign_in("clinician")
    _age(app_db, dt.timedelta(minutes=10))  # ten of the fifteen idle minutes have passed
    reply = browser.get("/session/keep-alive?run=7")
    assert reply.status == 204
    max_age = int(re.search(r"max-age=(\d+)", reply.cookies()["iop_session"].lower()).group(1))
    assert 280 <= max_age <= 300  # five minutes left: the keep-alive extends nothing
    _age(app_db, dt.timedelta(hours=1))
    assert "max-age=0" in browser.get("/session/keep-alive?run=8").cookies()["iop_session"].lower()


def test_over_https_the_cookie_is_secure_and_browsers_are_told_to_keep_to_https(browser):
    https = {"X-Forwarded-Proto": "https"}  # a proxy on this machine terminating TLS
    form = browser.get("/sign-in", headers=https)
    assert "secure" in _attributes(form.cookies()["iop_csrf"])
    token = re.search(r'name="csrf" value="([^"]+)"', form.body).group(1)
    reply = browser.request(
        "POST",
        "/sign-in",
        form={"csrf": token, "next": "/", "username": "client", "password": "demo"},
        headers=https,
    )
    assert "secure" in _attributes(reply.cookies()["iop_session"])
    assert reply.header("strict-transport-security") == "max-age=31536000"


def test_the_first_page_of_a_role_is_served_at_the_root(browser):
    browser.sign_in("client")
    reply = browser.get("/check_in?from=mail")
    assert (reply.status, reply.header("location")) == (303, "/?from=mail")
    assert browser.get("/my_plan").status == 200


def test_signing_in_again_in_the_same_browser_ends_the_session_before(browser, app_db):
    form = browser.get("/sign-in")  # a form left open in one tab...
    token = re.search(r'name="csrf" value="([^"]+)"', form.body).group(1)
    csrf = browser.jar["iop_csrf"]
    browser.sign_in("clinician")  # ...someone signs in in another tab...
    browser.jar["iop_csrf"] = csrf
    browser.request(  # ...and someone else then uses the first form
        "POST",
        "/sign-in",
        form={"csrf": token, "next": "/", "username": "admin", "password": "demo"},
    )
    assert [r.end_reason for r in _sessions(app_db, "clinician")] == ["user"]
    assert [r.ended_at for r in _sessions(app_db, "admin")] == [None]


def test_signing_in_while_another_process_holds_the_lock_says_the_database_is_busy(
    browser, app_db, monkeypatch
):
    monkeypatch.setenv("IOP_LOCK_WAIT_MS", "300")
    with write_lock_held(Path(app_db.url.database or "")):
        reply = browser.sign_in("clinician")
    assert reply.status == 503
    assert "The database is busy: another task (an import?) is writing to it." in reply.body
    assert 'for="password">Password<' in reply.body  # the form stays
    assert "Traceback" not in reply.body
    assert "iop_session" not in browser.jar
    assert _sessions(app_db, "clinician") == []  # no session without its audit row
    assert audit_rows(app_db, "sign-in") == []
    again = browser.sign_in("clinician")  # the lock gone, the same form signs in
    assert (again.status, again.header("location")) == (303, "/")
