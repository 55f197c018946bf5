"""End-to-end fixtures: the real server (`iop serve`) on a private demo database, and the
distribution's Chromium driven by Playwright.

Chromium missing: the tests fail when IOP_REQUIRE_BROWSER=1 (CI), skip otherwise;
IOP_SKIP_BROWSER=1 skips them explicitly.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dashboard.store.engine import make_engine
from tests.support.ports import free_port
from tests.support.receivers import SmtpServer, on_call_program

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

REPO = Path(__file__).resolve().parents[2]
DEMO_PROGRAM = REPO / "data" / "fixtures" / "demo_program.toml"
#: Screenshots of each journey's last screen, for people to look at (README: Tests).
SHOTS = Path(os.environ.get("IOP_E2E_SHOTS", "/tmp/e2e-shots"))
SKIP_VARIABLE = "IOP_SKIP_BROWSER"
REQUIRE_VARIABLE = "IOP_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
#: Seconds for the server to answer its health check (CI is a 2-core machine).
SERVER_START_TIMEOUT = 60.0
#: Milliseconds any one wait in the browser may take.
UI_TIMEOUT_MS = 30_000
#: `iop serve` with this interpreter (the project's .venv under `make test`).
SERVE = [sys.executable, "-m", "dashboard.cli", "serve"]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo"  # the documented demo password
ON_CALL_SITE = "Hillcrest"  # the demo client's site
ON_CALL_EMAIL = "oncall@hillcrest.example"


def _chromium() -> str | None:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if os.path.isfile(found) and os.access(found, os.X_OK) else None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium's path, or skip/fail by the browser policy."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"browser tests skipped as asked ({SKIP_VARIABLE}=1)")
    problem = None
    path = _chromium()
    if path is None:
        problem = "no Chromium browser found (install the 'chromium' package)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (make dev)"
    if problem is not None:
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{problem}, and {REQUIRE_VARIABLE}=1")
        pytest.skip(f"{problem}: end-to-end browser tests not run")
    return path  # type: ignore[return-value]


def database_copy(demo_url: str, folder: Path) -> str:
    """A private copy of the session's demo database: a server writes to it."""
    engine = make_engine(demo_url)
    with engine.connect() as connection:  # fold the WAL into the file before copying
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    target = folder / "e2e.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def e2e_database(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A private copy of the session's demo database: the server writes to it."""
    return database_copy(demo_url, tmp_path_factory.mktemp("e2e"))


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop `iop serve` and its Streamlit child: Ctrl+C to the group, then kill.

    Ctrl+C (SIGINT to the process group) is how `iop serve` is meant to be stopped:
    Streamlit shuts down and `iop serve` reaps it. SIGTERM to `iop serve` alone would
    leave Streamlit running (see the report).
    """
    for sig, patience in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=patience)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):  # anything left of the group (none expected)
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def serving(
    database: str,
    program: Path,
    logs: Path,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`iop serve` on ``database`` with the program file ``program`` (on ``port``, else a
    free one; ``env`` added to its environment); yields its URL and stops it with Ctrl+C."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | (env or {})
    env |= {"IOP_PROGRAM_CONFIG": str(program), "IOP_DATABASE_URL": database}
    env.pop("IOP_INSTRUMENTS_DIR", None)
    log_path = logs / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--db", database],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    state = (
                        f"exited with {process.returncode}"
                        if process.returncode is not None
                        else f"did not answer /_stcore/health in {SERVER_START_TIMEOUT:.0f} s"
                    )
                    log.flush()
                    pytest.fail(f"iop serve {state}; its log:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
            yield url
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def app_url(
    chromium: str, e2e_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of the real dashboard server (`iop serve`) on the private database."""
    with serving(e2e_database, DEMO_PROGRAM, tmp_path_factory.mktemp("e2e-server")) as url:
        yield url


