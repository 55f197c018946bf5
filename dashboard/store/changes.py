"""What a write changed: the data version's log, and the clients each change touched.

Every write that changes what the pages show ends with one ``data_changes`` row
(:func:`dashboard.store.engine.write`); its id is the data version cached pages
key on. A write names the clients whose data it changed with :func:`touched`,
so a cached page can rebuild only their rows (:func:`changes_between`). A write
that names none may have changed anything: its row says ``every_client`` and
cached pages rebuild everything (fail closed: forgetting to name a client costs
time, never a stale row). A write that changed data of no client in particular
(a clinician's name, a new site) says so with :func:`touched_everything`.

Ids follow commit order on both back ends, so the changes a reader has not yet
seen are exactly those with a larger id: SQLite has one writer at a time, and on
PostgreSQL the change row is inserted last, under a lock held until the commit
(:func:`record_change`), so no transaction commits a smaller id after a reader
saw a larger one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from dashboard.store import tables as t

#: Where a write keeps the clients it touched until it records its change.
_TOUCHED = "iop_touched_clients"
#: Client ids per insert statement of a change's clients.
_CHUNK = 10_000


@dataclass
class _Touched:
    """The clients a write touched so far; None: any data may have changed."""

    clients: set[int] | None = None
    everything: bool = False
    unchanged: bool = False


@dataclass(frozen=True)
class Changes:
    """What changed between two data versions.

    >>> Changes(everything=False, client_pks=frozenset({3})).nothing
    False
    """

    everything: bool
    client_pks: frozenset[int] = field(default_factory=frozenset)

    @property
    def nothing(self) -> bool:
        """No client's data changed (and nothing else)."""
        return not self.everything and not self.client_pks


def begin_write(connection: sa.Connection) -> None:
    """Start collecting the clients a write touches (called by ``write()``)."""
    connection.info[_TOUCHED] = _Touched()


def end_write(connection: sa.Connection) -> None:
    """Forget what the write collected (called by ``write()``, committed or not)."""
    connection.info.pop(_TOUCHED, None)


def touched(connection: sa.Connection, client_pks: Iterable[int]) -> None:
    """Record, inside a write, that the data of these clients (database ids) changed.

    Name every client whose rows on any page may read differently after the write;
    naming more than needed only costs a rebuild. Outside a write it does nothing.
    """
    found = connection.info.get(_TOUCHED)
    if found is None:
        return
    if found.clients is None:
        found.clients = set()
    found.clients.update(int(pk) for pk in client_pks)


def touched_everything(connection: sa.Connection) -> None:
    """Record, inside a write, that it changed what every client's rows may show
    (a site, a track or a clinician's name), whatever :func:`touched` also named."""
    found = connection.info.get(_TOUCHED)
    if found is not None:
        found.everything = True


def unchanged(connection: sa.Connection) -> None:
    """Record, inside a write, that it changed nothing the pages show (an import whose
    every row was already stored): the write records no change and the data version
    stays. A client named with :func:`touched` or :func:`touched_everything` in the
    same write still records one (fail closed)."""
    found = connection.info.get(_TOUCHED)
    if found is not None:
        found.unchanged = True


def changed(connection: sa.Connection) -> bool:
    """Whether the write so far may have changed what the pages show (see :func:`unchanged`).

    >>> import sqlalchemy as sa
    >>> changed(sa.create_engine("sqlite://").connect())
    True
    """
    found: _Touched = connection.info.get(_TOUCHED) or _Touched()
    return found.everything or bool(found.clients) or not found.unchanged


def record_change(connection: sa.Connection) -> int:
    """Insert the write's ``data_changes`` row and its clients; returns the new version.

    Called last in a write. On PostgreSQL the row is inserted under a lock on
    ``data_changes`` held until the commit (it blocks no reader), so ids are
    given in commit order.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE data_changes IN SHARE ROW EXCLUSIVE MODE")
    found: _Touched = connection.info.get(_TOUCHED) or _Touched()
    every = found.everything or found.clients is None
    result = connection.execute(t.data_changes.insert().values(every_client=every))
    key = result.inserted_primary_key
    assert key is not None
    change_id = int(key[0])
    if not every and found.clients:
        rows = [{"change_id": change_id, "client_id": pk} for pk in sorted(found.clients)]
        for start in range(0, len(rows), _CHUNK):
            connection.execute(t.data_change_clients.insert(), rows[start : start + _CHUNK])
    return change_id


def changes_between(connection: sa.Connection, after: int, upto: int) -> Changes:
    """What the changes after version ``after`` up to ``upto`` touched.

    Read in the same transaction as the data the caller then reads, so the two
    agree. A version that went back (a restored database) changes everything.

    >>> import sqlalchemy as sa
    >>> changes_between(sa.create_engine("sqlite://").connect(), 5, 5).nothing
    True
    """
    if upto == after:
        return Changes(everything=False)
    if upto < after:
        return Changes(everything=True)
    d, c = t.data_changes.c, t.data_change_clients.c
    every = connection.execute(
        sa.select(sa.func.count()).where(d.id > after, d.id <= upto, d.every_client)
    ).scalar()
    if every:
        return Changes(everything=True)
    clients = connection.execute(
        sa.select(c.client_id).where(c.change_id > after, c.change_id <= upto).distinct()
    ).scalars()
    return Changes(everything=False, client_pks=frozenset(int(pk) for pk in clients))
