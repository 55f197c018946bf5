"""Read wide administration CSVs and cast their cells, reporting what will not parse."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from measures.catalog import KEY_COLUMNS, Catalog
from measures.textfile import (
    SAVE_AGAIN,
    encoding_problem,
    header_line_problem,
    line_end_problem,
)

#: Optional columns the wide format understands besides the items: a stored total,
#: the scale it is on (``raw``, ``percentage``: see :mod:`measures.totals`), the source's id.
OPTIONAL_COLUMNS = ("total", "total_scale", "source_id")
#: The columns of a cell-level error report.
ERROR_SCHEMA = pl.Schema(
    {"row": pl.Int64(), "column": pl.String(), "value": pl.String(), "reason": pl.String()}
)

_ITEM_LIKE = re.compile(r"^(item|q|question)[ _-]?\d+$")
_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")


class FormatError(ValueError):
    """The file as a whole cannot be read as an administration table."""


@dataclass(frozen=True)
class Parsed:
    """A typed administration frame and the cells that could not be parsed.

    ``frame`` has ``row`` (the line number in the file, the header being line 1),
    ``client_id``, ``measure`` (normalised to a catalog id where it matches one),
    ``administered_on`` (as written), ``administered_at`` (parsed), the item
    columns as Int64 and any optional columns present.
    """

    frame: pl.DataFrame
    errors: pl.DataFrame
    ignored_columns: tuple[str, ...] = ()


def read_administrations_csv(path: str | os.PathLike[str], catalog: Catalog) -> Parsed:
    """Read a wide administration CSV: one row per administration.

    Raises :class:`FormatError` with a one-line reason when the file cannot be
    used at all (missing, not UTF-8, wrong delimiter, missing or duplicate
    columns, rows with more fields than the header, a carriage return that ends
    no line). Problems in single cells are returned in ``errors`` instead, so the
    other rows still score.
    """
    path = Path(path)
    header = read_header(path)
    check_header(header, catalog)
    check_text(path)
    raw = read_rows(path, header, catalog)
    return parse_rows(raw, header, catalog, first_row=2, short=short_rows_in(path, raw))


def read_rows(
    path: Path, header: list[str], catalog: Catalog, *, skip: int = 0, rows: int | None = None
) -> pl.DataFrame:
    """The rows of a wide CSV (``rows`` of them after the first ``skip``, or all), items
    as whole numbers; every cell as text if one is not (it is reported when parsed)."""
    items = [c for c in header if c in catalog.item_columns]
    typed = {c: pl.String for c in header} | {c: pl.Int64 for c in items}
    try:
        return read_csv_rows(path, typed, skip=skip, rows=rows)
    except pl.exceptions.PolarsError:
        return read_text_cells(path, len(header), skip=skip, rows=rows)


def parse_rows(
    raw: pl.DataFrame, header: list[str], catalog: Catalog, *, first_row: int, short: pl.DataFrame
) -> Parsed:
    """Rows of a wide CSV as read (``first_row`` the number of the first), parsed, with
    the errors of those of the file's ``short`` rows among them."""
    # one chunk per column: polars 2.1 can panic filtering text cells across chunks
    raw = raw.rename(dict(zip(raw.columns, header, strict=True))).rechunk()
    raw = raw.with_row_index("row", offset=first_row).with_columns(pl.col("row").cast(pl.Int64))
    return with_short_rows(parse_administrations(raw, catalog), short)


def with_short_rows(parsed: Parsed, short: pl.DataFrame) -> Parsed:
    """``parsed`` with the errors of those ``short`` rows that are among its rows."""
    # a row left blank (only commas, or one empty quoted cell) is no row at all
    short = short.join(parsed.frame.select("row"), on="row", how="semi")
    if short.is_empty():
        return parsed
    errors = pl.concat([parsed.errors, short.cast(ERROR_SCHEMA)]).sort("row", maintain_order=True)
    return Parsed(parsed.frame, errors, parsed.ignored_columns)


def parse_administrations(raw: pl.DataFrame, catalog: Catalog) -> Parsed:
    """Cast a raw (text or typed) administration frame; report unparseable cells."""
    if "row" not in raw.columns:
        raw = raw.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    known = {*wide_columns(catalog), "row"}
    ignored = tuple(c for c in raw.columns if c not in known)
    data_columns = [c for c in raw.columns if c in known and c != "row"]
    raw = _drop_blank_rows(raw.select("row", *data_columns))
    errors: list[pl.DataFrame] = []
    casts: list[pl.Expr] = [normalise_measure(raw["measure"], catalog).alias("measure")]
    casts += [
        _text(pl.col(c)).alias(c)
        for c in ("client_id", "administered_on")
        if raw.schema[c] != pl.String or _padded(raw, c)
    ]
    for column in (c for c in data_columns if c in catalog.item_columns or c == "total"):
        cast, error = _number(raw, column, whole=column != "total")
        casts.append(cast)
        if error is not None:
            errors.append(error)
    if "source_id" in raw.columns:
        casts.append(_text(pl.col("source_id")).alias("source_id"))
    if "total_scale" in raw.columns:
        casts.append(_text(pl.col("total_scale")).str.to_lowercase().alias("total_scale"))
    frame = raw.with_columns(casts)
    frame, date_errors = _parse_dates(frame)
    errors.append(date_errors)
    report = pl.concat([e.cast(ERROR_SCHEMA) for e in errors]) if errors else no_errors()
    return Parsed(frame, report.sort("row", maintain_order=True), ignored)


