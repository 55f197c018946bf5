"""Vectorised scoring of administration frames for every instrument at once."""

from __future__ import annotations

from typing import Any

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.definition import RISK_LEVEL, Instrument, Score, Triage
from measures.formatting import number_text
from measures.totals import TOTAL_SCALE, on_primary_scale

#: The result columns every scored frame has, whatever its instruments.
RESULT_COLUMNS = (
    "score",
    "severity",
    "caseness",
    "items_answered",
    "prorated",
    "critical",
    RISK_LEVEL,
    "problems",
)

_PROBLEMS = pl.List(pl.String)
#: An optional input column: problems the source's record was found to have when it
#: was read (an answer whose ordinal disagrees with its code), as a list of text;
#: they lead the row's ``problems``.
SOURCE_PROBLEMS = "source_problems"


def score_administrations(frame: pl.DataFrame, catalog: Catalog | None = None) -> pl.DataFrame:
    """Score each row of a wide administration frame, keeping the row order.

    The frame has ``measure`` and ``item_1 ... item_N`` (integer, null = missing)
    and may have ``total``: a total stored by the source, and ``source_problems``:
    problems found in the source's record when it was read (a list of text, which
    lead the row's ``problems``; the column is not kept). It should already have
    passed :func:`measures.validate_administrations`; rows of an unknown
    instrument get a problem and no score.

    Adds ``score`` (the primary score: WHO-5 as its 0-100 percentage),
    ``severity``, ``caseness``, ``items_answered``, ``prorated``, ``critical``
    (true, false, or null: null where the instrument has no safety item, "not
    asked", or its safety item is unanswered, "unknown"), ``risk_level``
    (a screener's triage level, null where an answer it needs is missing or the
    instrument has no triage), ``problems`` (a list of plain-language reasons),
    and for every other score (subscale, composite) its value, ``<id>_band``
    and ``<id>_case``.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame(
    ...     {"measure": ["phq9", "phq9"]}
    ...     | {f"item_{n}": [1, None if n == 4 else 2] for n in range(1, 10)}
    ... )
    >>> scored = score_administrations(frame)
    >>> scored.select("score", "severity", "prorated", "critical").rows()
    [(9.0, 'Mild', False, True), (18.0, 'Moderately severe', True, True)]

    The GAD-7 asks nothing about self-harm: its ``critical`` is null, not false:

    >>> gad7 = pl.DataFrame({"measure": ["gad7"]} | {f"item_{n}": [1] for n in range(1, 8)})
    >>> score_administrations(gad7).select("score", "critical").rows()
    [(7.0, None)]

    The C-SSRS screener has no total, only a risk level; items 3-5 are asked
    only after a yes to item 2, so leaving them out after a no is not missing:

    >>> screens = pl.DataFrame(
    ...     {"measure": ["cssrs_screen"] * 3}
    ...     | {"item_1": [1, 1, 1], "item_2": [0, 1, 1], "item_3": [None, 1, None]}
    ...     | {"item_4": [None, 0, None], "item_5": [None, 0, None]}
    ...     | {"item_6": [0, 0, 0], "item_7": [None, None, None]}
    ... )
    >>> score_administrations(screens).select("score", "risk_level", "critical").rows()
    [(None, 'Low', False), (None, 'Moderate', False), (None, None, None)]
    """
    catalog = catalog or load_catalog()
    frame = _with_item_columns(frame, catalog)
    if "__row" not in frame.columns:
        frame = frame.with_row_index("__row")
    parts = []
    measures = frame["measure"].unique()
    groups = (
        {(measures[0],): frame}
        if len(measures) == 1
        else frame.partition_by("measure", as_dict=True, maintain_order=True)
    )
    for (measure,), part in groups.items():
        if isinstance(measure, str) and measure in catalog:
            parts.append(_score_instrument(part, catalog[measure]))
        else:
            parts.append(_unknown_instrument(part, measure))
    if not parts:
        return _with_source_problems(_score_instrument(frame, next(iter(catalog))).clear())
    if len(parts) == 1:
        return _with_source_problems(_labels_as_text(parts[0]).drop("__row"))
    scored = pl.concat([_labels_as_text(p) for p in parts], how="diagonal_relaxed")
    scored = scored.sort("__row")
    return _with_source_problems(scored.drop("__row"))


