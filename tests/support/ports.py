"""A free TCP port on the loopback interface, for servers the tests start."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nobody listens on now (the caller binds it soon after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
