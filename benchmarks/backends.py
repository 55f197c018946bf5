"""Where a page benchmark's database lives: its cached SQLite file, or a copy of that file
on a throwaway PostgreSQL server (issue 13: the same benchmarks on both back ends)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
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

    def adopt_all(
        self,
        sizes: Iterable[int],
        cached: Callable[[int], dict[str, Any]],
        *,
        prefix: str,
        progress: Callable[[str], None] | None = None,
    ) -> dict[int, dict[str, Any]]:
        """:meth:`adopt` of the cached database of each size (``cached(size)`` builds or
        reuses it), named ``<prefix>_<size>`` on PostgreSQL."""
        built = {}
        for size in sizes:
            if progress is not None:
                progress(f"{prefix} database of size {size:,} ({self.label})")
            built[size] = self.adopt(cached(size), f"{prefix}_{size}")
        return built

    def note(self, built: Iterable[dict[str, Any]]) -> str | None:
        """How the databases were made, for the report (None on SQLite: they are the cache)."""
        if self.server is None:
            return None
        copies = ", ".join(f"{f['copied_rows']:,} rows in {f['copy_s']:g} s" for f in built)
        return (
            "PostgreSQL: a throwaway local cluster (fsync off, default settings); each cached "
            "SQLite database copied into a migrated database by COPY, triggers off "
            f"(benchmarks/pg.py: {copies}); each run that writes gets a fresh copy of it "
            "(CREATE DATABASE ... TEMPLATE)"
        )

    def warm(self, facts: dict[str, Any]) -> Prepare | None:
        """A ``prepare`` step before a cold run: the SQLite file read through, so cold means
        a new process, not a cold disk (the server keeps its own cache: nothing to do)."""
        if self.server is not None:
            return None
        return read_through(Path(facts["path"]))

    def copy(self, facts: dict[str, Any], folder: Path, name: str) -> tuple[Prepare, str]:
        """A ``prepare`` step making a fresh copy ``name`` of the database before each run
        (runs that write), and the copy's URL."""
        if self.server is None:
            target = folder / f"{name}.db"
            copy, warm = fresh_copy(Path(facts["path"]), target), read_through(target)

            def prepare() -> None:
                copy()
                warm()

            return prepare, f"sqlite:///{target}"
        from benchmarks.pg import database_url, prepared

        return prepared(self.server, name, facts["database"]), database_url(self.server, name)


def read_through(path: Path) -> Prepare:
    """A ``prepare`` step reading the file ``path`` through (into the page cache)."""

    def prepare() -> None:
        with path.open("rb") as handle:
            while handle.read(1 << 24):
                pass

    return prepare


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