@pytest.fixture(scope="module")
def own_app_url(
    chromium: str, demo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A server of the module's own, on its own copy of the demo database: for journeys
    that leave the demo client's state changed (a check-in left half-way, a plan)."""
    folder = tmp_path_factory.mktemp("e2e-own")
    with serving(database_copy(demo_url, folder), DEMO_PROGRAM, folder) as url:
        yield url


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) for the on-call server's e-mail."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def on_call_app_url(
    chromium: str,
    demo_url: str,
    smtp_inbox: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A second server, on its own copy of the demo database, whose program file puts an
    on-call e-mail address at the demo client's site (Hillcrest) on ``smtp_inbox``."""
    folder = tmp_path_factory.mktemp("e2e-on-call")
    program = folder / "program.toml"
    program.write_text(
        on_call_program(
            DEMO_PROGRAM.read_text(encoding="utf-8"),
            site=ON_CALL_SITE,
            email=[ON_CALL_EMAIL],
            webhooks=[],
            smtp_port=smtp_inbox.port,
        )
    )
    with serving(database_copy(demo_url, folder), program, folder) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    """The system Chromium, headless; Playwright gives it a fresh temporary profile."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:  # starts the driver bundled in the pip package
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(browser: Browser, app_url: str) -> Iterator[Callable[..., Page]]:
    """Open the app in a new browser context (no shared cookies or storage) at ``path``."""
    yield from _opener(browser, app_url)


@pytest.fixture
def open_own_page(browser: Browser, own_app_url: str) -> Iterator[Callable[..., Page]]:
    """:func:`open_page` on the module's own server."""
    yield from _opener(browser, own_app_url)


@pytest.fixture
def open_on_call_page(browser: Browser, on_call_app_url: str) -> Iterator[Callable[..., Page]]:
    """:func:`open_page` on the server with someone on call."""
    yield from _opener(browser, on_call_app_url)


def _opener(browser: Browser, app_url: str) -> Iterator[Callable[..., Page]]:
    contexts: list[BrowserContext] = []

    def open_(
        path: str = "/", *, phone: bool = False, width: int | None = None, height: int | None = None
    ) -> Page:
        if phone:
            context = browser.new_context(
                viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
            )
        else:
            size = {"width": width or DESKTOP["width"], "height": height or DESKTOP["height"]}
            context = browser.new_context(viewport=size)
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(app_url + path)
        page.get_by_role("main").wait_for()
        return page

    yield open_
    for context in contexts:
        context.close()


# ---- helpers: what a user does and sees ------------------------------------------------

#: Streamlit's own marker of a finished script run (its end-to-end tests wait on it).
_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_idle(page: Page) -> None:
    """Wait until the app has finished the run an action started.

    Call it after waiting for something the run shows (so the run has begun):
    Streamlit shows the new elements as they come, keeping the old ones until the end.
    """
    page.locator(_IDLE).wait_for(state="attached")


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the sign-in form (a plain HTML page: /sign-in)."""
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_menu(page: Page) -> None:
    """Open the sidebar (the menu, the name and Sign out) where a phone keeps it closed."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.is_visible():
        expand.click()
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").wait_for()


def pick_client(page: Page, name: str) -> None:
    """Choose ``name`` (e.g. "Alder Elk (C0215)") in Client progress's picker."""
    page.get_by_test_id("stSelectbox").filter(has_text="Client").click()
    page.keyboard.type(name)  # the list is long and drawn as it scrolls: filter it first
    page.get_by_role("option", name=name, exact=True).click()


def count_box(page: Page, label: str) -> Locator:
    """One of the weekly review's counts above the list ("4 Safety answers")."""
    return page.get_by_test_id("stMarkdownContainer").filter(
        has_text=re.compile(rf"^\d+ {re.escape(label)}\s*$")
    )


def metric(page: Page, label: str) -> int:
    """The number of a count by its label (e.g. the review's "Safety answers")."""
    return int(count_box(page, label).inner_text().split()[0])


def grid_rows(page: Page) -> list[dict[str, str]]:
    """The rows of the first table on the page as drawn: header -> cell text.

    Streamlit's dataframe draws on a canvas (glide-data-grid) and mirrors the rows
    and columns on screen in an ARIA grid inside the canvas: what a screen reader
    reads. It has no layout box, so Playwright counts it hidden (include_hidden).
    """
    grid = page.get_by_test_id("stDataFrame").first.get_by_role("grid", include_hidden=True)
    cell = grid.get_by_role("gridcell", include_hidden=True).first
    cell.wait_for(state="attached")
    headers = grid.get_by_role("columnheader", include_hidden=True).all_text_contents()
    rows = []
    for row in grid.get_by_role("row", include_hidden=True).all():
        cells = row.get_by_role("gridcell", include_hidden=True).all_text_contents()
        if cells:
            rows.append(dict(zip(headers, cells, strict=False)))
    return rows


def grid_rows_when(
    page: Page, condition: Callable[[list[dict[str, str]]], bool], *, seconds: float = 15.0
) -> list[dict[str, str]]:
    """:func:`grid_rows` once ``condition`` holds of them (the canvas redraws after the
    page's rerun), or the last rows read when ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    rows = grid_rows(page)
    while not condition(rows) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        rows = grid_rows(page)
    return rows