def read_csv_rows(
    path: Path,
    overrides: Mapping[str, pl.DataType | type[pl.DataType]],
    *,
    skip: int = 0,
    rows: int | None = None,
) -> pl.DataFrame:
    """The rows of a CSV file (``rows`` of them after the first ``skip``, or all), each
    column of the type ``overrides`` gives it (in order)."""
    return pl.read_csv(
        path,
        has_header=True,
        schema_overrides=list(overrides.values()),
        infer_schema=False,
        encoding="utf8",
        skip_rows_after_header=skip,
        n_rows=rows,
    )


def read_text_cells(
    path: Path, n_columns: int, *, skip: int = 0, rows: int | None = None
) -> pl.DataFrame:
    """Every cell of a CSV file with ``n_columns`` columns as text, named by its header
    (``rows`` of them after the first ``skip``, or all).

    Raises :class:`FormatError` with a one-line reason (which never quotes a
    cell) when the file cannot be read: a line with more fields than the header,
    bytes that are not UTF-8.
    """
    try:
        return read_csv_rows(
            path, {str(n): pl.String for n in range(n_columns)}, skip=skip, rows=rows
        )
    except pl.exceptions.PolarsError as exc:
        raise unreadable(path, n_columns, exc) from None


def unreadable(path: Path, n_columns: int, exc: pl.exceptions.PolarsError) -> FormatError:
    """What made polars refuse a CSV file, in one line that never quotes a cell."""
    if "more fields" in str(exc):
        return FormatError(_too_many_fields(path, n_columns))
    # the reader's own message may quote cells: it is not passed on
    return FormatError(encoding_problem(path) or f"{path.name} cannot be read as CSV: {SAVE_AGAIN}")


def check_text(path: Path) -> None:
    """Raise :class:`FormatError` when a file's line ends are not LF or CRLF."""
    problem = line_end_problem(path)
    if problem is not None:
        raise FormatError(problem)


def read_header(path: Path) -> list[str]:
    try:
        with path.open("rb") as handle:
            first = handle.readline(1 << 16)
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise FormatError(msg) from None
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        msg = f"{path} is not UTF-8 text; save it as CSV UTF-8"
        raise FormatError(msg) from None
    if not text.strip():
        msg = f"{path} is empty or has no header row"
        raise FormatError(msg)
    problem = header_line_problem(path.name, text)
    if problem is not None:
        raise FormatError(problem)
    try:
        return [c.strip().lower() for c in next(csv.reader(io.StringIO(text)))]
    except csv.Error:
        msg = f"{path.name} has no readable header row: {SAVE_AGAIN}"
        raise FormatError(msg) from None


def check_header(header: list[str], catalog: Catalog) -> None:
    if len(header) == 1:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in header[0]:
                msg = f"the file looks {name}-separated; save it as comma-separated CSV"
                raise FormatError(msg)
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        msg = f"duplicate column(s) in the header: {', '.join(duplicates)}"
        raise FormatError(msg)
    missing = [c for c in KEY_COLUMNS if c not in header]
    if missing:
        msg = f"missing required column(s): {', '.join(missing)} (found: {', '.join(header)})"
        raise FormatError(msg)
    odd = [c for c in header if _ITEM_LIKE.match(c) and c not in catalog.item_columns]
    if odd:
        msg = (
            f"unknown item column(s) {', '.join(odd)}: items are named item_1 ... "
            f"item_{catalog.max_items}"
        )
        raise FormatError(msg)
    if "total" not in header and not any(c in catalog.item_columns for c in header):
        msg = (
            f"no item columns (item_1 ... item_{catalog.max_items}) and no total column: "
            "there is nothing to score"
        )
        raise FormatError(msg)


def _too_many_fields(path: Path, n_columns: int) -> str:
    bad = _field_counts(path, pl.col("fields") > n_columns).head(1)
    if bad.height:
        line, fields = bad.row(0)
        return f"line {line} has {fields} fields but the header has {n_columns}"
    return f"some line has more fields than the header's {n_columns}"


