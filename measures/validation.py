"""Validate administration frames with pandera; report failures row by row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.definition import Instrument
from measures.identifiers import (
    SOURCE_ID_MAX_LENGTH,
    identifier_rule,
    normalise_columns,
    text_rule,
)
from measures.parsing import Parsed, no_errors
from measures.rules import Rule, Validation, check_rules, rules_schema, split
from measures.totals import TOTAL_SCALE, total_rules

if TYPE_CHECKING:
    import pandera.polars as pa

#: The earliest date an administration may carry; the latest is now. No client in care
#: answered a questionnaire before 1900 (none of the instruments existed), so an earlier
#: date is a typing or conversion error: a year 0001, a two-digit year read as 0026.
#: The bound is round and generous so that no real record is ever refused by it.
EARLIEST_DATE = dt.date(1900, 1, 1)


def administration_rules(
    catalog: Catalog,
    columns: Sequence[str],
    *,
    now: dt.datetime,
    measures: Sequence[str] | None = None,
    identifiers: bool = True,
) -> list[Rule]:
    """The rules an administration frame with ``columns`` must satisfy.

    ``measures`` limits the per-instrument rules to the instruments present,
    which keeps the expressions short on large single-instrument files.
    ``identifiers=False`` leaves out the rules of what a client id and a
    source id may contain (:mod:`measures.identifiers`), for rows whose client
    id is a stored one rather than read from a file (a check-in).
    """
    present = [i for i in catalog if measures is None or i.id in measures]
    measure = pl.col("measure")
    known = measure.is_in(list(catalog.ids))
    rules = [
        Rule(
            "client_id_present",
            "client_id",
            pl.col("client_id").is_null(),
            pl.lit("client_id is empty"),
        ),
        *(_identifier_rules(columns) if identifiers else []),
        Rule("measure_present", "measure", measure.is_null(), pl.lit("measure is empty")),
        Rule(
            "measure_known",
            "measure",
            measure.is_not_null() & ~known,
            pl.format(f"unknown instrument '{{}}' (known: {', '.join(catalog.ids)})", measure),
        ),
        Rule(
            "date_present",
            "administered_on",
            pl.col("administered_on").is_null(),
            pl.lit("administered_on is empty"),
        ),
        Rule(
            "date_not_future",
            "administered_on",
            pl.col("administered_at") > now,
            pl.format("administered_on {} is in the future", pl.col("administered_on")),
            frame_screen=(pl.col("administered_at").max() > now).fill_null(False),
        ),
        _plausible_date_rule(),
        _duplicate_rule(),
    ]
    for column in (c for c in catalog.item_columns if c in columns):
        rules += _item_rules(present, column)
    rules += total_rules(present, columns)
    return rules


def administration_types(catalog: Catalog) -> dict[str, Any]:
    """The polars type of every column a parsed administration frame may have."""
    return {
        "row": pl.Int64,
        "client_id": pl.String,
        "measure": pl.String,
        "administered_on": pl.String,
        "administered_at": pl.Datetime("us"),
        "total": pl.Float64,
        TOTAL_SCALE: pl.String,
        "source_id": pl.String,
    } | dict.fromkeys(catalog.item_columns, pl.Int64)


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
    types = {c: t for c, t in administration_types(catalog).items() if c in columns}
    return rules_schema(administration_rules(catalog, columns, now=now, measures=measures), types)


def validate_administrations(
    parsed: Parsed | pl.DataFrame,
    catalog: Catalog | None = None,
    *,
    now: dt.datetime | None = None,
    duplicates: bool = True,
    identifiers: bool = True,
) -> Validation:
    """Split a parsed frame into valid rows and a row-level failure report.

    ``duplicates=False`` leaves repeated administrations to the caller (the
    store keeps a changed resubmission as a new version). Client ids are
    normalised (NFKC) and checked against the id pattern of
    :mod:`measures.identifiers` unless ``identifiers=False`` (a stored id).

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
        parsed = Parsed(parsed, no_errors())
    frame = normalise_columns(parsed.frame, ["client_id"]) if identifiers else parsed.frame
    measures = frame["measure"].drop_nulls().unique().to_list()
    rules = administration_rules(
        catalog,
        frame.columns,
        now=now or dt.datetime.now(),
        measures=measures,
        identifiers=identifiers,
    )
    if not duplicates:
        rules = [r for r in rules if r.name != "not_duplicate"]
    report = check_rules(frame, rules, administration_types(catalog))
    errors = parsed.errors if report.is_empty() else pl.concat([parsed.errors, report])
    return split(frame, errors)


