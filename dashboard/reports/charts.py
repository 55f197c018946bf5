"""Figures to PNG offline, with kaleido and the system Chromium; never crashes a report."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

log = logging.getLogger(__name__)

NO_BROWSER = "no Chromium browser was found to draw them (install the 'chromium' package)"
NO_KALEIDO = "the kaleido package that draws them is not installed"
#: Seconds one image may take (the first one also starts Chromium).
TIMEOUT = 60.0


@dataclass(frozen=True)
class Rendered:
    """A PNG, or None and the reason (a phrase that completes "Charts are not included: ")."""

    png: bytes | None
    reason: str | None = None


class _Server:
    """The one warm kaleido server of this process, started lazily on the first image."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.path: str | None = None
        self.broken: str | None = None

    def render(self, fig: go.Figure, browser: str, opts: dict[str, object]) -> bytes:
        import kaleido

        if self.path != browser:
            if self.path is not None:
                kaleido.stop_sync_server(silence_warnings=True)
            else:
                atexit.register(self.stop)  # close Chromium and its temporary profile
            kaleido.start_sync_server(path=browser, mathjax=False, silence_warnings=True)
            self.path = browser
        return bytes(kaleido.calc_fig_sync(fig.to_dict(), opts=opts))

    def stop(self) -> None:
        """Stop the server (at exit): Chromium ends and its profile folder is removed."""
        import kaleido

        with self.lock:
            if self.path is not None:
                kaleido.stop_sync_server(silence_warnings=True)
                self.path = None


_server = _Server()


def find_browser(browser_path: str | Path | None = None) -> str | None:
    """The Chromium to draw with: ``browser_path``, else BROWSER_PATH, else one on PATH.

    None when the chosen file does not exist or kaleido is not installed.
    """
    if browser_path is None:
        try:
            from choreographer.browsers.chromium import Chromium
        except ImportError:
            return None
        browser_path = os.environ.get("BROWSER_PATH") or Chromium.find_browser(skip_local=False)
    if not browser_path:
        return None
    path = Path(browser_path)
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def render_png(
    fig: go.Figure,
    *,
    width: int = 700,
    height: int = 440,
    scale: float = 2.0,
    browser_path: str | Path | None = None,
) -> Rendered:
    """Draw ``fig`` as a PNG; on any problem a None image and the reason, never an error."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return Rendered(None, NO_KALEIDO)
    browser = find_browser(browser_path)
    if browser is None:
        return Rendered(None, NO_BROWSER)
    if _server.broken:
        return Rendered(None, _server.broken)
    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    return _render_with_timeout(fig, browser, opts)


def _render_with_timeout(fig: go.Figure, browser: str, opts: dict[str, object]) -> Rendered:
    """Run one render on the shared server; give up (and stop trying) after TIMEOUT seconds."""
    result: list[bytes | BaseException] = []

    def work() -> None:
        try:
            result.append(_server.render(fig, browser, opts))
        except Exception as exc:
            result.append(exc)

    with _server.lock:
        worker = threading.Thread(target=work, name="chart-render", daemon=True)
        worker.start()
        worker.join(TIMEOUT)
        if not result:
            _server.broken = f"drawing them took longer than {TIMEOUT:.0f} seconds"
            log.warning("chart rendering timed out; charts are off for this process")
            return Rendered(None, _server.broken)
    outcome = result[0]
    if isinstance(outcome, BaseException):
        log.warning("chart rendering failed: %s", type(outcome).__name__)
        return Rendered(None, f"drawing them failed ({type(outcome).__name__})")
    return Rendered(outcome)
