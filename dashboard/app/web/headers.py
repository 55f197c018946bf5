"""Security headers on every HTTP response the app serves itself.

The Content-Security-Policy is the strictest the Streamlit pages run under (checked in
the browser tests): scripts only from this server, plus the hashes of the inline
scripts of Streamlit's own index.html and of the app's own (``st.html`` with
``unsafe_allow_javascript``, passed as ``page_scripts``); no framing by any other page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path

import streamlit
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

#: Added to every response that does not set its own.
BASE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Told to browsers that reached the app over HTTPS: keep to HTTPS for a year.
HSTS = "max-age=31536000"


def script_hashes(html: bytes) -> list[str]:
    """The CSP hash-sources of the inline ``<script>`` elements of ``html``.

    >>> script_hashes(b"<p>x</p><script>let a = 1;</script>")
    ["'sha256-xY6QKfH9PRsQnLz56nj6MBwiK5oHg+im1Jkpdp1x/Ck='"]
    """
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


@functools.cache
def content_security_policy(page_scripts: tuple[str, ...] = ()) -> str:
    """The policy of the Streamlit pages: their own scripts and the hashes of the inline
    ones in Streamlit's index.html (read from the installed Streamlit, so an upgrade that
    changes them still works) and in ``page_scripts``."""
    index = Path(streamlit.__file__).with_name("static") / "index.html"
    inline = script_hashes(index.read_bytes()) if index.exists() else []
    for html in page_scripts:
        inline += script_hashes(html.encode())
    hashes = " ".join(inline)
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}".strip(),
            "style-src 'self' 'unsafe-inline'",  # Streamlit's components style themselves inline
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "frame-src 'self' blob: data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding :data:`BASE_HEADERS`, the CSP and (over HTTPS) HSTS."""

    def __init__(self, app: ASGIApp, *, page_scripts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.policy = content_security_policy(page_scripts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = dict(BASE_HEADERS)
                wanted["Content-Security-Policy"] = self.policy
                if https:
                    wanted["Strict-Transport-Security"] = HSTS
                headers += [
                    (name.lower().encode(), value.encode())
                    for name, value in wanted.items()
                    if name.lower().encode() not in present
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