def _identifier_rules(columns: Sequence[str]) -> list[Rule]:
    """A client id follows the id pattern; a source id is plain text that an export
    gives back unchanged (so a file exported and imported again matches)."""
    rules = [identifier_rule("client_id")]
    if "source_id" in columns:
        rules.append(text_rule("source_id", max_length=SOURCE_ID_MAX_LENGTH, formula=True))
    return rules


def _duplicate_rule() -> Rule:
    key = ["client_id", "measure", "administered_at"]
    first_row = pl.col("row").first().over(key)
    return Rule(
        "not_duplicate",
        "administered_on",
        pl.col("administered_at").is_not_null() & ~pl.struct(key).is_first_distinct(),
        pl.format("duplicate of row {} (same client, measure and date)", first_row),
        # equal keys have equal hashes, so no repeated hash means no duplicate
        cheap_screen=_repeated(_key_hash()),
        frame_screen=_key_hash().n_unique() < pl.len(),
        across_rows=True,
    )


def _plausible_date_rule() -> Rule:
    earliest = dt.datetime.combine(EARLIEST_DATE, dt.time())
    return Rule(
        "date_plausible",
        "administered_on",
        pl.col("administered_at") < earliest,
        pl.format(
            f"administered_on {{}} is before {EARLIEST_DATE.isoformat()}: not a plausible date",
            pl.col("administered_on"),
        ),
        frame_screen=(pl.col("administered_at").min() < earliest).fill_null(False),
    )


def _repeated(value: pl.Expr) -> pl.Expr:
    """True where ``value`` occurs more than once: sorted, the repeats are next to each
    other (a tenth of ``is_duplicated``'s time and memory on a million hashes)."""
    ordered = value.sort()
    return value.is_in(ordered.filter(ordered == ordered.shift(1)).implode())


def _key_hash() -> pl.Expr:
    """One 64-bit hash of (client, measure, date): cheaper than hashing a struct."""
    # the bits of the microseconds since 1970, so that earlier dates hash too
    moment = pl.col("administered_at").cast(pl.Int64).reinterpret(signed=False)
    return (
        pl.col("client_id").hash()
        ^ (pl.col("measure").hash() * 0x9E3779B97F4A7C15)
        ^ (moment * 0xC2B2AE3D27D4EB4F)
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
            frame_screen=_shared_range_screen(catalog, column),
        ),
        Rule(
            f"{column}_in_instrument",
            column,
            value.is_not_null() & measure.is_in(beyond),
            pl.format(
                f"{column} has a value but {{}} has fewer items",
                measure.replace_strict(abbreviations, default=measure),
            ),
            frame_screen=None if beyond else pl.lit(False),
        ),
    ]


def _shared_range_screen(catalog: Sequence[Instrument], column: str) -> pl.Expr | None:
    """Where every instrument gives ``column`` the same min-max range, the column's
    smallest and largest values screen the whole frame (None otherwise)."""
    items = [i.item(column) for i in catalog if column in {item.id for item in i.items}]
    ranges = {(item.min, item.max) for item in items}
    if not items or any(item.values for item in items) or len(ranges) != 1:
        return None
    ((low, high),) = ranges
    value = pl.col(column)
    return ((value.min() < low) | (value.max() > high)).fill_null(False)