def read_lines(path: Path) -> pl.DataFrame:
    """Every physical line of a text file: ``line`` (1 = the header) and its ``text``."""
    return _of_lines(path, lambda lines: lines.with_columns(pl.col("text").fill_null("")))


def read_lines_of(path: Path, rows: pl.Series) -> pl.DataFrame:
    """The text of the given lines (``row``, ``raw``); the file is streamed, and only
    those lines are held."""
    wanted = rows.cast(pl.Int64).implode()
    return _of_lines(
        path,
        lambda lines: lines.filter(pl.col("line").is_in(wanted)).select(
            pl.col("line").alias("row"), pl.col("text").fill_null("").alias("raw")
        ),
    )


def count_lines(path: Path) -> int:
    """The number of physical lines of a text file, as :func:`read_lines` numbers them."""
    return int(_of_lines(path, lambda lines: lines.select(pl.len())).item())


def _of_lines(path: Path, query: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.DataFrame:
    """``query`` over the file's lines (``line``, ``text``), streamed."""
    try:
        return query(_lines(path)).collect(engine="streaming")
    except pl.exceptions.ComputeError:  # a line holds the separator, an ASCII unit separator
        return query(_split_lines(path).lazy()).collect()


def _lines(path: Path) -> pl.LazyFrame:
    return (
        pl.scan_csv(
            path,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            infer_schema=False,
            new_columns=["text"],
            encoding="utf8-lossy",
        )
        .with_row_index("line", offset=1)
        .with_columns(pl.col("line").cast(pl.Int64))
    )


def _split_lines(path: Path) -> pl.DataFrame:
    text = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    if text and text[-1] == "":
        text.pop()
    rows = [line.removesuffix("\r") or None for line in text]
    frame = pl.DataFrame({"text": rows}, schema={"text": pl.String})
    return frame.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))


def _field_counts(path: Path, keep: pl.Expr) -> pl.DataFrame:
    """Fields per physical line after the header (commas + 1; quoted commas may
    over-count), of the lines where ``keep`` (over ``line`` and ``fields``) is true:
    the file is streamed, and only those lines are ever held in memory."""
    text = pl.col("text").fill_null("")
    # a blank line is no row at all, never a short one
    commas = text.str.count_matches(",", literal=True)
    fields = pl.when(text.str.contains(r"^\s*$")).then(None).otherwise(commas + 1)

    return _of_lines(
        path,
        lambda lines: (
            lines.filter(pl.col("line") > 1).select("line", fields.alias("fields")).filter(keep)
        ),
    )


def _record_field_counts(path: Path) -> pl.DataFrame:
    """Fields per record, numbered like rows, for files whose quoted cells hold line
    breaks (Python's csv reader: slower than counting commas, but it knows quotes)."""
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            records = csv.reader(handle)
            next(records, None)
            fields = [len(r) if any(c.strip() for c in r) else None for r in records]
    except csv.Error:  # e.g. a cell beyond the csv module's size limit: no report
        fields = []
    return pl.DataFrame(
        {"line": range(2, len(fields) + 2), "fields": fields},
        schema={"line": pl.Int64, "fields": pl.Int64},
    )


def short_rows_in(path: Path, raw: pl.DataFrame) -> pl.DataFrame:
    """:func:`short_rows` of the file ``raw`` was read from whole: none to look for
    unless its last column has an empty cell."""
    if raw.height == 0 or raw[raw.columns[-1]].null_count() == 0:
        return no_errors()
    return short_rows(path, raw.height, raw.width)


def short_rows(path: Path, rows: int, n_columns: int) -> pl.DataFrame:
    """Rows with fewer fields than the header, such as a file cut off mid-line, as
    errors; ``rows``: the rows polars read from the file.

    Polars fills the missing trailing fields with nulls, which would look like
    unanswered items; a short row always leaves the last column null, so only
    then need the lines be counted. The file is streamed; only short lines are kept.
    """
    if count_lines(path) - 1 == rows:
        counts = _field_counts(path, pl.col("fields") < n_columns)
    else:  # quoted line breaks: lines and rows differ
        counts = _record_field_counts(path).filter(pl.col("fields") < n_columns)
    return counts.filter(pl.col("line") <= rows + 1).select(
        pl.col("line").alias("row"),
        pl.lit(None, pl.String).alias("column"),
        pl.lit(None, pl.String).alias("value"),
        pl.format(
            "the row has {} of {} fields: the line is incomplete (was the file cut off?)",
            pl.col("fields"),
            pl.lit(n_columns),
        ).alias("reason"),
    )


