"""What makes a CSV file unreadable as text: bytes that are not UTF-8, stray carriage returns.

Each check returns a one-line reason naming the file (and the line, where there is
one), or None when the file is fine; the readers raise their own error with it.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

#: A CR that is neither part of a CRLF nor the file's very last byte.
_BARE_CR = re.compile(rb"\r(?!\n)(?!\Z)")
#: How saving again fixes a file, as the messages say.
SAVE_AGAIN = "save it again as CSV UTF-8 (comma-delimited)"


def header_line_problem(name: str, line: str) -> str | None:
    """Why the first line of a file (as read up to its first LF) cannot be a header.

    A carriage return left inside it means the file ends its lines with CR alone
    (classic Mac OS) or holds a stray one.

    Examples
    --------
    >>> header_line_problem("a.csv", "client_id,measure\\r\\n") is None
    True
    >>> header_line_problem("a.csv", "client_id,measure\\rC1,phq9\\r").split(":")[0]
    'a.csv ends its lines with a carriage return (CR) alone, as classic Mac OS did'
    """
    body = line.removesuffix("\n").removesuffix("\r")
    if "\r" not in body:
        return None
    if not line.endswith("\n"):
        return (
            f"{name} ends its lines with a carriage return (CR) alone, as classic Mac OS "
            f"did: {SAVE_AGAIN}"
        )
    return f"{name} line 1 holds a carriage return (CR) that ends no line: {SAVE_AGAIN}"


def line_end_problem(path: Path) -> str | None:
    """Why the line ends of a file are not LF or CRLF: the first carriage return
    (CR) that ends no line, which CSV readers take apart in different ways.

    Reads the file once, mapped in memory: a few milliseconds for a million rows.
    """
    try:
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                return None
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                first = data.find(b"\r")
                found = _BARE_CR.search(data, first) if first >= 0 else None
                if found is None:
                    return None
                line = data[: found.start()].count(b"\n") + 1
    except (OSError, ValueError):
        return None  # an unreadable file is reported by the reader itself
    return (
        f"{path.name} line {line} holds a carriage return (CR) that ends no line (mixed line "
        f"ends, or a stray control character in a cell): {SAVE_AGAIN}"
    )


def encoding_problem(path: Path) -> str | None:
    """Why a file is not UTF-8 text: the first line that is not (a body in Latin-1 or
    Windows-1252 under an ASCII header, say)."""
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return f"{path.name} line {number} is not UTF-8 text: {SAVE_AGAIN}"
    except OSError:
        return None
    return None
