"""Real receivers for notification tests: an SMTP server (aiosmtpd) and an HTTP webhook."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.ports import free_port


@dataclass
class Mail:
    """One message as the SMTP server received it."""

    sender: str
    recipients: list[str]
    text: str


@dataclass
class Inbox:
    """What a receiver got; ``wait`` polls until ``count`` arrived (or times out)."""

    items: list[Any] = field(default_factory=list)

    def wait(self, count: int = 1, *, timeout: float = 30.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.items) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.items)


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 in its own thread; ``inbox`` holds each message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.inbox = Inbox()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        self.inbox.items.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), text))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that keeps every POST body (as JSON when it is JSON)."""

    def __init__(self, status: int = 200) -> None:
        self.inbox = Inbox()
        inbox, code = self.inbox, status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    inbox.items.append(json.loads(body))
                except ValueError:
                    inbox.items.append(body.decode("utf-8", "replace"))
                self.send_response(code)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def on_call_program(
    base: str, *, site: str, email: list[str], webhooks: list[str], smtp_port: int
) -> str:
    """The text of a program file: ``base``'s text plus an on-call table and SMTP settings."""
    return (
        base
        + "\n[[on_call]]\n"
        + f"site = {json.dumps(site)}\n"
        + f"email = {json.dumps(email)}\n"
        + f"webhooks = {json.dumps(webhooks)}\n"
        + "\n[notifications]\n"
        + 'base_url = "https://iop.example.org"\n'
        + 'sender = "iop@example.org"\n'
        + 'smtp_host = "127.0.0.1"\n'
        + f"smtp_port = {smtp_port}\n"
        + 'smtp_security = "none"\n'
        + "max_attempts = 3\n"
        + "retry_seconds = 1\n"
    )
