"""The dashboard's web server: Streamlit's pages with the sign-in routes, the session
gate and security headers, served by uvicorn (``st.App``).

``iop serve`` and ``iop demo`` run ``python -m dashboard.app.server --port N --address A``
on the configured database (IOP_DATABASE_URL). Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from dashboard.app.navigation import PHONE_SCRIPT
from dashboard.app.preload import preload, preload_later
from dashboard.app.web.gate import SessionGate
from dashboard.app.web.headers import SecurityHeaders
from dashboard.app.web.routes import routes

MAIN = Path(__file__).with_name("main.py")

#: Streamlit settings of every served app (.streamlit/config.toml holds the same for
#: `streamlit run`): no telemetry, no reloading on edits, the viewer's toolbar only, an
#: error shown as a short message without its text or traceback (they may carry client
#: data; the server's log has them), and no table's own "Download as CSV" (data leaves
#: only through audited, neutralised exports).
SERVER_CONFIG = {
    "server.headless": True,
    "server.runOnSave": False,
    "server.enableAgentApi": False,
    "browser.gatherUsageStats": False,
    "client.toolbarMode": "viewer",
    "client.showErrorDetails": "none",
    "client.disableDataExport": True,
}


def build_app() -> st.App:
    """The ASGI app: our routes first, then Streamlit's; headers outermost, then the gate."""
    return st.App(
        str(MAIN),
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders, page_scripts=(PHONE_SCRIPT,)),
            Middleware(SessionGate),
        ],
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the app on ``--address``:``--port`` until stopped (Ctrl+C)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.app.server", description=__doc__)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    options = parser.parse_args(argv)
    preload()
    preload_later()
    try:
        build_app().run(
            config=SERVER_CONFIG | {"server.port": options.port, "server.address": options.address}
        )
    except KeyboardInterrupt:  # Ctrl+C: uvicorn has shut down cleanly, then re-raised it
        print("IOP Outcomes stopped.", flush=True)


if __name__ == "__main__":
    main()
