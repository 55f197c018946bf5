"""A small rule engine: plain-language rules, as a pandera schema and checked in polars
with a fast pre-screen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from measures.parsing import ERROR_SCHEMA, no_errors

if TYPE_CHECKING:
    import pandera.polars as pa


@dataclass(frozen=True)
class Rule:
    """One validation rule: where a row breaks it, and why, in plain words.

    ``fails`` and ``reason`` are polars expressions over the whole row, so the
    same rule runs as a pandera check and as the fast pre-screen. A rule may add
    a cheaper row screen (``cheap_screen``) and a cheaper whole-frame one
    (``frame_screen``, an aggregate), which may flag more than ``fails`` but
    never less. ``across_rows``: a row's result depends on other rows (a
    duplicate), so the rule is never checked on a part of the rows alone.
    """

    name: str
    column: str
    fails: pl.Expr
    reason: pl.Expr
    cheap_screen: pl.Expr | None = None
    frame_screen: pl.Expr | None = None
    across_rows: bool = False

    @property
    def screen(self) -> pl.Expr:
        """True wherever ``fails`` may be true: a cheaper pre-screen where one exists."""
        return self.fails if self.cheap_screen is None else self.cheap_screen

    @property
    def any_screen(self) -> pl.Expr:
        """One boolean for the whole frame: True when some row may fail."""
        if self.frame_screen is not None:
            return self.frame_screen
        return self.screen.fill_null(False).any()


@dataclass(frozen=True)
class Validation:
    """The rows that passed, those that did not, and one line per failure."""

    valid: pl.DataFrame
    rejected: pl.DataFrame
    errors: pl.DataFrame

    @property
    def reasons(self) -> pl.DataFrame:
        """One row per rejected input row: ``row`` and its list of ``reasons``."""
        return self.errors.group_by("row", maintain_order=True).agg(
            pl.col("reason").alias("reasons")
        )


def rules_schema(rules: Sequence[Rule], types: Mapping[str, Any]) -> pa.DataFrameSchema:
    """A pandera (polars) schema: each column's type and the checks of its rules."""
    import pandera.polars as pa

    by_column: dict[str, list[pa.Check]] = {}
    for rule in rules:
        by_column.setdefault(rule.column, []).append(_as_check(rule))
    columns = {
        name: pa.Column(dtype, checks=by_column.get(name, []), nullable=True)
        for name, dtype in types.items()
    }
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def check_rules(
    frame: pl.DataFrame, rules: Sequence[Rule], types: Mapping[str, Any]
) -> pl.DataFrame:
    """Every rule failure as (row, column, value, reason); empty when all rows pass.

    The rules run first as one polars pass over the frame's aggregates; only when
    some row may fail are the rows a screen flags checked rule by rule, in the
    order the pandera schema of :func:`rules_schema` checks them (column by
    column, each column's rules in turn), so the report is the one that schema's
    lazy validation gives (``tests/measures/test_rule_engine.py`` holds them
    equal) without its cost on a large file.
    """
    if not rules or not frame.select(pl.any_horizontal(r.any_screen for r in rules)).item():
        return no_errors()
    screen = pl.any_horizontal(r.screen.fill_null(False) for r in rules)
    # Only the rows a screen flags can fail. Every rule is about its own row except
    # duplicates, whose screen flags every member of a group (the first one too), so
    # the subset still holds whole groups.
    # rechunked: polars 2.1 could panic ("i < self.len()") building string reasons on the
    # filtered rows' string views (tests/store/test_import_properties.py, the seeded test)
    flagged = frame.filter(screen).rechunk()
    reports = [
        # the reason is computed on all the flagged rows: some look at other rows
        flagged.select(
            "row",
            pl.lit(rule.column).alias("column"),
            pl.col(rule.column).cast(pl.String).alias("value"),
            rule.reason.alias("reason"),
            rule.fails.fill_null(False).alias("__fails"),
        )
        .filter(pl.col("__fails"))
        .drop("__fails")
        for rule in _in_schema_order(rules, types, flagged.columns)
    ]
    report = pl.concat(reports).cast(ERROR_SCHEMA)
    return report.sort("row", maintain_order=True)


def _in_schema_order(
    rules: Sequence[Rule], types: Mapping[str, Any], columns: Sequence[str]
) -> list[Rule]:
    """The rules in the order :func:`rules_schema` checks them: its columns in order
    (the typed ones present, then the helper columns rules report on), each column's
    rules as given."""
    order = [name for name in types if name in columns]
    order += [r.column for r in rules if r.column not in order]
    position = {name: number for number, name in enumerate(dict.fromkeys(order))}
    return sorted(rules, key=lambda rule: position[rule.column])


def split(frame: pl.DataFrame, errors: pl.DataFrame) -> Validation:
    """Rows named in ``errors`` are rejected; the others are valid."""
    if errors.is_empty():
        return Validation(valid=frame, rejected=frame.clear(), errors=errors)
    errors = errors.sort("row", maintain_order=True)
    bad_rows = errors["row"].unique().to_list()
    return Validation(
        valid=frame.filter(~pl.col("row").is_in(bad_rows)),
        rejected=frame.filter(pl.col("row").is_in(bad_rows)),
        errors=errors,
    )


def _as_check(rule: Rule) -> pa.Check:
    import pandera.polars as pa

    passes = ~rule.fails.fill_null(False)
    return pa.Check(lambda data: data.lazyframe.select(passes), name=rule.name)
