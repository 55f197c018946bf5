"""Validate administration frames with pandera; report failures row by row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.definition import Instrument
from measures.parsing import ERROR_SCHEMA, Parsed

if TYPE_CHECKING:
    import pandera.polars as pa


@dataclass(frozen=True)
class Rule:
    """One validation rule: where a row breaks it, and why, in plain words.

    ``fails`` and ``reason`` are polars expressions over the whole row, so the
    same rule runs as a pandera check and as the fast pre-screen.
    """

    name: str
    column: str
    fails: pl.Expr
    reason: pl.Expr
    cheap_screen: pl.Expr | None = None

    @property
    def screen(self) -> pl.Expr:
        """True wherever ``fails`` may be true: a cheaper pre-screen where one exists."""
        return self.fails if self.cheap_screen is None else self.cheap_screen


@dataclass(frozen=True)
class Validation:
    """The rows that passed, and one line per failure (row, column, value, reason)."""

    valid: pl.DataFrame
    rejected: pl.DataFrame
    errors: pl.DataFrame

    @property
    def reasons(self) -> pl.DataFrame:
        """One row per rejected input row: ``row`` and its list of ``reasons``."""
        return self.errors.group_by("row", maintain_order=True).agg(
            pl.col("reason").alias("reasons")
        )


def administration_rules(
    catalog: Catalog,
    columns: Sequence[str],
    *,
    now: dt.datetime,
    measures: Sequence[str] | None = None,
) -> list[Rule]:
    """The rules an administration frame with ``columns`` must satisfy.

    ``measures`` limits the per-instrument rules to the instruments present,
    which keeps the expressions short on large single-instrument files.
    """
    present = [i for i in catalog if measures is None or i.id in measures]
    measure = pl.col("measure")
    known = measure.is_in(list(catalog.ids))
    rules = [
        Rule("client_id_present", "client_id", pl.col("client_id").is_null(),
             pl.lit("client_id is empty")),
        Rule("measure_present", "measure", measure.is_null(), pl.lit("measure is empty")),
        Rule(
            "measure_known", "measure", measure.is_not_null() & ~known,
            pl.format(f"unknown instrument '{{}}' (known: {', '.join(catalog.ids)})", measure),
        ),
        Rule("date_present", "administered_on",
             pl.col("administered_on").is_null(), pl.lit("administered_on is empty")),
        Rule(
            "date_not_future", "administered_on", pl.col("administered_at") > now,
            pl.format("administered_on {} is in the future", pl.col("administered_on")),
        ),
        _duplicate_rule(),
    ]  # fmt: skip
    for column in (c for c in catalog.item_columns if c in columns):
        rules += _item_rules(present, column)
    if "total" in columns:
        rules.append(_total_rule(present))
    return rules


def administration_schema(
    catalog: Catalog,
    columns: Sequence[str],
    *,
    now: dt.datetime,
    measures: Sequence[str] | None = None,
) -> pa.DataFrameSchema:
    """The pandera (polars) schema of an administration frame with ``columns``.

    Each column carries its type and the checks built from
    :func:`administration_rules`; the check names are the rule names.
    """
    import pandera.polars as pa

    types: dict[str, Any] = {
        "client_id": pl.String, "measure": pl.String, "administered_on": pl.String,
        "administered_at": pl.Datetime("us"), "total": pl.Float64, "source_id": pl.String,
    } | dict.fromkeys(catalog.item_columns, pl.Int64)  # fmt: skip
    by_column: dict[str, list[pa.Check]] = {}
    for rule in administration_rules(catalog, columns, now=now, measures=measures):
        by_column.setdefault(rule.column, []).append(_as_check(rule))
    schema_columns = {
        name: pa.Column(types[name], checks=by_column.get(name, []), nullable=True)
        for name in columns
        if name in types
    }
    return pa.DataFrameSchema(schema_columns, strict=False, coerce=False)


def validate_administrations(
    parsed: Parsed | pl.DataFrame,
    catalog: Catalog | None = None,
    *,
    now: dt.datetime | None = None,
) -> Validation:
    """Split a parsed frame into valid rows and a row-level failure report.

    The rules run first as one polars pass; only when some row fails does the
    pandera schema validate the frame (lazily, collecting every failure) to
    produce the report, so a clean million-row file is not validated twice.

    Examples
    --------
    >>> import polars as pl
    >>> from measures import parse_administrations, load_catalog
    >>> raw = pl.DataFrame({
    ...     "client_id": ["C1", "C2"], "measure": ["gad7", "gad7"],
    ...     "administered_on": ["2025-03-01", "2025-03-02"],
    ...     "item_1": ["1", "7"],
    ... })
    >>> result = validate_administrations(parse_administrations(raw, load_catalog()))
    >>> result.errors["reason"].to_list()
    ['item_1 is 7; GAD-7 answers are 0-3']
    """
    catalog = catalog or load_catalog()
    if isinstance(parsed, pl.DataFrame):
        parsed = Parsed(parsed, pl.DataFrame(schema=ERROR_SCHEMA))
    frame = parsed.frame
    now = now or dt.datetime.now()
    measures = frame["measure"].drop_nulls().unique().to_list()
    rules = administration_rules(catalog, frame.columns, now=now, measures=measures)
    failing = frame.select(pl.any_horizontal(r.screen.fill_null(False) for r in rules).any()).item()
    errors = parsed.errors
    if failing:
        report = _pandera_report(frame, catalog, rules, now=now, measures=measures)
        errors = pl.concat([errors, report])
    if errors.is_empty():
        return Validation(valid=frame, rejected=frame.clear(), errors=errors)
    errors = errors.sort("row", maintain_order=True)
    bad_rows = errors["row"].unique()
    return Validation(
        valid=frame.filter(~pl.col("row").is_in(bad_rows)),
        rejected=frame.filter(pl.col("row").is_in(bad_rows)),
        errors=errors,
    )


def _pandera_report(
    frame: pl.DataFrame,
    catalog: Catalog,
    rules: list[Rule],
    *,
    now: dt.datetime,
    measures: Sequence[str],
) -> pl.DataFrame:
    import pandera.polars as pa

    schema = administration_schema(catalog, frame.columns, now=now, measures=measures)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null())
    else:  # pragma: no cover - the pre-screen found a failure pandera must see
        return pl.DataFrame(schema=ERROR_SCHEMA)
    by_name = {r.name: r for r in rules}
    indexed = frame.with_row_index("__index")
    reports = []
    for (check,), group in cases.group_by("check", maintain_order=True):
        rule = by_name[str(check)]
        # the reason is computed on the whole frame: some look at other rows
        reports.append(
            indexed.select(
                "__index",
                "row",
                pl.lit(rule.column).alias("column"),
                pl.col(rule.column).cast(pl.String).alias("value"),
                rule.reason.alias("reason"),
            )
            .filter(pl.col("__index").is_in(group["index"].cast(pl.UInt32)))
            .drop("__index")
        )
    return pl.concat(reports).cast(ERROR_SCHEMA) if reports else pl.DataFrame(schema=ERROR_SCHEMA)


def _as_check(rule: Rule) -> pa.Check:
    import pandera.polars as pa

    passes = ~rule.fails.fill_null(False)
    return pa.Check(lambda data: data.lazyframe.select(passes), name=rule.name)


def _duplicate_rule() -> Rule:
    key = ["client_id", "measure", "administered_at"]
    first_row = pl.col("row").first().over(key)
    return Rule(
        "not_duplicate",
        "administered_on",
        pl.col("administered_at").is_not_null() & ~pl.struct(key).is_first_distinct(),
        pl.format("duplicate of row {} (same client, measure and date)", first_row),
        # equal keys have equal hashes, so no repeated hash means no duplicate
        cheap_screen=pl.struct(key).hash().is_duplicated(),
    )


def _item_rules(catalog: Sequence[Instrument], column: str) -> list[Rule]:
    value = pl.col(column)
    measure = pl.col("measure")
    in_range: Any = pl.when(False).then(True)
    beyond: list[str] = []
    ranges: Any = pl.when(False).then(pl.lit(""))
    for instrument in catalog:
        ids = [i.id for i in instrument.items]
        if column not in ids:
            beyond.append(instrument.id)
            continue
        item = instrument.item(column)
        ok = value.is_in(list(item.values)) if item.values else value.is_between(item.min, item.max)
        allowed = (
            " or ".join(str(v) for v in item.values) if item.values else f"{item.min}-{item.max}"
        )
        in_range = in_range.when(measure == instrument.id).then(ok)
        ranges = ranges.when(measure == instrument.id).then(
            pl.lit(f"{instrument.abbreviation} answers are {allowed}")
        )
    abbreviations = {i.id: i.abbreviation for i in catalog}
    return [
        Rule(
            f"{column}_in_range",
            column,
            value.is_not_null() & ~in_range.otherwise(True),
            pl.format(f"{column} is {{}}; {{}}", value, ranges.otherwise(pl.lit(""))),
        ),
        Rule(
            f"{column}_in_instrument",
            column,
            value.is_not_null() & measure.is_in(beyond),
            pl.format(
                f"{column} has a value but {{}} has fewer items",
                measure.replace_strict(abbreviations, default=measure),
            ),
        ),
    ]


def _total_rule(catalog: Sequence[Instrument]) -> Rule:
    total = pl.col("total")
    measure = pl.col("measure")
    ok: Any = pl.when(False).then(True)
    text: Any = pl.when(False).then(pl.lit(""))
    for instrument in catalog:
        primary = instrument.primary
        if primary is None:
            ok = ok.when(measure == instrument.id).then(False)
            text = text.when(measure == instrument.id).then(
                pl.lit(f"{instrument.abbreviation} has no total score")
            )
        else:
            ok = ok.when(measure == instrument.id).then(total.is_between(primary.min, primary.max))
            text = text.when(measure == instrument.id).then(
                pl.lit(f"{instrument.abbreviation} totals are {primary.min:g}-{primary.max:g}")
            )
    return Rule(
        "total_in_range",
        "total",
        total.is_not_null() & ~ok.otherwise(True),
        pl.format("total is {}; {}", total, text.otherwise(pl.lit(""))),
    )
