"""Stored totals: the scale each is given on, the rules it must meet, its value on the primary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from measures.definition import Instrument, Score
from measures.formatting import number_text
from measures.rules import Rule

#: The column that says which scale a stored total is on (``raw``, ``percentage``).
TOTAL_SCALE = "total_scale"


def total_rules(instruments: Sequence[Instrument], columns: Sequence[str]) -> list[Rule]:
    """The rules a stored ``total`` (and its ``total_scale``) must meet.

    A total must be a score of its instrument, inside the range of the scale it
    is on; an instrument whose total can be read on two scales (the WHO-5: raw
    0-25 or percentage 0-100) needs ``total_scale`` to say which; and a total
    that is a sum of whole answers must be one (a whole number, or a multiple
    of a ``sum_times`` score's multiplier).

    Examples
    --------
    >>> from measures import load_catalog
    >>> who5 = load_catalog()["who5"]
    >>> frame = pl.DataFrame(
    ...     {"row": [1, 2, 3], "measure": ["who5"] * 3, "total": [20.0, 50.0, 30.0],
    ...      "total_scale": [None, "percentage", "raw"]}
    ... )
    >>> rules = total_rules([who5], frame.columns)
    >>> for rule in rules:
    ...     failed = frame.filter(rule.fails.fill_null(False))
    ...     for reason in failed.select(rule.reason).to_series():
    ...         print(reason)
    total is 30; WHO-5 raw totals are 0-25
    WHO-5 total 50 (percentage) is not a multiple of 4: a percentage is the raw total x 4
    total_scale is empty, but a WHO-5 total may be percentage (0-100) or raw (0-25): say which
    """
    measure = pl.col("measure")
    if "total" not in columns:
        scale_only = TOTAL_SCALE in columns
        return [_scale_known_rule(instruments, pl.lit(None, pl.Float64))] if scale_only else []
    total = pl.col("total")
    given = pl.col(TOTAL_SCALE) if TOTAL_SCALE in columns else pl.lit(None, pl.String)
    in_range: Any = pl.when(False).then(True)
    ranges: Any = pl.when(False).then(pl.lit(""))
    whole: Any = pl.when(False).then(True)
    steps: Any = pl.when(False).then(pl.lit(""))
    ambiguous: list[Instrument] = []
    for instrument in instruments:
        of = measure == instrument.id
        if instrument.primary is None:
            in_range = in_range.when(of).then(False)
            ranges = ranges.when(of).then(pl.lit(f"{instrument.abbreviation} has no total score"))
            continue
        if len(instrument.total_scales) > 1:
            ambiguous.append(instrument)
        for score, on in _scales(instrument, instrument.primary, given):
            where = of & on
            in_range = in_range.when(where).then(total.is_between(score.min, score.max))
            ranges = ranges.when(where).then(pl.lit(_range_text(instrument, score)))
            if score.step is not None:
                whole = whole.when(where).then(_is_multiple(total, score.step))
                steps = steps.when(where).then(_step_reason(instrument, score))
    rules = [
        Rule(
            "total_in_range",
            "total",
            total.is_not_null() & ~in_range.otherwise(True),
            pl.format("total is {}; {}", number_text(total), ranges.otherwise(pl.lit(""))),
        ),
        Rule(
            "total_whole",
            "total",
            total.is_not_null() & ~whole.otherwise(True),
            steps.otherwise(pl.lit("")),
        ),
    ]
    if ambiguous:
        rules.append(_scale_given_rule(ambiguous, given))
    if TOTAL_SCALE in columns:
        rules.append(_scale_known_rule(instruments, total))
    return rules


def on_primary_scale(instrument: Instrument, columns: Sequence[str]) -> pl.Expr:
    """``total`` on the primary score's scale: a WHO-5 raw 20 is 80 (percent).

    A total without ``total_scale`` is on the primary's scale (that is how the
    store keeps it); validation has made sure a total says its scale wherever
    the instrument has two.

    Examples
    --------
    >>> from measures import load_catalog
    >>> frame = pl.DataFrame({"total": [20.0, 80.0], "total_scale": ["raw", "percentage"]})
    >>> frame.select(on_primary_scale(load_catalog()["who5"], frame.columns))["total"].to_list()
    [80.0, 80.0]
    """
    total = pl.col("total")
    if TOTAL_SCALE not in columns:
        return total
    chain: Any = pl.when(False).then(total)
    for score in instrument.total_scales:
        factor = instrument.scale_factor(score)
        if factor != 1.0:
            chain = chain.when(pl.col(TOTAL_SCALE) == score.total_scale).then(total * factor)
    result: pl.Expr = chain.otherwise(total)
    return result


def primary_totals(instruments: Sequence[Instrument], columns: Sequence[str]) -> pl.Expr:
    """:func:`on_primary_scale` for a frame of several instruments (``measure``).

    Examples
    --------
    >>> from measures import load_catalog
    >>> frame = pl.DataFrame(
    ...     {"measure": ["who5", "phq9"], "total": [20.0, 12.0], "total_scale": ["raw", None]}
    ... )
    >>> frame.select(primary_totals(list(load_catalog()), frame.columns))["total"].to_list()
    [80.0, 12.0]
    """
    total = pl.col("total")
    if TOTAL_SCALE not in columns:
        return total
    chain: Any = pl.when(False).then(total)
    for instrument in instruments:
        if any(instrument.scale_factor(s) != 1.0 for s in instrument.total_scales):
            chain = chain.when(pl.col("measure") == instrument.id).then(
                on_primary_scale(instrument, columns)
            )
    result: pl.Expr = chain.otherwise(total)
    return result


def primary_scale_names(instruments: Sequence[Instrument]) -> dict[str, str]:
    """The primary score's scale name of every instrument whose total has two scales.

    A stored total is kept on that scale; a file written from the store says so.

    Examples
    --------
    >>> from measures import load_catalog
    >>> primary_scale_names(list(load_catalog()))
    {'who5': 'percentage'}
    """
    return {
        i.id: str(i.total_scales[0].total_scale) for i in instruments if len(i.total_scales) > 1
    }


def _scales(instrument: Instrument, primary: Score, given: pl.Expr) -> list[tuple[Score, pl.Expr]]:
    """Each scale a total of ``instrument`` may be on, with the rows on it.

    Without named scales the total is on the ``primary`` score's; with one, an
    empty ``total_scale`` means it; with two or more, only the one named (an
    empty or unknown name is reported by its own rule, not checked against a
    range).
    """
    scales = instrument.total_scales
    if not scales:
        return [(primary, given.is_null())]
    if len(scales) == 1:
        return [(primary, given.is_null() | (given == scales[0].total_scale))]
    return [(score, given == score.total_scale) for score in scales]


def _range_text(instrument: Instrument, score: Score) -> str:
    scale = f" {score.total_scale}" if len(instrument.total_scales) > 1 else ""
    return f"{instrument.abbreviation}{scale} totals are {score.min:g}-{score.max:g}"


def _is_multiple(total: pl.Expr, step: float) -> pl.Expr:
    steps = total / step
    return (steps - steps.round(0)).abs() < 1e-9


def _step_reason(instrument: Instrument, score: Score) -> pl.Expr:
    """Why a total cannot be a sum of whole answers on ``score``'s scale."""
    named = len(instrument.total_scales) > 1
    scale = f" ({score.total_scale})" if named else ""
    text = number_text(pl.col("total"))
    abbreviation = instrument.abbreviation
    if score.step == 1.0:
        sum_of = f"a {score.total_scale} total" if named else "the total"
        return pl.format(
            f"{abbreviation} total {{}}{scale} is not a whole number: {sum_of} is a sum of "
            "whole answers",
            text,
        )
    step = f"{score.step:g}"
    unit = next((s for s in instrument.total_scales if s.step == 1.0), None)
    if named and unit is not None:
        why = f"a {score.total_scale} is the {unit.total_scale} total x {step}"
    else:
        why = f"the total is the sum of the answers x {step}"
    return pl.format(f"{abbreviation} total {{}}{scale} is not a multiple of {step}: {why}", text)


