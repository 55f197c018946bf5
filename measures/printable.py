"""Values from files made safe to echo: control and invisible characters shown as escapes.

A value read from a file may hold characters a terminal or a page acts on instead of
showing: an ANSI escape (``\\x1b[31m``) recolours or rewrites the terminal, a
right-to-left override (U+202E) makes ``C\\u202e1000`` display as ``C0001``, a zero-width
space hides inside an id, a newline breaks a one-line message. Every message that
repeats a value from a file passes it through :func:`printable` first.
"""

from __future__ import annotations

import unicodedata

import polars as pl

#: Unicode general categories never echoed as they are: controls (C0, DEL, C1),
#: format characters (bidirectional controls, zero-width spaces and joiners, the BOM)
#: and the line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
#: The same characters as a regular expression (polars' Rust regex syntax).
UNSAFE_PATTERN = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_unsafe(char: str) -> bool:
    """Whether ``char`` is a control, format or separator character.

    Examples
    --------
    >>> [is_unsafe(c) for c in ("a", " ", "\\x00", "\\u202e", "\\u200b", "\\x1b")]
    [False, False, True, True, True, True]
    """
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def escape_char(char: str) -> str:
    """The visible escape of one character: ``\\n``, ``\\x1b``, ``\\u202e`` or ``\\U000e0001``.

    Examples
    --------
    >>> print(escape_char("\\n"), escape_char("\\x1b"), escape_char("\\u202e"))
    \\n \\x1b \\u202e
    """
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control, format and separator character shown as an escape.

    Everything else (accents, other scripts, emoji) is kept as it is.

    Examples
    --------
    >>> print(printable("C\\u202e1000"))
    C\\u202e1000
    >>> print(printable("A\\x1b[31mred\\nnext"), printable("Zoë"))
    A\\x1b[31mred\\nnext Zoë
    """
    if text.isprintable():  # the common case: nothing to escape
        return text
    return "".join(escape_char(c) if is_unsafe(c) else c for c in text)


def printable_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`printable` of each value of a text expression (nulls stay null).

    Each distinct value is escaped once, and only where some value needs it.

    Examples
    --------
    >>> frame = pl.DataFrame({"id": ["C1", "C\\u202e1", None]})
    >>> frame.select(printable_expr(pl.col("id")))["id"].to_list()
    ['C1', 'C\\\\u202e1', None]
    """
    return expr.map_batches(_printable_series, return_dtype=pl.String, is_elementwise=True)


def printable_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with :func:`printable` applied to every text column, for a table shown
    on a page (file names, rejected rows' raw text and reasons come from files).

    Examples
    --------
    >>> frame = pl.DataFrame({"row": [2], "raw": ["C\x1b[31m1,phq9"]})
    >>> printable_columns(frame).rows()
    [(2, 'C\\\\x1b[31m1,phq9')]
    """
    return frame.with_columns(
        printable_expr(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def _printable_series(values: pl.Series) -> pl.Series:
    unsafe = values.str.contains(UNSAFE_PATTERN).fill_null(False)
    if not unsafe.any():
        return values
    mapping = {v: printable(v) for v in values.filter(unsafe).unique().to_list()}
    return values.replace(mapping)