def _with_source_problems(scored: pl.DataFrame) -> pl.DataFrame:
    """The source's own problems first in ``problems``; the input column dropped."""
    if SOURCE_PROBLEMS not in scored.columns:
        return scored
    own = pl.col(SOURCE_PROBLEMS).cast(_PROBLEMS).fill_null(pl.lit([], _PROBLEMS))
    return scored.with_columns(pl.concat_list(own, "problems").alias("problems")).drop(
        SOURCE_PROBLEMS
    )


def safety_unknown(catalog: Catalog) -> pl.Expr:
    """True where a scored row's safety status is unknown: its instrument has a
    safety item but ``critical`` is null (unanswered, or a total only).

    A null ``critical`` of an instrument without a safety item means "not
    asked" and is false here; an unknown instrument is unknown.

    Examples
    --------
    >>> scored = pl.DataFrame(
    ...     {"measure": ["phq9", "phq9", "gad7", "mystery"], "critical": [None, False, None, None]},
    ...     schema_overrides={"critical": pl.Boolean},
    ... )
    >>> scored.select(safety_unknown(load_catalog()))["critical"].to_list()
    [True, False, False, True]
    """
    asked = {i.id for i in catalog.with_safety_items()}
    silent = [i.id for i in catalog if i.id not in asked]
    not_asked = pl.col("measure").is_in(silent).fill_null(False)
    return pl.col("critical").is_null() & ~not_asked


def _labels_as_text(scored: pl.DataFrame) -> pl.DataFrame:
    """Band labels are per-instrument enums; as text they can be combined."""
    enums = [c for c, t in scored.schema.items() if isinstance(t, pl.Enum)]
    return scored.with_columns(pl.col(enums).cast(pl.String)) if enums else scored


def _with_item_columns(frame: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    absent = [c for c in catalog.item_columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.Int64).alias(c) for c in absent)


def value_exprs(instrument: Instrument, *, complete: bool) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """Expressions for ``items_answered``, every score, ``prorated`` and ``critical``,
    and the expressions of the problems that explain a missing score.

    ``complete`` promises that no item of the frame is missing, which skips the
    missing-item arithmetic (same result, fewer passes over a large frame).
    """
    items = [pl.col(i.id) for i in instrument.items]
    answered = (
        pl.lit(len(items), pl.Int64)
        if complete
        else pl.sum_horizontal(c.is_not_null() for c in items).cast(pl.Int64)
    )
    values: list[pl.Expr] = [answered.alias("items_answered")]
    problems: list[pl.Expr] = []
    for score in instrument.scores:
        value, prorated, problem = _score_expr(instrument, score, complete=complete)
        values.append(value.alias(score.column))
        if score.primary:
            values.append(prorated.alias("prorated"))
        problems.append(problem)
    critical, critical_problems = _critical_exprs(instrument)
    values.append(critical.alias("critical"))
    risk, risk_problems = _triage_exprs(instrument, instrument.triage)
    values.append(risk.alias(RISK_LEVEL))
    return values, problems + critical_problems + risk_problems


def label_exprs(instrument: Instrument) -> list[pl.Expr]:
    """Band and caseness of every score, computed from the score columns."""
    labels = [e for score in instrument.scores for e in _band_and_case(score)]
    if instrument.primary is None:
        labels += [
            pl.lit(None, pl.Float64).alias("score"),
            pl.lit(None, pl.String).alias("severity"),
            pl.lit(None, pl.Boolean).alias("caseness"),
            pl.lit(False).alias("prorated"),
        ]
    return labels


