"""Security headers on every HTTP response the app serves itself.

The Content-Security-Policy is the strictest the Streamlit pages run under (checked in
the browser tests): scripts only from this server, plus the hash of the one inline
script of Streamlit's own index.html; no framing by any other page.
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


@functools.cache
def content_security_policy() -> str:
    """The policy of the Streamlit pages: their own scripts and the hashes of the inline
    ones in Streamlit's index.html (read from the installed Streamlit, so an upgrade that
    changes them still works)."""
    index = Path(streamlit.__file__).with_name("static") / "index.html"
    inline = _INLINE_SCRIPT.findall(index.read_bytes()) if index.exists() else []
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'" for body in inline
    )
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

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
                wanted["Content-Security-Policy"] = content_security_policy()
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
