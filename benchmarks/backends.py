"""Where a page benchmark's database lives: its cached SQLite file, or a copy of that file
on a throwaway PostgreSQL server (issue 13: the same benchmarks on both back ends)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.store_io import fresh_copy

if TYPE_CHECKING:
    from tests.support.postgres import LocalServer

Prepare = Callable[[], None]
SQLITE, POSTGRESQL = "sqlite", "postgresql"


@dataclass(frozen=True)
class Backend:
    """The databases of one run: SQLite files (``server`` None) or PostgreSQL databases.

    A database's facts (what ``review_db`` or ``overview_db`` printed) gain ``url``, the one
    the contenders open; on PostgreSQL also ``database``, the copy's name, which later
    copies are made from.
    """

    server: LocalServer | None = None

    @property
    def label(self) -> str:
        """The back end's name as the report prints it."""
        return "PostgreSQL" if self.server is not None else "SQLite"

    def adopt(self, facts: dict[str, Any], name: str) -> dict[str, Any]:
        """``facts`` of a cached SQLite database, with the URL its contenders open (on
        PostgreSQL: of database ``name``, a copy of the file made now)."""
        path = Path(facts["path"])
        if self.server is None:
            return facts | {"url": f"sqlite:///{path}"}
        from benchmarks.pg import copy_sqlite, database_url

        started = time.perf_counter()
        copied = copy_sqlite(path, self.server, name)
        return facts | {
            "url": database_url(self.server, name),
            "database": name,
            "copy_s": round(time.perf_counter() - started, 1),
            "copied_rows": sum(copied.values()),
        }

    def warm(self, facts: dict[str, Any]) -> Prepare | None:
        """A ``prepare`` step before a cold run: the SQLite file read through, so cold means
        a new process, not a cold disk (the server keeps its own cache: nothing to do)."""
        if self.server is not None:
            return None
        path = Path(facts["path"])

        def prepare() -> None:
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass

        return prepare

    def copy(self, facts: dict[str, Any], folder: Path, name: str) -> tuple[Prepare, str]:
        """A ``prepare`` step making a fresh copy ``name`` of the database before each run
        (runs that write), and the copy's URL."""
        if self.server is None:
            target = folder / f"{name}.db"
            copy = fresh_copy(Path(facts["path"]), target)
            warm = Backend().warm({"path": str(target)})
            assert warm is not None

            def prepare() -> None:
                copy()
                warm()

            return prepare, f"sqlite:///{target}"
        from benchmarks.pg import database_url, prepared

        return prepared(self.server, name, facts["database"]), database_url(self.server, name)


@contextmanager
def backend(name: str) -> Iterator[Backend]:
    """The back end ``name`` (``sqlite`` or ``postgresql``), its server stopped afterwards."""
    if name == SQLITE:
        yield Backend()
        return
    from benchmarks.pg import start_server

    server = start_server()
    try:
        yield Backend(server)
    finally:
        server.stop()
