"""CSV files of clinicians, episodes, level-of-care changes, attendance and client attributes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from dashboard import clock
from dashboard.importers.csv_administrations import raw_lines
from dashboard.store.batch import TableBatch, TableSpec, UnusableFile
from dashboard.store.tables import CLIENT_ATTRIBUTES, DISCHARGE_REASONS, LEVELS_OF_CARE
from measures import FormatError
from measures.parsing import ERROR_SCHEMA, check_text, read_header, read_text_cells
from measures.rules import Rule, check_rules, split
from measures.validation import EARLIEST_DATE

SESSION_TYPES = ("group", "individual", "family", "medication", "other")
_TRUE = ("true", "yes", "y", "1", "attended")
_FALSE = ("false", "no", "n", "0", "absent", "missed")


def _present(column: str) -> Rule:
    return Rule(f"{column}_present", column, pl.col(column).is_null(), pl.lit(f"{column} is empty"))


def _one_of(column: str, allowed: tuple[str, ...]) -> Rule:
    value = pl.col(column)
    return Rule(
        f"{column}_known",
        column,
        value.is_not_null() & ~value.is_in(list(allowed)),
        pl.format(f"{column} '{{}}' is not one of {', '.join(allowed)}", value),
    )


def _date_rules(column: str, today: dt.date, *, required: bool = True) -> list[Rule]:
    raw, parsed = pl.col(f"{column}__text"), pl.col(column)
    rules = [
        Rule(
            f"{column}_date",
            column,
            raw.is_not_null() & parsed.is_null(),
            pl.format(f"{column}: '{{}}' is not a date; use YYYY-MM-DD", raw),
        ),
        Rule(
            f"{column}_not_future",
            column,
            parsed > today,
            pl.format(f"{column} {{}} is in the future", raw),
        ),
        Rule(
            f"{column}_plausible",
            column,
            parsed < EARLIEST_DATE,
            pl.format(
                f"{column} {{}} is before {EARLIEST_DATE.isoformat()}: not a plausible date", raw
            ),
        ),
    ]
    return [_present(f"{column}__text"), *rules] if required else rules


def _episode_rules(today: dt.date) -> list[Rule]:
    discharged, reason = pl.col("discharged_on"), pl.col("discharge_reason")
    return [
        _present("client_id"),
        _present("episode_id"),
        _present("site"),
        _present("track"),
        *_date_rules("admitted_on", today),
        *_date_rules("discharged_on", today, required=False),
        _one_of("discharge_reason", DISCHARGE_REASONS),
        Rule(
            "discharge_after_admission",
            "discharged_on",
            discharged < pl.col("admitted_on"),
            pl.lit("discharged_on is before admitted_on"),
        ),
        Rule(
            "discharge_reason_given",
            "discharge_reason",
            discharged.is_not_null() & reason.is_null(),
            pl.lit("discharge_reason is empty but discharged_on is given"),
        ),
        Rule(
            "discharge_date_given",
            "discharged_on",
            discharged.is_null() & reason.is_not_null(),
            pl.lit("discharge_reason is given but discharged_on is empty"),
        ),
    ]


CLINICIANS = TableSpec(
    kind="clinicians",
    required=("clinician_id", "display_name", "site"),
    optional=(),
    types={"clinician_id": pl.String, "display_name": pl.String, "site": pl.String},
    rules=lambda today: [_present("clinician_id"), _present("display_name"), _present("site")],
)
EPISODES = TableSpec(
    kind="episodes",
    required=("client_id", "site", "track", "episode_id", "admitted_on"),
    optional=("display_name", "clinician_id", "discharged_on", "discharge_reason"),
    types={
        "client_id": pl.String,
        "display_name": pl.String,
        "site": pl.String,
        "track": pl.String,
        "clinician_id": pl.String,
        "episode_id": pl.String,
        "admitted_on": pl.Date,
        "discharged_on": pl.Date,
        "discharge_reason": pl.String,
    },
    rules=_episode_rules,
)
CARE_LEVELS = TableSpec(
    kind="care_levels",
    required=("client_id", "episode_id", "changed_on", "level_of_care"),
    optional=("reason",),
    types={
        "client_id": pl.String,
        "episode_id": pl.String,
        "changed_on": pl.Date,
        "level_of_care": pl.String,
        "reason": pl.String,
    },
    rules=lambda today: [
        _present("client_id"),
        _present("episode_id"),
        *_date_rules("changed_on", today),
        _present("level_of_care"),
        _one_of("level_of_care", LEVELS_OF_CARE),
    ],
)
ATTENDANCE = TableSpec(
    kind="attendance",
    required=("client_id", "session_on", "session_type", "attended"),
    optional=("episode_id",),
    types={
        "client_id": pl.String,
        "episode_id": pl.String,
        "session_on": pl.Date,
        "session_type": pl.String,
        "attended": pl.Boolean,
    },
    rules=lambda today: [
        _present("client_id"),
        *_date_rules("session_on", today),
        _present("session_type"),
        _one_of("session_type", SESSION_TYPES),
        _present("attended__text"),
        Rule(
            "attended_yes_no",
            "attended",
            pl.col("attended__text").is_not_null() & pl.col("attended").is_null(),
            pl.format("attended: '{}' is not true/false or yes/no", pl.col("attended__text")),
        ),
    ],
)
ATTRIBUTES = TableSpec(
    kind="client_attributes",
    required=("client_id",),
    optional=CLIENT_ATTRIBUTES,
    types={"client_id": pl.String} | dict.fromkeys(CLIENT_ATTRIBUTES, pl.String),
    rules=lambda today: [
        _present("client_id"),
        Rule(
            "some_attribute",
            "client_id",
            pl.all_horizontal(pl.col(c).is_null() for c in CLIENT_ATTRIBUTES),
            pl.lit(f"no attribute given: fill in one of {', '.join(CLIENT_ATTRIBUTES)}"),
        ),
    ],
)
TABLES = (CLINICIANS, EPISODES, CARE_LEVELS, ATTENDANCE, ATTRIBUTES)


def detect_table(header: list[str]) -> TableSpec | None:
    """The table whose required columns the header has (most specific first); a client
    attributes file is a client_id and at least one attribute.

    Examples
    --------
    >>> detect_table(["client_id", "age_band", "payer"]).kind
    'client_attributes'
    >>> detect_table(["client_id", "notes"]) is None
    True
    """
    for spec in (EPISODES, CARE_LEVELS, ATTENDANCE, CLINICIANS):
        if all(column in header for column in spec.required):
            return spec
    if "client_id" in header and any(column in header for column in CLIENT_ATTRIBUTES):
        return ATTRIBUTES
    return None


def read_table(path: Path, spec: TableSpec, *, today: dt.date | None = None) -> TableBatch:
    """Read and validate one table CSV; bad rows are reported, never dropped.

    Raises :class:`UnusableFile` with a one-line reason when the file cannot be
    used at all: unreadable, not UTF-8, a column named twice (in any case),
    a line with more fields than the header, a carriage return that ends no line.
    """
    try:
        header = read_header(path)
        _check_columns(path, header)
        check_text(path)
        raw = read_text_cells(path, len(header))
    except FormatError as exc:
        raise UnusableFile(str(exc)) from None
    raw = raw.rename(dict(zip(raw.columns, header, strict=True)))
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        msg = f"{path.name}: missing column(s) {', '.join(missing)} for a {spec.kind} file"
        raise UnusableFile(msg)
    ignored = tuple(c for c in raw.columns if c not in spec.columns)
    raw = raw.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    text = [
        pl.col(c).str.strip_chars().replace("", None).alias(c)
        for c in spec.columns
        if c in raw.columns
    ]
    frame = raw.select("row", *text).with_columns(
        pl.lit(None, pl.String).alias(c) for c in spec.optional if c not in raw.columns
    )
    frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in spec.columns))
    frame = _cast(frame, spec)
    errors = check_rules(frame, spec.rules(today or clock.today()), spec.types)
    errors = errors.with_columns(pl.col("column").str.replace("__text$", "")).cast(ERROR_SCHEMA)
    return TableBatch(
        spec=spec,
        validation=split(frame, errors),
        raw=raw_lines(path).join(frame.select("row"), on="row", how="semi"),
        records=frame.height,
        ignored_columns=ignored,
    )


def _check_columns(path: Path, header: list[str]) -> None:
    """A column named twice ('site' and 'Site' too): which one holds the data is unclear."""
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        msg = (
            f"{path.name}: column(s) {', '.join(twice)} appear more than once in the header "
            "(names are read without case); keep one of each"
        )
        raise FormatError(msg)


def _cast(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    casts = []
    for column, dtype in spec.types.items():
        if dtype == pl.Date:
            casts += [
                pl.col(column).alias(f"{column}__text"),
                pl.col(column).str.to_date("%Y-%m-%d", strict=False).alias(column),
            ]
        elif dtype == pl.Boolean:
            text = pl.col(column).str.to_lowercase()
            casts += [
                pl.col(column).alias(f"{column}__text"),
                pl.when(text.is_in(_TRUE))
                .then(True)
                .when(text.is_in(_FALSE))
                .then(False)
                .otherwise(None)
                .alias(column),
            ]
        elif column in ("track", "discharge_reason", "level_of_care", "session_type"):
            casts.append(pl.col(column).str.to_lowercase().str.replace_all(r"[ -]+", "_"))
    return frame.with_columns(casts)