def _scale_given_rule(instruments: Sequence[Instrument], given: pl.Expr) -> Rule:
    measure = pl.col("measure")
    reasons: Any = pl.when(False).then(pl.lit(""))
    for instrument in instruments:
        choices = " or ".join(
            f"{s.total_scale} ({s.min:g}-{s.max:g})" for s in instrument.total_scales
        )
        reasons = reasons.when(measure == instrument.id).then(
            pl.lit(
                f"total_scale is empty, but a {instrument.abbreviation} total may be {choices}: "
                "say which"
            )
        )
    return Rule(
        "total_scale_given",
        "total",
        pl.col("total").is_not_null()
        & given.is_null()
        & measure.is_in([i.id for i in instruments]),
        reasons.otherwise(pl.lit("")),
    )


def _scale_known_rule(instruments: Sequence[Instrument], total: pl.Expr) -> Rule:
    measure = pl.col("measure")
    given = pl.col(TOTAL_SCALE)
    known: Any = pl.when(False).then(True)
    reasons: Any = pl.when(False).then(pl.lit(""))
    for instrument in instruments:
        of = measure == instrument.id
        if instrument.primary is None:  # its total is reported by total_in_range
            known = known.when(of & total.is_not_null()).then(True)
            continue
        names = [str(s.total_scale) for s in instrument.total_scales]
        known = known.when(of).then(given.is_in(names))
        if names:
            reason = f"total_scale '{{}}' is not a scale of {instrument.abbreviation} totals"
            reason += f" ({' or '.join(names)})"
        else:
            reason = (
                f"total_scale '{{}}': {instrument.abbreviation} totals have one scale; "
                "leave total_scale empty"
            )
        reasons = reasons.when(of).then(pl.format(reason, given))
    no_total = total.is_null()
    return Rule(
        "total_scale_known",
        TOTAL_SCALE,
        given.is_not_null()
        & measure.is_in([i.id for i in instruments])
        & (no_total | ~known.otherwise(True)),
        pl.when(no_total)
        .then(pl.format("total_scale '{}' is given without a total", given))
        .otherwise(reasons.otherwise(pl.lit(""))),
    )
