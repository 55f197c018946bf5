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
