"""A score table as the text `iop score` writes: numbers without '.0', safe text cells."""

from __future__ import annotations

import polars as pl

from measures.csv_safety import neutralise_text_columns
from measures.formatting import number_text


def format_score_table(table: pl.DataFrame) -> pl.DataFrame:
    """Score table as text columns: whole numbers without '.0', problems joined.

    Text cells (ids, dates as written, labels, problems; not the numbers) that a
    spreadsheet would run as a formula get a leading single quote, and control
    characters are shown as escapes (:mod:`measures.csv_safety`). The row number
    and the rejected and complete flags are left out.

    Examples
    --------
    >>> table = pl.DataFrame(
    ...     {"row": [2], "client_id": ["=C1"], "score": [12.0], "problems": [["x", "y"]]}
    ... )
    >>> format_score_table(table).rows()
    [("'=C1", '12', 'x; y')]
    """
    numbers = [c for c, t in table.schema.items() if t.is_float()]
    text = table.drop("row", "rejected", "complete", strict=False).with_columns(
        pl.col("problems").list.join("; ")
    )
    # the numbers become text only after the text cells are made safe: -1 stays -1
    return neutralise_text_columns(text, escape_controls=True).with_columns(
        number_text(pl.col(c)).alias(c) for c in numbers
    )
