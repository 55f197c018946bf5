"""Numbers as people write them: 12 rather than 12.0."""

from __future__ import annotations

import polars as pl


def number_text(expr: pl.Expr) -> pl.Expr:
    """A float expression as text: whole numbers without '.0', others to 2 places.

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [12.0, 4.5, None]})
    >>> frame.select(number_text(pl.col("x")).alias("x"))["x"].to_list()
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


#: Veltkamp's splitting factor for binary64 (2**27 + 1): a float times it, less the
#: difference, leaves its top 26 bits, so products by small integers are exact.
_SPLIT = 134217729.0


def _steps(expr: pl.Expr, *steps: dict[str, pl.Expr]) -> pl.Expr:
    """``expr`` as the field ``x`` of a struct, then each step's fields added in turn.

    Each step reads the fields before it through ``pl.field``, so every
    intermediate value is computed once however often later steps read it.
    """
    struct = pl.struct(expr.alias("x"))
    for step in steps:
        struct = struct.struct.with_fields(**step)
    return struct


def _tenths_steps(expr: pl.Expr) -> pl.Expr:
    """A struct whose field ``tenths`` is ``expr`` in tenths (Int64), rounded half to even
    on its exact binary value: what Python's ``round(x, 1)`` and ``f"{x:.1f}"`` do.

    The whole part is kept apart (exact), and the fraction times 10 rounded is
    corrected by its exact error (Dekker's product): 0.15 (in binary a little
    below) gives 1, 0.25 (exact) gives 2. Half to even is symmetric, and the
    fraction of a positive number is exact, so the sign is put back at the end.
    """
    f = pl.field
    return _steps(
        expr.cast(pl.Float64),
        {"size": f("x").abs()},
        {"whole": f("size").floor()},
        {"fraction": f("size") - f("whole")},
        {"product": f("fraction") * 10.0, "top": f("fraction") * _SPLIT},
        {"high": f("top") - (f("top") - f("fraction")), "floor": f("product").floor()},
        {"error": (f("high") * 10.0 - f("product")) + (f("fraction") - f("high")) * 10.0},
        {"past_half": (f("product") - f("floor") - 0.5) + f("error")},  # its sign is exact
        {"up": (f("past_half") > 0) | ((f("past_half") == 0) & (f("floor") % 2 != 0))},
        {"digit": (f("floor") + f("up").cast(pl.Float64)).cast(pl.Int64, strict=False)},
        {"size": f("whole").cast(pl.Int64, strict=False) * 10 + f("digit")},
        {"tenths": pl.when(f("x") < 0).then(-f("size")).otherwise(f("size"))},
    )


def _decimal(tenths: pl.Expr, negative: pl.Expr) -> pl.Expr:
    """Tenths as "-1.5", the sign taken apart (``-0.0`` keeps its sign, as Python writes it)."""
    size = tenths.abs()
    return pl.concat_str(
        pl.when(negative).then(pl.lit("-")).otherwise(pl.lit("")),
        (size // 10).cast(pl.String),
        pl.lit("."),
        (size % 10).cast(pl.String),
    )


def num_text(expr: pl.Expr) -> pl.Expr:
    """:func:`num` of every value of a float expression, exactly (null stays null).

    Whole numbers beyond the range of a 64-bit integer are null.

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [12.0, 2.43, -0.25, 0.15, None]})
    >>> frame.select(num_text(pl.col("x"))).to_series().to_list()
    ['12', '2.4', '-0.2', '0.1', None]
    >>> [num(x) for x in (12.0, 2.43, -0.25, 0.15)]
    ['12', '2.4', '-0.2', '0.1']
    """
    x = pl.field("x")
    special = (
        pl.when(x.is_nan())
        .then(pl.lit("nan"))
        .when(x > 0)
        .then(pl.lit("inf"))
        .otherwise(pl.lit("-inf"))
    )
    text = (
        pl.when(x.is_infinite() | x.is_nan())
        .then(special)
        .when(x == x.floor())
        .then(x.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(_decimal(pl.field("tenths"), x < 0))
    )
    return _tenths_steps(expr).struct.with_fields(text=text).struct.field("text")


def tenths_text(expr: pl.Expr) -> pl.Expr:
    """``num(round(x, 1))`` of every value of a float expression: 2.96 is "3", 2.94 "2.9".

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [2.96, 2.94, -1 / 7]})
    >>> frame.select(tenths_text(pl.col("x"))).to_series().to_list()
    ['3', '2.9', '-0.1']
    """
    tenths = pl.field("tenths")
    text = (
        pl.when(tenths % 10 == 0)
        .then((tenths // 10).cast(pl.String))
        .otherwise(_decimal(tenths, tenths < 0))
    )
    return _tenths_steps(expr).struct.with_fields(text=text).struct.field("text")


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
