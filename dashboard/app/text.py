"""Show text people typed exactly as typed: never as markdown, links or HTML."""

from __future__ import annotations

import html
import re

from dashboard.checkin.calls import split_numbers

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~:$])")


def plain(text: str) -> str:
    """``text`` escaped for ``st.markdown``: markup and HTML are shown as written.

    Examples
    --------
    >>> plain("<script>alert(1)</script> **bold**")
    '&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt; \\\\*\\\\*bold\\\\*\\\\*'
    """
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", "  \n")


_ADDRESS = re.compile(r"https?://[^\s<>]+[^\s<>.,;:)]")


def plain_with_links(text: str) -> str:
    """``text`` for ``st.markdown`` as :func:`plain` does, its web addresses as links.

    Examples
    --------
    >>> plain_with_links("Kroenke 2001 [P]. https://x.org/a_b ; see_also")
    'Kroenke 2001 \\\\[P\\\\]\\\\. <https://x.org/a_b> ; see\\\\_also'
    """
    parts, start = [], 0
    for found in _ADDRESS.finditer(text):
        parts += [plain(text[start : found.start()]), f"<{found.group()}>"]
        start = found.end()
    parts.append(plain(text[start:]))
    return "".join(parts)


def with_call_links(text: str, *, typed: bool = True) -> str:
    """``text`` for ``st.markdown`` with every phone number a tap-to-call ``tel:`` link.

    ``typed``: text someone typed, shown exactly as typed (:func:`plain`); else
    the program's own markdown (the crisis lines), kept as markdown.

    Examples
    --------
    >>> with_call_links("Sam: 555-0100")
    'Sam\\\\: [555\\\\-0100](tel:5550100)'
    >>> with_call_links("call **988** now", typed=False)
    'call **[988](tel:988)** now'
    """
    shown = plain if typed else str
    return "".join(
        f"[{shown(piece)}](tel:{number})" if number else shown(piece)
        for piece, number in split_numbers(text)
    )
