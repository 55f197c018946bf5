"""A database error in one line that carries no data: no SQL parameters, rows or names.

SQLAlchemy's message of a failed statement holds the statement and, unless the
engine hides them (``hide_parameters=True``, see :mod:`dashboard.store.engine`), its
parameters: the item answers and client ids of an import. PostgreSQL's own
messages may quote a value too ("Key (code)=(C0001) already exists"). Only the
error's class is kept, with SQLite's message, which names tables and columns but
never a value ("database or disk is full", "UNIQUE constraint failed: clients.code").
"""

from __future__ import annotations

import sqlite3


def error_kind(exc: BaseException) -> str:
    """What went wrong, without data: the driver error's class (and SQLite's message).

    Examples
    --------
    >>> import sqlalchemy as sa
    >>> full = sqlite3.OperationalError("database or disk is full")
    >>> error = sa.exc.OperationalError("INSERT ...", {"client_id": "C0001"}, full)
    >>> error_kind(error)
    'OperationalError: database or disk is full'
    >>> error_kind(ValueError("C0001 scored 27"))
    'ValueError'
    """
    original = getattr(exc, "orig", None) or exc
    name = type(original).__name__
    if isinstance(original, sqlite3.Error):
        lines = str(original).strip().splitlines()
        return f"{name}: {lines[0]}" if lines else name
    return name


def database_error_line(exc: BaseException) -> str:
    """The one line a command prints when the database refuses it for a reason that is
    not an operational fault (those are told by :mod:`dashboard.store.faults`): a
    statement refused for its data or for a missing privilege.

    Examples
    --------
    >>> print(database_error_line(ValueError("raw row C0001,phq9,...")))
    the database refused the request (ValueError): nothing of it was saved
    """
    return f"the database refused the request ({error_kind(exc)}): nothing of it was saved"
