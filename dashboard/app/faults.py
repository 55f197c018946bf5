"""A database fault on a page (locked, read-only, the server gone): one clear message,
never a traceback; the next click tries again."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.store.faults import DatabaseFault, database_fault

log = logging.getLogger(__name__)


def fault_text(fault: DatabaseFault) -> str:
    """What a person at the page is told of a database fault.

    >>> fault_text(DatabaseFault("locked", "..."))[:45]
    'The database is busy: another task (an import'
    """
    if fault.kind == "locked":
        return (
            "The database is busy: another task (an import?) is writing to it. Nothing was "
            "changed. Please try again in a minute."
        )
    if fault.kind == "unreachable":
        return (
            "The database cannot be reached just now. Nothing was changed. Please try again "
            "in a minute; if this goes on, tell your administrator."
        )
    return (
        f"The database cannot be used just now: {fault.message}. Nothing was changed. "
        "Please tell your administrator."
    )


@contextmanager
def database_faults_shown() -> Iterator[None]:
    """Run a page: a database fault inside shows :func:`fault_text` and stops the run.

    Anything else (a bug) is raised as before. The fault is logged by its kind and
    exception class only: no statement, parameters or rows.
    """
    try:
        yield
    except Exception as exc:
        fault = database_fault(exc)
        if fault is None:
            raise
        log.warning("database fault on a page: %s (%s)", fault.kind, type(exc).__name__)
        st.error(fault_text(fault), icon=":material/database:")
        st.stop()
