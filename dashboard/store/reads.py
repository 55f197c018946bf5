"""Read stored administrations back as polars frames, in the wide form the scorer takes."""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard.store import tables as t
from measures import Catalog
from measures.scoring import SOURCE_PROBLEMS

_A = t.administrations.c

#: The columns of a lean administrations read, and their polars types.
ADMINISTRATION_COLUMNS: dict[str, Any] = {
    "administration_id": pl.Int64,
    "client_pk": pl.Int64,
    "episode_pk": pl.Int64,
    "measure": pl.String,
    "administered_at": pl.Datetime("us"),
    "items": pl.String,
    "total": pl.Float64,
    "source": pl.String,
    SOURCE_PROBLEMS: pl.String,
}
#: Further columns for exports and history.
HISTORY_COLUMNS: dict[str, Any] = {
    "source_id": pl.String,
    "version": pl.Int64,
    "is_current": pl.Boolean,
    "total_only": pl.Boolean,
    "outside_episode": pl.Boolean,
    "import_id": pl.Int64,
    "recorded_at": pl.Datetime("us"),
    "recorded_by": pl.String,
}

#: The order of :func:`read_administrations` (without history).
ADMINISTRATION_ORDER = ("administered_at", "client_id", "measure")

#: The client and episode codes a read adds (last, after any history columns).
_CODE_COLUMNS: dict[str, Any] = {"client_id": pl.String, "episode_id": pl.String}


def administrations_select(*, current_only: bool = True, history: bool = False) -> sa.Select[Any]:
    """A lean select of stored administrations, with their client and episode codes.

    The codes come last (``client_id``, ``episode_id``), from outer joins. Dates
    are read as text on SQLite and parsed by polars, several times faster than
    converting them row by row in Python.
    """
    columns = [
        _A.id.label("administration_id"),
        _A.client_id.label("client_pk"),
        _A.episode_id.label("episode_pk"),
        _A.instrument.label("measure"),
        sa.type_coerce(_A.administered_at, sa.String).label("administered_at"),
        _A["items"],
        _A.stored_total.label("total"),
        _A.source,
        _A.source_problems,
    ]
    if history:
        columns += [
            _A.source_id,
            _A.version,
            _A.is_current,
            _A.total_only,
            _A.outside_episode,
            _A.import_id,
            sa.type_coerce(_A.recorded_at, sa.String).label("recorded_at"),
            _A.recorded_by,
        ]
    columns += [t.clients.c.code.label("client_id"), t.episodes.c.code.label("episode_id")]
    query = sa.select(*columns).select_from(
        t.administrations.outerjoin(t.clients, _A.client_id == t.clients.c.id).outerjoin(
            t.episodes, _A.episode_id == t.episodes.c.id
        )
    )
    return query.where(_A.is_current) if current_only else query


class ColumnMismatch(ValueError):  # noqa: N818 - reads better at the call site
    """A query's columns are not the columns its schema names."""


def read_frame(
    connection: sa.Connection, query: sa.Select[Any], schema: Mapping[str, Any]
) -> pl.DataFrame:
    """Run ``query`` and return a frame with ``schema`` (dates given as text are parsed).

    Columns are matched to the schema by name (label every selected column with
    its schema name); a missing, extra or repeated column raises
    :class:`ColumnMismatch` instead of mislabelling data. Rows go straight from
    the driver into columns, skipping per-value conversion in Python; polars does
    the type work. On PostgreSQL, a query whose every column is of a kind
    :data:`_COPIED` knows is read as CSV through ``COPY ... TO STDOUT`` instead
    (:func:`_read_copy`: no Python object per value).
    """
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    # compiled.params builds every parameter anew on each access: once, not once per
    # parameter (quadratic in the length of an IN list)
    params: Any = compiled.params
    if connection.dialect.name == "postgresql" and _copyable(query, schema):
        return _read_copy(connection, str(compiled), params, query, schema)
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    result = connection.exec_driver_sql(str(compiled), params)
    names = list(result.keys())
    _check_names(names, schema)
    with collector_paused():
        # the driver's own tuples: SQLAlchemy's Row objects cost more than the fetch itself
        rows = result.cursor.fetchall()
        result.close()
        if not rows:
            return pl.DataFrame(schema=dict(schema))
        columns = dict(
            zip(names, (list(values) for values in zip(*rows, strict=True)), strict=True)
        )
        del rows
        raw = pl.DataFrame(columns, strict=False)
    casts = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if raw.schema[name] == pl.String and dtype == pl.Datetime("us"):
            casts.append(column.str.to_datetime(time_unit="us", strict=False).alias(name))
        elif raw.schema[name] == pl.String and dtype == pl.Date:
            casts.append(column.str.to_date(strict=False).alias(name))
        else:
            casts.append(column.cast(dtype).alias(name))
    return raw.select(casts)


