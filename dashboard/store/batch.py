"""What a reader hands to the store: parsed rows, their raw records, and their count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from measures import Parsed
from measures.rules import Rule, Validation

#: Columns of ``ImportBatch.raw`` and ``TableBatch.raw``: the input record behind each ``row``.
RAW_SCHEMA = pl.Schema({"row": pl.Int64(), "raw": pl.String()})


class UnusableFile(ValueError):  # noqa: N818 - reads better at the call site
    """The file as a whole cannot be imported (wrong format, unreadable, truncated JSON)."""


class Streamed(Protocol):
    """Records read from a file a part at a time (a large CSV), never held whole."""

    def parts(self, size: int) -> Iterator[Parsed]:
        """The records ``size`` at a time, in file order, each part with its errors;
        raises :class:`UnusableFile` if the file turns out unusable on the way."""
        ...

    def lines(self, rows: pl.Series) -> pl.DataFrame:
        """The raw text of the given records (``row``, ``raw``), for the quarantine."""
        ...


@dataclass(frozen=True)
class ImportBatch:
    """Administrations read from one file, before anything is written.

    ``parsed.frame`` is the wide administration frame of :mod:`measures.parsing`:
    ``row`` (the input record's number: CSV line, FHIR resource or ndjson line,
    REDCap row), ``client_id``, ``measure``, ``administered_on`` (text as the
    source gave it, ISO 8601), ``administered_at``, ``item_1 ... item_N``
    (Int64, null = unanswered) and optionally ``total`` (a total stored by the
    source, Float64) and ``source_id`` (the source's own id for the record).
    ``parsed.errors`` has one row per problem (row, column, value, reason);
    a row with any error is rejected by the store, never silently dropped.
    ``raw`` keeps the original text of every record, for the quarantine;
    with ``keep_raw`` it is stored with each accepted administration too (a
    check-in: the answers as entered, e.g. days before their bin).
    ``records`` counts the input records read: accepted + duplicate + rejected
    must add up to it. ``not_administrations`` counts, by kind, what else the
    file held that is read but is no administration (a FHIR Patient, a
    Questionnaire, a panel's member Observation), so that every entry of the
    file is accounted for. ``evidence`` counts, by kind, what recognised the
    instrument of each record (a FHIR reader's: its Questionnaire, its items'
    LOINC codes or definitions, their published texts). ``parsed.frame`` may
    have ``source_problems``: problems of a record that do not reject it,
    stored with its administration. ``earlier_source_ids`` gives, by row, the
    id an earlier version of the reader gave the same record (a REDCap id
    without its project): the store takes a record stored under it, with the
    same answers, as a duplicate (see :func:`dashboard.store.matching.adopt_earlier_ids`).
    A large file is ``streamed`` instead of held (``parsed`` and ``raw`` None):
    the store reads its records a part at a time and the raw text of the
    rejected ones only. Either way the store asks :meth:`parts` and :meth:`raw_of`.
    """

    format: str
    records: int
    parsed: Parsed | None = None
    raw: pl.DataFrame | None = None
    streamed: Streamed | None = None
    keep_raw: bool = False
    not_administrations: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)
    earlier_source_ids: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.streamed is None) == (self.parsed is None or self.raw is None):
            raise ValueError(_HELD_OR_STREAMED)

    def parts(self, size: int) -> Iterator[Parsed]:
        """The records ``size`` at a time (in file order), each with its rows' errors."""
        return self._records().parts(size)

    def raw_of(self, rows: pl.Series) -> pl.DataFrame:
        """The raw text of the given records (``row``, ``raw``)."""
        return self._records().lines(rows)

    def _records(self) -> Streamed:
        if self.streamed is not None:
            return self.streamed
        if self.parsed is None or self.raw is None:  # refused by __post_init__
            raise ValueError(_HELD_OR_STREAMED)
        return _Held(self.parsed, self.raw)


_HELD_OR_STREAMED = "an import batch holds its records (parsed and raw) or streams them"


@dataclass(frozen=True)
class _Held:
    """Records read whole, handed out as a stream's would be."""

    parsed: Parsed
    raw: pl.DataFrame

    def parts(self, size: int) -> Iterator[Parsed]:
        frame = self.parsed.frame
        if frame.height <= size:
            yield self.parsed
            return
        starts = list(range(0, frame.height, size))
        firsts = [int(frame["row"][start]) for start in starts]
        for number, start in enumerate(starts):
            row = pl.col("row")
            mine = row >= firsts[number] if number else pl.lit(value=True)
            if number + 1 < len(starts):
                mine &= row < firsts[number + 1]
            part = frame.slice(start, size)
            yield Parsed(part, self.parsed.errors.filter(mine), self.parsed.ignored_columns)

    def lines(self, rows: pl.Series) -> pl.DataFrame:
        return self.raw.filter(pl.col("row").is_in(rows.implode()))


@dataclass(frozen=True)
class TableSpec:
    """A CSV table: its columns, their types and the rules each row must meet."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    types: dict[str, Any]
    rules: Callable[[dt.date], list[Rule]]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the table understands."""
        return self.required + self.optional


@dataclass(frozen=True)
class TableBatch:
    """Rows read from one table CSV, validated; raw lines kept for the quarantine."""

    spec: TableSpec
    validation: Validation
    raw: pl.DataFrame
    records: int
    ignored_columns: tuple[str, ...]
