"""Single sign-on in a real browser: `iop serve` with ``[auth]`` configured against a real
OpenID Connect provider process (panva's oidc-provider on Node.js). Signing in at the
provider's own login page lands in the app as the account the e-mail maps to, on the
page asked for; an unknown e-mail is refused with the reason; signing out ends the
session here and at the provider. Desktop (1280 px) and phone (390 px); the last
screens are saved in SHOTS."""

from __future__ import annotations

import contextlib
import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.app.web.identity import Flow
from dashboard.store.engine import make_engine
from tests.e2e.conftest import (
    DEMO_PROGRAM,
    SHOTS,
    database_copy,
    open_menu,
    serving,
    wait_idle,
)
from tests.support.oidc_provider import OidcProvider
from tests.support.ports import free_port

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

SIZES = ["desktop", "phone"]
CLIENT_ID = "iop-outcomes"
CLIENT_SECRET = "a-test-client-secret-of-the-provider"  # the test provider's
CLINICIAN_EMAIL = "Demo.Clinician@hillcrest.example"  # the demo clinician's, set below
UNKNOWN_EMAIL = "nobody@elsewhere.example"
DEMO_CLIENT = "Alder Elk (C0215)"
SIGN_IN_URL = re.compile(r"/sign-in(\?.*)?$")
REFUSED = (
    f"No IOP Outcomes account has the e-mail address {UNKNOWN_EMAIL}. "
    "Ask an administrator to add it to your account."
)


@dataclass(frozen=True)
class SingleSignOn:
    """The app's URL, its database and the provider it signs in with."""

    url: str
    database: str
    provider: OidcProvider


@pytest.fixture(scope="module")
def sso(
    chromium: str, demo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SingleSignOn]:
    """The provider and a server of the module's own configured to sign in with it; the
    demo clinician's account has an e-mail address (as ``iop users`` would set)."""
    folder = tmp_path_factory.mktemp("e2e-sso")
    database = database_copy(demo_url, folder)
    engine = make_engine(database)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE users SET email = :email WHERE username = 'clinician'"),
            {"email": CLINICIAN_EMAIL},
        )
    engine.dispose()
    app_port = free_port()
    app = f"http://127.0.0.1:{app_port}"
    home = folder / "home"  # the server's ~/.streamlit/secrets.toml holds [auth]
    (home / ".streamlit").mkdir(parents=True)
    with OidcProvider(
        port=free_port(),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=f"{app}/oauth2callback",
        post_logout_redirect_uri=f"{app}/sign-in",
        log=folder / "provider.log",
    ) as provider:
        _secrets(home / ".streamlit" / "secrets.toml", app=app, provider=provider)
        with serving(database, DEMO_PROGRAM, folder, port=app_port, env={"HOME": str(home)}):
            yield SingleSignOn(url=app, database=database, provider=provider)


def _secrets(path: Path, *, app: str, provider: OidcProvider) -> None:
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "{app}/oauth2callback"\n'
        'cookie_secret = "not used by IOP Outcomes"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n',
        encoding="utf-8",
    )


