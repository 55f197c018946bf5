"""Numbers as people write them: 12 rather than 12.0."""

from __future__ import annotations

import polars as pl

#: Beyond 2**53 a float no longer holds every whole number.
_EXACT = 2.0**53


def number_text(expr: pl.Expr) -> pl.Expr:
    """A float expression as text: whole numbers without '.0', others to 2 places.

    Numbers too large to be held exactly as whole numbers keep polars' notation.

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [12.0, 4.5, None, 1e20, float("inf")]})
    >>> frame.select(number_text(pl.col("x")).alias("x"))["x"].to_list()
    ['12', '4.5', None, '1e+20', 'inf']
    """
    exact = expr.abs() < _EXACT
    whole = exact & (expr == expr.floor())
    return (
        pl.when(expr.is_null())
        .then(None)
        .when(whole)
        # both branches are computed for every row: the cast must not fail on the others
        .then(expr.cast(pl.Int64, strict=False).cast(pl.String))
        .when(exact)
        .then(expr.round(2).cast(pl.String))
        .otherwise(expr.cast(pl.String))
    )


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1, with thousands separators.

    Examples
    --------
    >>> counted(1, "row"), counted(12345, "row")
    ('1 row', '12,345 rows')
    """
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def num(value: float) -> str:
    """A number as people write it: whole numbers without '.0', others to 1 place.

    Examples
    --------
    >>> num(12.0), num(2.43), num(-0.25)
    ('12', '2.4', '-0.2')
    """
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.1f}"


def track_words(track: str) -> str:
    """A track id in words, as people write it.

    Examples
    --------
    >>> track_words("co_occurring"), track_words("mental_health")
    ('co-occurring', 'mental health')
    """
    return track.replace("co_", "co-").replace("_", " ")