def _score_instrument(part: pl.DataFrame, instrument: Instrument) -> pl.DataFrame:
    has_total = "total" in part.columns
    incomplete = pl.any_horizontal(pl.col(i.id).is_null() for i in instrument.items)
    if has_total:
        incomplete = incomplete | pl.col("total").is_not_null()
    messy = part.filter(incomplete)
    if messy.is_empty() or messy.height == part.height:
        return _score_part(part, instrument, complete=messy.is_empty())
    # most rows are complete: they take the short path, the rest the careful one
    clean = part.filter(~incomplete)
    scored = [
        _score_part(clean, instrument, complete=True),
        _score_part(messy, instrument, complete=False),
    ]
    return pl.concat(scored, how="diagonal_relaxed").sort("__row")


def _score_part(part: pl.DataFrame, instrument: Instrument, *, complete: bool) -> pl.DataFrame:
    has_total = "total" in part.columns
    needs_problems = not complete
    values, problem_exprs = value_exprs(instrument, complete=not needs_problems)
    scored = part.with_columns(values)
    if has_total and instrument.primary is not None:
        stored = on_primary_scale(instrument, part.columns)
        total_only = (pl.col("items_answered") == 0) & pl.col("total").is_not_null()
        # a total on one scale gives the others too (WHO-5: percentage and raw)
        companions = [
            pl.when(total_only)
            .then(stored / instrument.scale_factor(score))
            .otherwise(pl.col(score.column))
            .alias(score.column)
            for score in instrument.total_scales
            if not score.primary
        ]
        scored = scored.with_columns(
            pl.when(total_only).then(stored).otherwise(pl.col("score")).alias("score"),
            *companions,
            pl.when(total_only).then(None).otherwise(pl.col("critical")).alias("critical"),
        )
        problem_exprs = [pl.when(~total_only).then(p) for p in problem_exprs]
        problem_exprs += _total_problems(instrument, part.columns)
    labels = label_exprs(instrument)
    if needs_problems:
        labels.append(pl.concat_list(problem_exprs).list.drop_nulls().alias("problems"))
    else:
        labels.append(pl.lit([], _PROBLEMS).alias("problems"))
    return scored.with_columns(labels)


