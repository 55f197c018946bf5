"""What an on-call notification says: that a safety answer at a site needs follow-up, and a link."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from dashboard.program_settings import OnCall


@dataclass(frozen=True)
class Message:
    """A notification's title and body: never a client's name, id, score or answer."""

    title: str
    body: str


def message_for(site: str, *, base_url: str) -> Message:
    """The one message every on-call contact gets, whatever the answer was."""
    return Message(
        title=f"IOP Outcomes: a safety answer at {site} needs follow-up",
        body=(
            f"A client at {site} has given a safety answer in a check-in that needs "
            "follow-up by the team today.\n\n"
            f"Sign in to see it at the top of the weekly review: {base_url}/weekly_review\n\n"
            "For privacy this message names no one and holds no answers."
        ),
    )


def destination_hash(destination: str) -> str:
    """The SHA-256 a destination is found by when sent (a webhook URL is never stored)."""
    return hashlib.sha256(destination.encode("utf-8")).hexdigest()


def webhook_label(url: str) -> str:
    """A webhook as people may read it: its scheme and host, not its path or token."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}/…"


def destinations(on_call: OnCall) -> list[tuple[str, str, str]]:
    """Each destination of an on-call entry: (channel, label shown, hash)."""
    found = [("email", address, destination_hash(address)) for address in on_call.email]
    found += [("webhook", webhook_label(url), destination_hash(url)) for url in on_call.webhooks]
    return found


def resolve(on_call: OnCall | None, channel: str, wanted: str) -> str | None:
    """The configured destination (address or URL) whose hash is ``wanted``, if still there."""
    if on_call is None:
        return None
    pool = on_call.email if channel == "email" else on_call.webhooks
    return next((d for d in pool if destination_hash(d) == wanted), None)
