"""What the text of a table file (clinicians, episodes, care levels, attendance, client
attributes) may hold.

Checked before anything of the file is written, the same way on SQLite and
PostgreSQL: ids are normalised (NFKC) and follow the id pattern, a site is a
name, display names and reasons are free text without control characters; each
no longer than its column (:mod:`measures.identifiers`). A row that breaks one is
rejected with the reason, and nothing is registered for it.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import polars as pl
import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.batch import TableBatch
from dashboard.store.tables import CLIENT_ATTRIBUTES
from measures.identifiers import identifier_rule, name_rule, normalise_columns, text_rule
from measures.rules import Rule, check_rules, split

Kind = Literal["id", "name", "text"]
#: A text column of a table file: its name, what it holds, its longest value.
TextColumn = tuple[str, Kind, int]


def column_length(column: sa.Column[str]) -> int:
    """The most characters a String column of the schema holds (PostgreSQL enforces it).

    Examples
    --------
    >>> column_length(t.clients.c.code)
    64
    """
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        msg = f"{column} has no length"
        raise TypeError(msg)
    return length


_CLIENT: TextColumn = ("client_id", "id", column_length(t.clients.c.code))
_EPISODE: TextColumn = ("episode_id", "id", column_length(t.episodes.c.code))
_CLINICIAN: TextColumn = ("clinician_id", "id", column_length(t.clinicians.c.code))
_SITE: TextColumn = ("site", "name", column_length(t.sites.c.name))

#: Each table's text columns: what each holds and its longest value.
COLUMNS: dict[str, tuple[TextColumn, ...]] = {
    "clinicians": (
        _CLINICIAN,
        ("display_name", "text", column_length(t.clinicians.c.display_name)),
        _SITE,
    ),
    "episodes": (
        _CLIENT,
        ("display_name", "text", column_length(t.clients.c.display_name)),
        _SITE,
        ("track", "id", column_length(t.tracks.c.code)),
        _CLINICIAN,
        _EPISODE,
    ),
    "care_levels": (_CLIENT, _EPISODE, ("reason", "text", column_length(t.care_levels.c.reason))),
    "attendance": (_CLIENT, _EPISODE),
    "client_attributes": (
        _CLIENT,
        *((name, "name", column_length(t.client_attributes.c[name])) for name in CLIENT_ATTRIBUTES),
    ),
}


def text_rules(kind: str) -> list[Rule]:
    """The rules of the text columns of a table file of ``kind``.

    Examples
    --------
    >>> [r.name for r in text_rules("attendance")]
    ['client_id_valid_id', 'episode_id_valid_id']
    """
    builders = {
        "id": lambda c, n: identifier_rule(c, max_length=n),
        "name": lambda c, n: name_rule(c, max_length=n),
        "text": lambda c, n: text_rule(c, max_length=n),
    }
    return [builders[what](column, length) for column, what, length in COLUMNS.get(kind, ())]


def checked_table(batch: TableBatch) -> TableBatch:
    """``batch`` with its ids and names normalised and the rows whose text breaks a rule
    rejected (with their reasons, after those the reader found)."""
    columns = COLUMNS.get(batch.spec.kind, ())
    validation = batch.validation
    frame = pl.concat([validation.valid, validation.rejected]).sort("row")
    frame = normalise_columns(frame, [c for c, what, _ in columns if what != "text"])
    errors = check_rules(frame, text_rules(batch.spec.kind), {})
    merged = pl.concat([validation.errors, errors]).sort("row", maintain_order=True)
    return dataclasses.replace(batch, validation=split(frame, merged))