@pytest.fixture
def open_sso_page(browser: Browser, sso: SingleSignOn) -> Iterator:
    contexts = []

    def open_(path: str, size: str) -> Page:
        if size == "phone":
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
        else:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(sso.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()


def _shot(page: Page, name: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"sso-{name}-{size}.png", full_page=True)


def _sign_in_at_provider(page: Page, email: str, size: str) -> None:
    """From the app's sign-in form, through the provider's own login page."""
    expect(page).to_have_url(SIGN_IN_URL)
    page.get_by_role("link", name="Sign in with your organisation account").click()
    login = page.locator("input[name=login]")
    expect(login).to_be_visible()  # the provider's page, on its own origin
    assert "/interaction/" in page.url
    _shot(page, "provider-login", size)
    login.fill(email)
    page.locator("input[name=password]").fill("any password: the test provider takes any")
    page.get_by_role("button", name=re.compile("sign-?in", re.IGNORECASE)).click()


def _audit(sso: SingleSignOn) -> list[tuple[str, str, str, str]]:
    engine = make_engine(sso.database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT actor, action, outcome, detail FROM audit_log "
                    "WHERE action IN ('sign-in', 'sign-out') ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    return [(r.actor, r.action, r.outcome, str(r.detail)) for r in rows]


@pytest.mark.parametrize("size", SIZES)
def test_signing_in_through_the_provider_lands_as_the_mapped_account_and_signs_out(
    open_sso_page, sso, size
):
    page = open_sso_page("/client_progress?client=C0215", size)
    _sign_in_at_provider(page, CLINICIAN_EMAIL.lower(), size)  # e-mail matched in any case
    expect(page.get_by_role("heading", name=DEMO_CLIENT, level=3)).to_be_visible()
    wait_idle(page)  # the deep link survived the provider's round trip
    expect(page).to_have_url(re.compile(r"/client_progress\?client=C0215$"))
    cookies = {c["name"]: c for c in page.context.cookies(sso.url)}
    session = cookies["iop_session"]
    assert (session["httpOnly"], session["sameSite"], session["path"]) == (True, "Lax", "/")
    assert "iop_oidc_flow" not in cookies
    open_menu(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Demo Clinician (clinician)")
    _shot(page, "signed-in", size)
    actor, action, outcome, detail = _audit(sso)[-1]
    assert (actor, action, outcome) == ("clinician", "sign-in", "ok")
    assert "oidc" in detail

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # the provider asks whether to sign out there too (RP-initiated logout)
    page.get_by_role("button", name=re.compile("yes, sign me out", re.IGNORECASE)).click()
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    assert "iop_session" not in {c["name"] for c in page.context.cookies(sso.url)}
    assert _audit(sso)[-1][:2] == ("clinician", "sign-out")
    page.goto(sso.url + "/weekly_review")  # the session has ended here
    expect(page).to_have_url(SIGN_IN_URL)
    # ... and at the provider: it asks for the login again
    page.get_by_role("link", name="Sign in with your organisation account").click()
    expect(page.locator("input[name=login]")).to_be_visible()
    _shot(page, "signed-out", size)


@pytest.mark.parametrize("size", SIZES)
def test_an_identity_without_an_account_is_refused_with_the_reason(open_sso_page, sso, size):
    page = open_sso_page("/", size)
    _sign_in_at_provider(page, UNKNOWN_EMAIL, size)
    expect(page.get_by_role("alert")).to_have_text(REFUSED)  # on the app's sign-in form
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(0)
    assert "iop_session" not in {c["name"] for c in page.context.cookies(sso.url)}
    _shot(page, "refused", size)
    actor, action, outcome, detail = _audit(sso)[-1]
    assert (actor, action, outcome) == (UNKNOWN_EMAIL, "sign-in", "refused")
    assert "no account" in detail


def _callback(sso: SingleSignOn, query: str, flow: Flow | None) -> tuple[int, str, str]:
    """GET /oauth2callback as a browser would; its status, page text and Set-Cookie."""
    request = urllib.request.Request(f"{sso.url}/oauth2callback?{query}")
    if flow is not None:
        request.add_header("Cookie", f"iop_oidc_flow={flow.encode()}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers["set-cookie"]
    except urllib.error.HTTPError as error:
        cookies = ", ".join(error.headers.get_all("set-cookie") or [])
        return error.code, error.read().decode(), cookies


def test_a_callback_that_did_not_start_in_this_browser_or_does_not_verify_is_refused(sso):
    expired = "This sign-in has expired or did not start here. Please sign in again."
    flow = Flow(state="the-state", nonce="n", code_verifier="v" * 43, next_path="/")
    cases = [
        # no flow in this browser: a code sent by someone else's sign-in (login CSRF)
        ("code=abc&state=the-state", None, 403, expired),
        # the browser's flow names another state
        ("code=abc&state=another-state", flow, 403, expired),
        # the person cancelled at the provider
        ("error=access_denied&state=the-state", flow, 403, "did not complete (access_denied)"),
        # a code the provider never issued: the token exchange fails
        ("code=forged&state=the-state", flow, 502, "could not be checked"),
    ]
    for query, sent, status, words in cases:
        got, page, cookies = _callback(sso, query, sent)
        assert (got, words in html.unescape(page)) == (status, True), query
        assert "iop_session=" not in (cookies or ""), query
    with contextlib.closing(make_engine(sso.database).connect()) as connection:
        opened = connection.execute(
            sa.text("SELECT count(*) FROM sessions WHERE ended_at IS NULL")
        ).scalar()
    assert opened == 0