def _drop_blank_rows(raw: pl.DataFrame) -> pl.DataFrame:
    """Drop rows with no value at all (blank lines, or only commas)."""
    data = [c for c in raw.columns if c != "row"]
    keyed = pl.all_horizontal(~blank_row([pl.col(c)]) for c in KEY_COLUMNS)
    if raw.select(keyed.all()).item():  # every row has its keys (white space is no key)
        return raw
    return raw.filter(~blank_row(pl.col(c) for c in data))


def blank_row(cells: Iterable[pl.Expr]) -> pl.Expr:
    """True where every one of ``cells`` is empty or white space: a row with no value."""
    return pl.all_horizontal(
        cell.is_null() | (cell.cast(pl.String).str.strip_chars() == "") for cell in cells
    )


def wide_columns(catalog: Catalog) -> set[str]:
    """The columns the wide format reads: the keys, the optional columns, the items."""
    return {*KEY_COLUMNS, *OPTIONAL_COLUMNS, *catalog.item_columns}


def _text(expr: pl.Expr) -> pl.Expr:
    stripped = expr.cast(pl.String).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _padded(raw: pl.DataFrame, column: str) -> bool:
    """Whether any value of a text column is empty or has surrounding white space."""
    text = pl.col(column)
    return bool(raw.select((text.str.contains(r"^\s|\s$|^$")).any()).item())


def normalise_measure(measure: pl.Series, catalog: Catalog) -> pl.Expr:
    """Map 'PHQ-9', 'phq 9' or 'BAM-R' to the catalog id; keep anything else.

    The mapping is worked out once per distinct value, not per row.
    """
    aliases: dict[str, str] = {}
    for instrument in catalog:
        for name in (instrument.id, instrument.abbreviation):
            aliases[_measure_key(name)] = instrument.id
    mapping: dict[str | None, str | None] = {}
    for value in measure.cast(pl.String).unique().to_list():
        text = value.strip() if isinstance(value, str) else None
        mapping[value] = aliases.get(_measure_key(text), text.lower()) if text else None
    return pl.col("measure").cast(pl.String).replace_strict(mapping, return_dtype=pl.String)


def _measure_key(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def _number(raw: pl.DataFrame, column: str, *, whole: bool) -> tuple[pl.Expr, pl.DataFrame | None]:
    dtype = pl.Int64 if whole else pl.Float64
    # a float cast to Int64 would silently truncate 2.5 to 2: floats are checked as text
    if raw.schema[column].is_integer() or (raw.schema[column].is_numeric() and not whole):
        return pl.col(column).cast(dtype).alias(column), None
    text = _text(pl.col(column))
    value = pl.col(column).cast(pl.String)
    number = text.cast(pl.Float64, strict=False)
    unusable = number.is_null() | number.is_nan() | number.is_infinite()
    kind = "a whole number" if whole else "a number"
    reason = pl.format(f"{column}: '{{}}' is not {kind}", value)
    if whole:
        # beyond 2**53 a float no longer holds every whole number (and 1E+25 overflows Int64)
        too_large = number.is_finite() & (number.abs() > 2**53)
        unusable = unusable | (number != number.floor()) | too_large
        reason = (
            pl.when(too_large)
            .then(pl.format(f"{column}: '{{}}' is too large to be an answer", value))
            .otherwise(reason)
        )
    bad = text.is_not_null() & unusable
    errors = raw.filter(bad).select(
        "row",
        pl.lit(column).alias("column"),
        value.alias("value"),
        reason.alias("reason"),
    )
    cast = pl.when(bad).then(None).otherwise(number).cast(dtype).alias(column)
    return cast, errors if errors.height else None


def _parse_dates(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    text = pl.col("administered_on")
    # the cache of distinct texts costs more than it saves on a million rows
    parsed = text.str.to_date("%Y-%m-%d", strict=False, cache=False).cast(pl.Datetime("us"))
    frame = frame.with_columns(parsed.alias("administered_at"))
    pending = pl.col("administered_at").is_null() & text.is_not_null()
    if frame.select(pending.any()).item():
        candidates = [text.str.to_datetime(f, strict=False, time_unit="us") for f in _DATE_FORMATS]
        frame = frame.with_columns(
            pl.when(pending)
            .then(pl.coalesce(candidates))
            .otherwise(pl.col("administered_at"))
            .alias("administered_at")
        )
    failed = frame.filter(pl.col("administered_at").is_null() & text.is_not_null())
    errors = failed.select(
        "row",
        pl.lit("administered_on").alias("column"),
        text.alias("value"),
        pl.format(
            "administered_on: '{}' is not a date; use YYYY-MM-DD (or YYYY-MM-DDTHH:MM)", text
        ).alias("reason"),
    )
    return frame, errors


def no_errors() -> pl.DataFrame:
    """An empty error report (the columns of :data:`ERROR_SCHEMA`, no rows)."""
    return pl.DataFrame(schema=ERROR_SCHEMA)