def _score_expr(
    instrument: Instrument, score: Score, *, complete: bool
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The score value, whether it was prorated, and the problem when unscorable.

    ``complete`` says no item in the frame is missing, which skips the
    missing-item arithmetic (same result, fewer passes over a large frame).
    """
    defs = [instrument.item(i) for i in score.items]
    # reverse-keyed items count as (min + max - answer); critical flags read raw answers;
    # an item the form skipped counts as its rule's scored_as, where it names one
    cols = [d.scored_value(_answer(instrument, d.id, complete=complete)) for d in defs]
    n = len(cols)
    answered = pl.sum_horizontal(c.is_not_null() for c in cols)
    missing = n - answered
    raw = pl.sum_horizontal(cols).cast(pl.Float64)
    if score.formula == "mean":
        full = raw / answered
        filled = full
    else:
        k = score.multiplier if score.formula == "sum_times" else 1.0
        full = raw * k
        # NHS Data Dictionary: substitute the mean of the answered items, i.e.
        # total = mean x n; rounded half up to a whole point.
        filled = (raw * n / answered + 0.5).floor() * k
    allowed = score.missing.max_missing
    if complete:
        return full, pl.lit(False), pl.lit(None, pl.String)
    value = (
        pl.when(missing == 0)
        .then(full)
        .when((missing <= allowed) & (answered > 0))
        .then(filled)
        .otherwise(None)
    )
    prorated = (missing > 0) & (missing <= allowed) & (answered > 0)
    which = pl.concat_str(
        [pl.when(c.is_null()).then(pl.lit(str(d.number))) for c, d in zip(cols, defs, strict=True)],
        separator=", ",
        ignore_nulls=True,
    )
    prefix = "" if score.primary else f"{score.label}: "
    if allowed:
        rule = f"{instrument.abbreviation} allows at most {allowed} missing, so no score"
    else:
        rule = (
            f"{instrument.abbreviation} has no published rule for filling in missing "
            "items, so no score"
        )
    noun = pl.when(missing == 1).then(pl.lit("item")).otherwise(pl.lit("items"))
    problem = pl.when(missing > allowed).then(
        pl.format(f"{prefix}{{}} of {n} items missing ({{}} {{}}); {rule}", missing, noun, which)
    )
    return value, prorated, problem


def _answer(instrument: Instrument, item_id: str, *, complete: bool) -> pl.Expr:
    """The raw answer a score counts: a skipped item as its ``asked_if.scored_as``.

    The BAM-R skips item 5 (days of heavy drinking) after 0 days of drinking
    (item 4): with ``scored_as = 0`` the Use composite counts it as 0 days, a
    choice its definition explains. Unanswered while the skip is undecided (item
    4 unanswered too), it stays missing.
    """
    answer = pl.col(item_id)
    condition = instrument.item(item_id).asked_if
    if complete or condition is None or condition.scored_as is None:
        return answer
    skipped = (~_endorsed(instrument, condition.item, condition.above)).fill_null(False)
    return pl.when(answer.is_null() & skipped).then(condition.scored_as).otherwise(answer)


def _band_and_case(score: Score) -> list[pl.Expr]:
    value = pl.col(score.column)
    band_col = "severity" if score.primary else f"{score.column}_band"
    case_col = "caseness" if score.primary else f"{score.column}_case"
    band: pl.Expr = pl.lit(None, pl.String)
    if score.bands:
        bands = sorted(score.bands, key=lambda b: b.min)
        labels = pl.Enum([b.label for b in bands])
        # the first band whose upper bound is at or above the value; empty above the
        # last one (a when-chain is many times faster than search_sorted + gather)
        first, *rest = bands
        chain: Any = pl.when(value <= first.max).then(pl.lit(first.label, labels))
        for b in rest:
            chain = chain.when(value <= b.max).then(pl.lit(b.label, labels))
        band = chain.otherwise(pl.lit(None, labels))
    case: pl.Expr = pl.lit(None, pl.Boolean)
    if score.caseness is not None:
        case = score.caseness.is_case(value)
    return [band.alias(band_col), case.alias(case_col)]


def _endorsed(instrument: Instrument, item_id: str, above: int) -> pl.Expr:
    """Whether the raw answer to ``item_id`` is above ``above``: true, false or null.

    Null means unknown: the item is unanswered although it was, or may have
    been, asked. An item its form skipped (its ``asked_if`` is answered and not
    met) is false, not unknown. Answers are read raw, never reverse-keyed.
    """
    answer = pl.col(item_id) > above
    condition = instrument.item(item_id).asked_if
    if condition is None:
        return answer
    asked = _endorsed(instrument, condition.item, condition.above)
    return pl.when(pl.col(item_id).is_not_null()).then(answer).when(~asked).then(False)


def _critical_exprs(instrument: Instrument) -> tuple[pl.Expr, list[pl.Expr]]:
    """Critical flag from the raw items; an unanswered safety item is unknown.

    An instrument without a safety item never asked about safety: its flag is
    null ("not asked"), never false, which would read as "no self-harm". A
    reader tells it from "unknown" by the instrument (:func:`safety_unknown`).
    """
    if not instrument.critical_items:
        return pl.lit(None, pl.Boolean), []
    flags = []
    problems: list[pl.Expr] = []
    for critical in instrument.critical_items:
        item = instrument.item(critical.item)
        flag = _endorsed(instrument, critical.item, critical.above)
        flags.append(flag)
        problems.append(
            pl.when(flag.is_null()).then(
                pl.lit(
                    f"item {item.number} ({item.label}) unanswered: "
                    "safety status unknown, follow up in person"
                )
            )
        )
    endorsed = pl.any_horizontal(f.fill_null(False) for f in flags)
    unknown = pl.any_horizontal(f.is_null() for f in flags)
    flag = pl.when(endorsed).then(True).when(unknown).then(None).otherwise(False)
    return flag, problems


def _triage_exprs(instrument: Instrument, triage: Triage | None) -> tuple[pl.Expr, list[pl.Expr]]:
    """The risk level: the highest level whose rule is met, unknown while a rule
    above it cannot be decided; ``otherwise`` only when no rule can be met."""
    if triage is None:
        return pl.lit(None, pl.String), []
    met: dict[str, pl.Expr] = {}
    for name in triage.levels:
        flags = [
            _endorsed(instrument, item, rule.above)
            for rule in triage.rules
            if rule.level == name
            for item in rule.items
        ]
        if flags:
            met[name] = pl.any_horizontal(flags)
    # highest level first: met -> that level; undecided -> unknown, whatever lies below
    chain: Any = pl.when(False).then(pl.lit(None, pl.String))
    for name in sorted(met, key=triage.rank, reverse=True):
        chain = chain.when(met[name]).then(pl.lit(name))
        chain = chain.when(met[name].is_null()).then(pl.lit(None, pl.String))
    level: pl.Expr = chain.otherwise(pl.lit(triage.otherwise))
    needed = [instrument.item(i) for i in dict.fromkeys(i for r in triage.rules for i in r.items)]
    unknown = pl.concat_str(
        [
            pl.when(_endorsed(instrument, item.id, item.min).is_null()).then(
                pl.lit(str(item.number))
            )
            for item in needed
        ],
        separator=", ",
        ignore_nulls=True,
    )
    problem = pl.when(level.is_null()).then(
        pl.format(
            f"{instrument.abbreviation} risk level unknown: item(s) {{}} unanswered; "
            "never read as low, follow up in person",
            unknown,
        )
    )
    return level, [problem]


def _total_problems(instrument: Instrument, columns: list[str]) -> list[pl.Expr]:
    """Compare a total stored by the source with the score computed from items.

    The comparison is on the primary score's scale; the message gives both on
    the scale the total was given on.
    """
    computed = pl.col("score")
    given = pl.col("total")
    stored = on_primary_scale(instrument, columns)
    answered = pl.col("items_answered")
    scale: pl.Expr = pl.lit("")
    factor: pl.Expr = pl.lit(1.0)
    if TOTAL_SCALE in columns and instrument.total_scales:
        name = pl.col(TOTAL_SCALE)
        scale = pl.when(name.is_not_null()).then(pl.format(" ({})", name)).otherwise(pl.lit(""))
        chain: Any = pl.when(False).then(pl.lit(1.0))
        for score in instrument.total_scales:
            chain = chain.when(name == score.total_scale).then(
                pl.lit(instrument.scale_factor(score))
            )
        factor = chain.otherwise(pl.lit(1.0))
    only = pl.when((answered == 0) & given.is_not_null()).then(
        pl.lit("total only (no item answers): item-level flags unknown")
    )
    disagree = pl.when(
        given.is_not_null()
        & computed.is_not_null()
        & (answered > 0)
        & ((stored - computed).abs() > 1e-9)
    ).then(
        pl.format(
            "stored total {}{} disagrees with the answers ({}); the computed score is used",
            number_text(given),
            scale,
            number_text(computed / factor),
        )
    )
    return [only, disagree]


def _unknown_instrument(part: pl.DataFrame, measure: object) -> pl.DataFrame:
    return part.with_columns(
        pl.lit(None, pl.Float64).alias("score"),
        pl.lit(None, pl.String).alias("severity"),
        pl.lit(None, pl.Boolean).alias("caseness"),
        pl.lit(0, pl.Int64).alias("items_answered"),
        pl.lit(False).alias("prorated"),
        pl.lit(None, pl.Boolean).alias("critical"),
        pl.lit(None, pl.String).alias(RISK_LEVEL),
        pl.lit([f"unknown instrument {measure!r}"], _PROBLEMS).alias("problems"),
    )