#: The polars types :func:`_read_copy` reads from PostgreSQL's CSV text, each with the
#: SQL types whose text it parses exactly as psycopg would load them.
_COPIED: tuple[tuple[Any, tuple[type[sa.types.TypeEngine[Any]], ...]], ...] = (
    (pl.String, (sa.String, sa.Enum)),
    (pl.Int64, (sa.Integer,)),
    (pl.Float64, (sa.Float, sa.Integer)),
    (pl.Boolean, (sa.Boolean,)),
    (pl.Date, (sa.Date,)),
    (pl.Datetime("us"), (sa.DateTime,)),
)
#: PostgreSQL's text of a ``timestamp`` (its fraction left out when zero).
_TIMESTAMP = "%Y-%m-%d %H:%M:%S%.f"


def _copyable(query: sa.Select[Any], schema: Mapping[str, Any]) -> bool:
    """Whether every column of ``query`` is of a kind :func:`_read_copy` parses exactly:
    the schema's type beside the SQL type under any label or ``type_coerce``."""
    kinds = dict(_COPIED)
    for column in query.selected_columns:
        if column.key is None:
            return False
        allowed = kinds.get(schema.get(column.key))
        if allowed is None or not isinstance(_stored_type(column), allowed):
            return False
    return True


def _stored_type(column: sa.ColumnElement[Any]) -> sa.types.TypeEngine[Any]:
    """The SQL type of what ``column`` reads, under labels and ``type_coerce``."""
    element: Any = column
    while isinstance(element, sa.sql.elements.Label | sa.sql.elements.TypeCoerce):
        element = element.element if isinstance(element, sa.sql.elements.Label) else element.clause
    return element.type  # type: ignore[no-any-return]


def _read_copy(
    connection: sa.Connection,
    sql: str,
    params: Any,
    query: sa.Select[Any],
    schema: Mapping[str, Any],
) -> pl.DataFrame:
    """PostgreSQL: ``query``'s rows as CSV (psycopg binds the parameters client-side; every
    value quoted, so an unquoted empty field is null and ``""`` the empty text), parsed by
    polars with the schema's types."""
    names = [str(column.key) for column in query.selected_columns]
    _check_names(names, schema)
    text = io.BytesIO()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor:
        # the texts parsed below, whatever the server's defaults: ISO dates, exact floats
        cursor.execute("SET LOCAL datestyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1")
        with cursor.copy(statement, params) as copy:
            for data in copy:
                text.write(data)
    if not text.tell():
        return pl.DataFrame(schema=dict(schema))
    raw = pl.read_csv(text.getvalue(), has_header=False, new_columns=names, infer_schema=False)
    casts = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            casts.append(column.replace_strict({"t": True, "f": False}, default=None))
        elif dtype == pl.Date:
            casts.append(column.str.to_date("%Y-%m-%d"))
        elif dtype == pl.Datetime("us"):
            casts.append(column.str.to_datetime(_TIMESTAMP, time_unit="us"))
        else:
            casts.append(column.cast(dtype))
    return raw.select(casts)


def _check_names(names: list[str], schema: Mapping[str, Any]) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    missing = [n for n in schema if n not in names]
    extra = [n for n in names if n not in schema]
    if repeated or missing or extra:
        parts = [
            f"{what} {', '.join(found)}"
            for what, found in (("missing", missing), ("extra", extra), ("repeated", repeated))
            if found
        ]
        msg = f"query columns do not match the schema: {'; '.join(parts)}"
        raise ColumnMismatch(msg)


def read_administrations(
    connection: sa.Connection,
    catalog: Catalog,
    *,
    where: sa.ColumnElement[bool] | None = None,
    current_only: bool = True,
    history: bool = False,
) -> pl.DataFrame:
    """Stored administrations as a wide frame: client and episode codes, item columns.

    ``where`` narrows the select (the viewer's scope is applied by the callers in
    :mod:`dashboard.access`); ``history`` adds
    versions, sources and imports. Sorted by date, client, instrument (and version).
    """
    query = administrations_select(current_only=current_only, history=history)
    if where is not None:
        query = query.where(where)
    schema = ADMINISTRATION_COLUMNS | (HISTORY_COLUMNS if history else {}) | _CODE_COLUMNS
    order = [*ADMINISTRATION_ORDER, *(["version"] if history else [])]
    frame = read_frame(connection, query, schema).sort(order)
    return with_item_columns(frame, catalog)


def with_item_columns(frame: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """``items`` (a JSON array of raw answers) as ``item_1 ... item_N`` columns, and the
    record's own problems (a JSON array of text) as a list."""
    decoded = frame.with_columns(pl.col("items").str.json_decode(pl.List(pl.Int64)))
    if SOURCE_PROBLEMS in decoded.columns:
        decoded = decoded.with_columns(pl.col(SOURCE_PROBLEMS).str.json_decode(pl.List(pl.String)))
    answers = pl.col("items")
    return decoded.with_columns(
        answers.list.get(i, null_on_oob=True).alias(name)
        for i, name in enumerate(catalog.item_columns)
    ).drop("items")


_PAUSES = threading.Lock()
_paused = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside (on again when the last thread inside
    leaves, if it was on when the first came in).

    A large read makes millions of tuples of plain values: they hold no cycle, but their
    number alone would run collections of every object of the process again and again,
    and a server process holds many (the preloaded libraries).

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    """
    global _paused, _was_enabled
    with _PAUSES:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _PAUSES:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
