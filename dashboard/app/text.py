"""Show text people typed exactly as typed: never as markdown, links or HTML."""

from __future__ import annotations

import html
import re

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
