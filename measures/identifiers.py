"""What an identifier, a name and a free-text value from a file may contain.

Ids (client, episode and clinician ids, track codes) are first normalised with
Unicode NFKC, so full-width or other compatibility forms become the plain
letters and digits they stand for ("C１" is C1), then must match one pattern:
ASCII letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit,
at most 64 characters (a clinician id or a track code at most 50). That keeps out
look-alikes (a right-to-left override makes ``C\\u202e1000`` display as C0001),
invisible characters (a zero-width space), control characters (NUL, an ANSI
escape, a line break) and cells a spreadsheet would run as formulas (``=1+1``).

Names (a site) are normalised the same way and may hold any letters, digits,
spaces and punctuation, starting with a letter or digit, but no control or
invisible character. Free text (a display name, a reason, a source's own record
id) is kept as written but may hold no control character and no bidirectional
override. A row breaking any of these is rejected with a reason that names the
column and shows the value with its invisible characters as escapes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import polars as pl

from measures.csv_safety import FORMULA_PATTERN
from measures.printable import UNSAFE_PATTERN, printable_expr
from measures.rules import Rule

#: What an id may contain (after NFKC): its first character, then the rest.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
#: The longest id (a client or episode id); clinician ids and track codes: 50.
ID_MAX_LENGTH = 64
#: The longest source record id (FHIR ``resourceType/id/_history/n``, REDCap keys...).
SOURCE_ID_MAX_LENGTH = 200
#: The characters of an id in words, for messages.
ID_CHARACTERS = "letters, digits, '.', '_' and '-'"
#: Characters free text may not hold: controls (NUL, escape, line breaks) and the
#: bidirectional embeddings, overrides and isolates that reorder what is shown.
TEXT_UNSAFE_PATTERN = r"[\p{Cc}\p{Zl}\p{Zp}\x{202A}-\x{202E}\x{2066}-\x{2069}]"
_ID_CHAR = r"[A-Za-z0-9._-]"


def normalise_id(value: str) -> str:
    """An id as it is matched and stored: NFKC, surrounding white space removed.

    Examples
    --------
    >>> [normalise_id(v) for v in ("C\\uff11", " E\\u2460 ", "C\\u202e1000")]
    ['C1', 'E1', 'C\\u202e1000']
    """
    return unicodedata.normalize("NFKC", value).strip()


def id_problem(value: str, *, column: str = "id", max_length: int = ID_MAX_LENGTH) -> str | None:
    """Why ``value`` (already normalised) is not a valid id, or None when it is.

    Examples
    --------
    >>> id_problem("C0001") is None
    True
    >>> print(id_problem("=1+1", column="client_id"))
    client_id '=1+1' starts with '='; an id starts with a letter or digit
    """
    frame = pl.DataFrame({column: [value]})
    rule = identifier_rule(column, max_length=max_length)
    failing = frame.filter(rule.fails.fill_null(False))
    return None if failing.is_empty() else str(failing.select(rule.reason).item())


def normalise_columns(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """``frame`` with the text ``columns`` normalised by :func:`normalise_id`.

    Only a column holding something other than ASCII is touched (NFKC changes
    nothing else), so a large file of plain ids costs one scan per column.

    Examples
    --------
    >>> frame = pl.DataFrame({"client_id": ["C1", "C\uff12"], "name": ["Ｆern", "Moss"]})
    >>> normalise_columns(frame, ["client_id"]).rows()
    [('C1', 'Ｆern'), ('C2', 'Moss')]
    """
    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    wide = [
        c for c in present if frame.select(pl.col(c).str.contains(r"[^\x00-\x7F]").any()).item()
    ]
    if not wide:
        return frame
    return frame.with_columns(
        pl.col(c).str.normalize("NFKC").str.strip_chars().alias(c) for c in wide
    )


def identifier_rule(column: str, *, max_length: int = ID_MAX_LENGTH) -> Rule:
    """The rule of an id column: the pattern of :data:`ID_PATTERN`, at most ``max_length``.

    Examples
    --------
    >>> from measures.rules import check_rules
    >>> frame = pl.DataFrame({"row": [2, 3, 4], "client_id": ["C1", "C\\u200b1", "a b"]})
    >>> for reason in check_rules(frame, [identifier_rule("client_id")], {})["reason"]:
    ...     print(reason)
    client_id 'C\\u200b1' has an invisible or control character (\\u200b)
    client_id 'a b' has ' '; an id has only letters, digits, '.', '_' and '-'
    """
    value = pl.col(column)
    length = value.str.len_chars()
    reason = (
        pl.when(length > max_length)
        .then(pl.format(f"{column} has {{}} characters; an id has at most {max_length}", length))
        .when(value.str.contains(UNSAFE_PATTERN))
        .then(
            pl.format(
                f"{column} '{{}}' has an invisible or control character ({{}})",
                printable_expr(value),
                printable_expr(value.str.extract(f"({UNSAFE_PATTERN})")),
            )
        )
        .when(~value.str.contains(r"^[A-Za-z0-9]"))
        .then(
            pl.format(
                f"{column} '{{}}' starts with '{{}}'; an id starts with a letter or digit",
                value,
                value.str.head(1),
            )
        )
        .otherwise(
            pl.format(
                f"{column} '{{}}' has '{{}}'; an id has only {ID_CHARACTERS}",
                value,
                value.str.extract(f"([^{_ID_CHAR[1:-1]}])"),
            )
        )
    )
    valid = f"^[A-Za-z0-9]{_ID_CHAR}{{0,{max_length - 1}}}$"  # the pattern, with the length
    return Rule(
        f"{column}_valid_id",
        column,
        value.is_not_null() & ~value.str.contains(valid),
        reason,
        # a file repeats each client's id: each distinct id is checked once
        frame_screen=(~value.unique().str.contains(valid)).any(),
    )


def name_rule(column: str, *, max_length: int) -> Rule:
    """The rule of a name (a site): no control or invisible character, starting with a
    letter or digit, at most ``max_length`` characters.

    Examples
    --------
    >>> from measures.rules import check_rules
    >>> frame = pl.DataFrame({"row": [2, 3], "site": ["North Valley", "=HYPERLINK(1)"]})
    >>> check_rules(frame, [name_rule("site", max_length=100)], {})["reason"].to_list()
    ["site '=HYPERLINK(1)' starts with '='; a name starts with a letter or digit"]
    """
    value = pl.col(column)
    length = value.str.len_chars()
    unsafe = value.str.contains(UNSAFE_PATTERN)
    letter_first = value.str.contains(r"^[\p{L}\p{N}]")
    reason = (
        pl.when(length > max_length)
        .then(pl.format(f"{column} has {{}} characters; a name has at most {max_length}", length))
        .when(unsafe)
        .then(
            pl.format(
                f"{column} '{{}}' has an invisible or control character ({{}})",
                printable_expr(value),
                printable_expr(value.str.extract(f"({UNSAFE_PATTERN})")),
            )
        )
        .otherwise(
            pl.format(
                f"{column} '{{}}' starts with '{{}}'; a name starts with a letter or digit",
                value,
                value.str.head(1),
            )
        )
    )
    return Rule(
        f"{column}_valid_name",
        column,
        value.is_not_null() & ((length > max_length) | unsafe | ~letter_first),
        reason,
    )


def text_rule(column: str, *, max_length: int, formula: bool = False) -> Rule:
    """The rule of free text kept as written: no control character or bidirectional
    override, at most ``max_length`` characters; with ``formula``, not starting like
    a spreadsheet formula either (a value that must come back unchanged from an export).

    Examples
    --------
    >>> from measures.rules import check_rules
    >>> frame = pl.DataFrame({"row": [2, 3], "reason": ["moved\\x00up", "stepped down"]})
    >>> check_rules(frame, [text_rule("reason", max_length=500)], {})["reason"].to_list()
    ["reason 'moved\\\\x00up' has a control character or a right-to-left override (\\\\x00)"]
    """
    value = pl.col(column)
    length = value.str.len_chars()
    unsafe = value.str.contains(TEXT_UNSAFE_PATTERN)
    formula_like = value.str.contains(FORMULA_PATTERN) if formula else pl.lit(False)
    reason = (
        pl.when(length > max_length)
        .then(pl.format(f"{column} has {{}} characters; at most {max_length}", length))
        .when(unsafe)
        .then(
            pl.format(
                f"{column} '{{}}' has a control character or a right-to-left override ({{}})",
                printable_expr(value),
                printable_expr(value.str.extract(f"({TEXT_UNSAFE_PATTERN})")),
            )
        )
        .otherwise(
            pl.format(
                f"{column} '{{}}' starts with '{{}}', which a spreadsheet would run as a formula",
                value,
                printable_expr(value.str.head(1)),
            )
        )
    )
    return Rule(
        f"{column}_valid_text",
        column,
        value.is_not_null() & ((length > max_length) | unsafe | formula_like),
        reason,
    )
