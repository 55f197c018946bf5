"""Text cells a spreadsheet would run as formulas, neutralised before a CSV is written.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)`` sends data away, ``+cmd|' /C calc'!A0``
starts a program), and a tab or carriage return in front does not stop it. OWASP's
guidance on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection)
is to prefix such a cell with a single quote, which spreadsheets read as "this is
text"; OWASP ASVS 5.0 requirement 1.2.10 adds the NUL character to the list.

Only text cells are touched: a number column holding -1 is written as -1, a text
column holding "-1+1" as "'-1+1". Every CSV the project writes passes its frame
through :func:`neutralise_text_columns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import polars as pl

from measures.printable import printable, printable_expr

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")
#: :data:`FORMULA_STARTS` as an anchored regular expression.
FORMULA_PATTERN = r"^[=+\-@\t\r\x00]"
#: What is put in front of such a cell.
TEXT_MARK = "'"

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def neutralise_cell(value: str) -> str:
    """``value`` with a single quote in front where it would start a formula.

    Examples
    --------
    >>> [neutralise_cell(v) for v in ("=1+1", "@SUM(1)", "-1+1", "C0001", "O'Neil", "")]
    ["'=1+1", "'@SUM(1)", "'-1+1", 'C0001', "O'Neil", '']
    """
    return TEXT_MARK + value if value.startswith(FORMULA_STARTS) else value


def neutralised(expr: pl.Expr) -> pl.Expr:
    """:func:`neutralise_cell` as a polars expression over a text column (null stays null).

    Examples
    --------
    >>> frame = pl.DataFrame({"id": ["=1+1", "C1", None, "\\tx"]})
    >>> frame.select(neutralised(pl.col("id")))["id"].to_list()
    ["'=1+1", 'C1', None, "'\\tx"]
    """
    marked = pl.concat_str(pl.lit(TEXT_MARK), expr)
    return pl.when(expr.str.contains(FORMULA_PATTERN)).then(marked).otherwise(expr).name.keep()


def neutralise_text_columns(
    frame: Frame, *, escape_controls: bool = False, columns: Sequence[str] | None = None
) -> Frame:
    """Every text column of ``frame`` neutralised; other columns untouched.

    Text is a String column, or a categorical one (an Enum of labels such as a
    severity band) with a category that needs it. Works on a DataFrame or a
    LazyFrame (the fast scoring path's), keeping the column order and names.
    With ``escape_controls``, control and invisible characters are first shown
    as escapes (:func:`measures.printable.printable`), for a file that may be
    printed to a terminal. ``columns`` limits the rewrite to those columns.

    Examples
    --------
    >>> frame = pl.DataFrame({"client_id": ["=1+1", "C2"], "score": [-1, 3]})
    >>> neutralise_text_columns(frame).rows()
    [("'=1+1", -1), ('C2', 3)]
    >>> bands = pl.DataFrame({"band": ["-low", "high"]}, schema={"band": pl.Enum(["-low", "high"])})
    >>> neutralise_text_columns(bands)["band"].to_list()
    ["'-low", 'high']
    """
    text = [
        name
        for name, dtype in frame.collect_schema().items()
        if (columns is None or name in columns)
        and (dtype == pl.String or _unsafe_categories(dtype, escape_controls=escape_controls))
    ]
    if not text:
        return frame
    cells = [pl.col(name).cast(pl.String) for name in text]
    if escape_controls:
        cells = [printable_expr(cell) for cell in cells]
    return frame.with_columns(
        neutralised(cell).alias(name) for cell, name in zip(cells, text, strict=True)
    )


def _unsafe_categories(dtype: pl.DataType, *, escape_controls: bool) -> bool:
    """Whether a categorical column may hold a cell to neutralise (an Enum's labels are
    known: only one with such a label is rewritten, as text)."""
    if isinstance(dtype, pl.Enum):
        labels = dtype.categories.to_list()
        return any(
            neutralise_cell(label) != label or (escape_controls and printable(label) != label)
            for label in labels
        )
    return isinstance(dtype, pl.Categorical)
