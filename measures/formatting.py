"""Numbers as people write them: 12 rather than 12.0."""

from __future__ import annotations

import polars as pl


def number_text(expr: pl.Expr) -> pl.Expr:
    """A float expression as text: whole numbers without '.0', others to 2 places.

    Examples
    --------
    >>> pl.DataFrame({"x": [12.0, 4.5, None]}).select(number_text(pl.col("x")))["x"].to_list()
    ['12', '4.5', None]
    """
    whole = expr == expr.floor()
    return (
        pl.when(expr.is_null())
        .then(None)
        .when(whole)
        .then(expr.cast(pl.Int64).cast(pl.String))
        .otherwise(expr.round(2).cast(pl.String))
    )
