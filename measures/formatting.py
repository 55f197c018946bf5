"""Numbers as people write them: 12 rather than 12.0."""

from __future__ import annotations

from collections.abc import Callable

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


def _written(write: Callable[[float], str]) -> Callable[[pl.Series], pl.Series]:
    """A batch function: each distinct number of a column written by ``write`` once."""

    def batch(values: pl.Series) -> pl.Series:
        distinct = values.drop_nulls().unique()
        if distinct.is_empty():
            return values.cast(pl.String)
        texts = [write(v) for v in distinct.to_list()]
        return values.replace_strict(distinct, texts, return_dtype=pl.String)

    return batch


def num_text(expr: pl.Expr) -> pl.Expr:
    """:func:`num` of every value of a float expression (null stays null).

    Each distinct value is written by :func:`num` itself, once: the texts are
    Python's to the last digit (0.15 is "0.1": in binary it is a little below),
    and a query that writes numbers stays small. Exact formatting built from
    polars arithmetic (Dekker's product) cost about 5 ms of query planning per
    number even on one row, more than the whole weekly review's numbers.

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [12.0, 2.43, -0.25, 0.15, None]})
    >>> frame.select(num_text(pl.col("x"))).to_series().to_list()
    ['12', '2.4', '-0.2', '0.1', None]
    """
    return expr.cast(pl.Float64).map_batches(
        _written(num), return_dtype=pl.String, is_elementwise=True
    )


def _tenths(value: float) -> str:
    return num(round(value, 1))


def tenths_text(expr: pl.Expr) -> pl.Expr:
    """``num(round(x, 1))`` of every value of a float expression: 2.96 is "3", 2.94 "2.9".

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [2.96, 2.94, -1 / 7]})
    >>> frame.select(tenths_text(pl.col("x"))).to_series().to_list()
    ['3', '2.9', '-0.1']
    """
    return expr.cast(pl.Float64).map_batches(
        _written(_tenths), return_dtype=pl.String, is_elementwise=True
    )


def percent_text(expr: pl.Expr) -> pl.Expr:
    """``f"{x:.0%}"`` of every value of a float expression: 0.125 is "12%", 0.875 "88%".

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [0.125, 0.875, 2 / 3]})
    >>> frame.select(percent_text(pl.col("x"))).to_series().to_list()
    ['12%', '88%', '67%']
    """
    # Python multiplies by 100 in floating point, then rounds half to even
    hundred = (expr.cast(pl.Float64) * 100.0).round(0, mode="half_to_even")
    return pl.concat_str(hundred.cast(pl.Int64).cast(pl.String), pl.lit("%"))


def grouped_text(expr: pl.Expr) -> pl.Expr:
    """``f"{n:,}"`` of every value of an integer expression: 12345 is "12,345".

    Examples
    --------
    >>> frame = pl.DataFrame({"n": [7, 1234, -1234567]})
    >>> frame.select(grouped_text(pl.col("n"))).to_series().to_list()
    ['7', '1,234', '-1,234,567']
    """
    size = expr.abs().cast(pl.String).str.reverse().str.replace_all(r"(\d{3})", "$1,")
    digits = size.str.strip_suffix(",").str.reverse()
    return pl.concat_str(pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit("")), digits)


def counted_text(expr: pl.Expr, noun: str) -> pl.Expr:
    """:func:`counted` of every value of an integer expression.

    Examples
    --------
    >>> frame = pl.DataFrame({"n": [1, 2, 1200]})
    >>> frame.select(counted_text(pl.col("n"), "flag")).to_series().to_list()
    ['1 flag', '2 flags', '1,200 flags']
    """
    plural = pl.when(expr == 1).then(pl.lit("")).otherwise(pl.lit("s"))
    return pl.concat_str(grouped_text(expr), pl.lit(f" {noun}"), plural)


def track_words_text(expr: pl.Expr) -> pl.Expr:
    """:func:`track_words` of every value of a text expression.

    Examples
    --------
    >>> frame = pl.DataFrame({"track": ["co_occurring", "mental_health"]})
    >>> frame.select(track_words_text(pl.col("track"))).to_series().to_list()
    ['co-occurring', 'mental health']
    """
    return expr.str.replace_all("co_", "co-", literal=True).str.replace_all("_", " ", literal=True)
