"""A real OpenID Connect provider for the sign-in tests: panva's ``oidc-provider`` (an
OpenID-certified implementation) run with the distribution's Node.js.

Its packages are pinned in ``tests/support/oidc/package-lock.json`` and installed with
``npm ci`` into ``tests/support/oidc/node_modules`` (ignored by git) the first time a
test needs them, again whenever the lock file changes. Without ``node`` or ``npm`` the
tests that need the provider skip, or fail when IOP_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import pytest

FOLDER = Path(__file__).with_name("oidc")
LOCK = FOLDER / "package-lock.json"
#: The stamp inside node_modules naming the lock file it was installed from.
STAMP = FOLDER / "node_modules" / ".iop-installed"
REQUIRE_VARIABLE = "IOP_REQUIRE_BROWSER"
START_TIMEOUT = 30.0


def _missing(problem: str) -> None:
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{problem}, and {REQUIRE_VARIABLE}=1")
    pytest.skip(f"{problem}: the OpenID Connect provider tests are not run")


def install() -> str:
    """``npm ci`` the provider's packages if not installed from this lock file; returns
    the path of ``node`` (skips or fails the test when node or npm are missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _missing("no Node.js (node and npm; the 'nodejs' and 'npm' packages)")
        msg = "unreachable: _missing skips or fails"
        raise AssertionError(msg)
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        return node
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=FOLDER,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci of the test OpenID Connect provider failed:\n{done.stderr[-3000:]}")
    STAMP.write_text(wanted)
    return node


class OidcProvider:
    """The provider on ``port`` with one client; use as a context manager.

    Its login page accepts any login and password: the login is the account's e-mail.
    """

    def __init__(
        self,
        *,
        port: int,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        post_logout_redirect_uri: str,
        log: Path,
    ) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.metadata_url = f"{self.issuer}/.well-known/openid-configuration"
        self._env = os.environ | {
            "OIDC_PORT": str(port),
            "OIDC_CLIENT_ID": client_id,
            "OIDC_CLIENT_SECRET": client_secret,
            "OIDC_REDIRECT_URI": redirect_uri,
            "OIDC_POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri,
        }
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OidcProvider:
        node = install()
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [node, str(FOLDER / "provider.mjs")],
                cwd=FOLDER,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                pytest.fail(f"the OpenID Connect provider did not start:\n{self._log.read_text()}")
            time.sleep(0.2)
        return self

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.metadata_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
