"""Keep ``episode_outcomes`` and ``episode_scores`` equal to what the episodes' data say,
by draining the queue the store's triggers fill (``store/outcome_triggers.py``).

A write queues its episodes in its own transaction; :func:`refresh` computes them again
(:mod:`dashboard.review.outcomes`) and replaces their rows. It runs soon after the
writes (the app after its own, ``iop db outcomes`` from cron after other processes'),
and always before the outcomes are read, so a figure never rests on a stale row.

Two ways, one result:

- **SQLite** has one writer at a time. A pass takes the write lock, reads the first
  queued episodes, computes them, replaces their rows and deletes their queue rows in
  that one transaction: no write can fall between reading a queue row and deleting
  it. Passes are kept short (about a second) and a long drain pauses between them, so
  a check-in waiting for the lock gets it.
- **PostgreSQL** lets writers run side by side, so a pass reads queue rows and the
  episodes' data in one snapshot and computes outside any lock. It then deletes exactly
  the queue rows it read and writes an episode's rows only if it deleted at least one
  of that episode's queue rows: a queue row committed after the snapshot stays for the
  next pass, and of two passes over one episode the later writes last (write phases
  take one advisory lock, so they never interleave).

The stored rows also depend on the rules: the catalog's definitions and the program's
readiness settings. Their fingerprint is kept in ``app_settings``; when it differs
(an instrument or a setting changed), every episode is queued once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dashboard.review.outcomes import episode_outcomes, read_episode_data
from dashboard.store import tables as t
from dashboard.store.engine import read, write
from measures import Catalog
from measures.program import ProgramConfig

#: Part of the rules' fingerprint: bumped when what the rows hold or how it is computed
#: changes, so stored rows are computed again.
OUTCOMES_VERSION = 1
#: Where the rules' fingerprint is kept.
RULES_KEY = "episode_outcomes.rules"
#: Episodes per PostgreSQL pass (computed outside any lock).
CHUNK = 200
#: A SQLite pass holds the write lock while it computes: the first has one episode, the
#: next at most twice as many, sized to about :data:`PASS_SECONDS` each (one episode can
#: take a second: its readiness is assessed at each of its program weeks).
FIRST_SQLITE_CHUNK = 1
MAX_CHUNK = 2_000
PASS_SECONDS = 1.0
#: Episodes per pass of an operator's drain (``iop db``, the demo, a rebuild). A pass
#: costs about one readiness assessment per distinct program-week day of its episodes,
#: whatever their number (18 months of admissions: a few hundred days), so large passes
#: are much cheaper per episode (10,000 episodes: 200 s one at a time, 20 s in one pass);
#: on SQLite each holds the write lock that long.
BULK_CHUNK = 5_000
#: The pause between two SQLite passes of a long drain: longer than SQLite's longest
#: busy-wait step (100 ms), so a writer waiting for the lock gets it.
PAUSE_SECONDS = 0.12
#: The PostgreSQL advisory lock of the write phases ("IOPO").
LOCK_KEY = 0x494F504F

_Q = t.episode_outcome_queue.c
logger = logging.getLogger(__name__)

#: Told how many episodes a pass refreshed.
Progress = Callable[[int], None]


def rules_fingerprint(catalog: Catalog, program: ProgramConfig) -> str:
    """What the stored outcomes were computed with: the definitions and the settings.

    >>> from measures import load_catalog
    >>> a = rules_fingerprint(load_catalog(), ProgramConfig())
    >>> len(a), a == rules_fingerprint(load_catalog(), ProgramConfig())
    (40, True)
    """
    rules = f"{OUTCOMES_VERSION}|{[repr(i) for i in catalog]}|{program.readiness!r}"
    return hashlib.sha1(rules.encode(), usedforsecurity=False).hexdigest()


def queued(connection: sa.Connection) -> int:
    """How many episodes are queued (distinct), as of the connection's snapshot."""
    found = connection.execute(sa.select(sa.func.count(sa.distinct(_Q.episode_id)))).scalar()
    return int(found or 0)


def refresh(
    engine: sa.Engine,
    catalog: Catalog,
    program: ProgramConfig,
    *,
    progress: Progress | None = None,
    chunk: int | None = None,
) -> int:
    """Compute the outcomes of every queued episode again; returns how many were written.

    Cheap when nothing is queued (two small reads, no lock). Every change committed
    before the call is in the stored rows when it returns. ``chunk``: episodes per pass
    (an operator's drain: :data:`BULK_CHUNK`); None sizes SQLite passes to about
    :data:`PASS_SECONDS` each, so a writer never waits long for the lock.
    """
    _check_rules(engine, rules_fingerprint(catalog, program))
    if chunk is not None and chunk < 1:
        msg = f"chunk must be at least 1, not {chunk}"
        raise ValueError(msg)
    if engine.dialect.name == "postgresql":
        return _drain_postgres(engine, catalog, program, progress, chunk or CHUNK)
    return _drain_sqlite(engine, catalog, program, progress, chunk)


def rebuild(
    engine: sa.Engine,
    catalog: Catalog,
    program: ProgramConfig,
    *,
    progress: Progress | None = None,
    chunk: int = BULK_CHUNK,
) -> int:
    """Queue every episode and :func:`refresh` in passes of ``chunk``: the operator's
    "compute them all again"."""
    with write(engine, changes=False) as connection:
        _queue_all(connection)
    return refresh(engine, catalog, program, progress=progress, chunk=chunk)


def _check_rules(engine: sa.Engine, fingerprint: str) -> None:
    """Queue every episode once when the stored rows were computed with other rules."""
    with read(engine) as connection:
        stored = _stored_rules(connection)
    if stored == fingerprint:
        return
    with write(engine, changes=False) as connection:
        _lock(connection)
        if _stored_rules(connection) == fingerprint:
            return  # another process did it meanwhile
        _queue_all(connection)
        settings = t.app_settings
        connection.execute(settings.delete().where(settings.c.key == RULES_KEY))
        connection.execute(settings.insert().values(key=RULES_KEY, value=fingerprint))


def _stored_rules(connection: sa.Connection) -> str | None:
    settings = t.app_settings.c
    found = connection.execute(sa.select(settings.value).where(settings.key == RULES_KEY)).scalar()
    return None if found is None else str(found)


def _queue_all(connection: sa.Connection) -> None:
    e = t.episodes.c
    if connection.dialect.name == "postgresql":
        rows = sa.select(e.id)
        connection.execute(sa.insert(t.episode_outcome_queue).from_select(["episode_id"], rows))
    else:
        rows = sa.select(e.id, e.id)
        connection.execute(
            sa.insert(t.episode_outcome_queue)
            .from_select(["id", "episode_id"], rows)
            .prefix_with("OR IGNORE")
        )


def _lock(connection: sa.Connection) -> None:
    """Serialise the write phases of drains (SQLite's write lock already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))


def _drain_sqlite(
    engine: sa.Engine,
    catalog: Catalog,
    program: ProgramConfig,
    progress: Progress | None,
    fixed: int | None,
) -> int:
    with read(engine) as connection:
        if connection.execute(sa.select(_Q.id).limit(1)).first() is None:
            return 0
    done, chunk, passes = 0, fixed or FIRST_SQLITE_CHUNK, 0
    while True:
        if passes:
            time.sleep(PAUSE_SECONDS)
        started = time.perf_counter()
        with write(engine, changes=False) as connection:
            ids = [
                int(i)
                for i in connection.execute(
                    sa.select(_Q.episode_id).order_by(_Q.id).limit(chunk)
                ).scalars()
            ]
            if not ids:
                return done
            _write_rows(connection, ids, *_compute(connection, ids, catalog, program))
            connection.execute(t.episode_outcome_queue.delete().where(_Q.id.in_(ids)))
        seconds = time.perf_counter() - started
        done, passes = done + len(ids), passes + 1
        if progress is not None:
            progress(len(ids))
        if len(ids) < chunk:
            return done  # the queue was empty after this pass, under the write lock
        with read(engine) as connection:  # more queued? (else no pause before returning)
            if connection.execute(sa.select(_Q.id).limit(1)).first() is None:
                return done
        if fixed is None:
            sized = round(chunk * PASS_SECONDS / max(seconds, 0.01))
            chunk = max(1, min(MAX_CHUNK, 2 * chunk, sized))


def _drain_postgres(
    engine: sa.Engine,
    catalog: Catalog,
    program: ProgramConfig,
    progress: Progress | None,
    chunk: int,
) -> int:
    with read(engine) as connection:
        cap = connection.execute(sa.select(sa.func.max(_Q.id))).scalar()
    if cap is None:
        return 0
    done = 0
    while True:
        computed = compute_pass(engine, catalog, program, up_to=int(cap), chunk=chunk)
        if computed is None:
            return done
        written = store_pass(engine, computed)
        done += len(written)
        if progress is not None:
            progress(len(written))


@dataclass(frozen=True)
class Pass:
    """A PostgreSQL pass between its two phases: the queue rows read (id, episode) and the
    rows computed from the same snapshot."""

    queue_rows: tuple[tuple[int, int], ...]
    outcomes: pl.DataFrame
    scores: pl.DataFrame


def compute_pass(
    engine: sa.Engine,
    catalog: Catalog,
    program: ProgramConfig,
    *,
    up_to: int,
    chunk: int = CHUNK,
) -> Pass | None:
    """Phase one of a PostgreSQL pass (no lock): the first ``chunk`` queued episodes (queue
    rows up to id ``up_to``) and their rows, from one snapshot; None when none is queued."""
    with read(engine) as connection:
        rows = _first_queued(connection, up_to, chunk)
        if not rows:
            return None
        ids = sorted({episode for _, episode in rows})
        outcomes, scores = _compute(connection, ids, catalog, program)
    return Pass(tuple(rows), outcomes, scores)


def store_pass(engine: sa.Engine, computed: Pass) -> list[int]:
    """Phase two: delete the queue rows read and write the rows of every episode one of
    whose rows this deleted (another pass, from a later snapshot, had the others);
    returns those episodes."""
    with write(engine, changes=False) as connection:
        _lock(connection)
        removed = connection.execute(
            t.episode_outcome_queue.delete()
            .where(_Q.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger))))
            .returning(_Q.episode_id),
            {"ids": [row_id for row_id, _ in computed.queue_rows]},
        )
        current = sorted({int(e) for e in removed.scalars()})
        _write_rows(connection, current, computed.outcomes, computed.scores)
    return current


def _first_queued(connection: sa.Connection, cap: int, chunk: int) -> list[tuple[int, int]]:
    """The queue rows (id, episode) of the first ``chunk`` episodes queued up to ``cap``."""
    first = (
        sa.select(_Q.episode_id)
        .where(_Q.id <= cap)
        .group_by(_Q.episode_id)
        .order_by(sa.func.min(_Q.id))
        .limit(chunk)
    )
    query = sa.select(_Q.id, _Q.episode_id).where(_Q.id <= cap, _Q.episode_id.in_(first))
    return [(int(i), int(e)) for i, e in connection.execute(query)]


def _compute(
    connection: sa.Connection, ids: list[int], catalog: Catalog, program: ProgramConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    return episode_outcomes(read_episode_data(connection, catalog, ids), catalog, program)


def _write_rows(
    connection: sa.Connection,
    episode_ids: Sequence[int],
    outcomes: pl.DataFrame,
    scores: pl.DataFrame,
) -> None:
    """Replace the stored rows of ``episode_ids`` with theirs among the computed ones (an
    episode no longer stored has none)."""
    if not episode_ids:
        return
    chosen = pl.Series(list(episode_ids), dtype=pl.Int64).implode()
    for table, rows in ((t.episode_outcomes, outcomes), (t.episode_scores, scores)):
        connection.execute(table.delete().where(table.c.episode_id.in_(list(episode_ids))))
        kept = rows.filter(pl.col("episode_id").is_in(chosen))
        if not kept.is_empty():
            connection.execute(table.insert(), _records(kept, table))


def _records(frame: pl.DataFrame, table: sa.Table) -> list[dict[str, Any]]:
    return frame.select([c.name for c in table.columns]).to_dicts()


class Refresher:
    """A background thread of the app's process that calls :func:`refresh` every
    ``poll_seconds``: what other processes queued (an ``iop import``, another server)
    is computed soon after, not when a director next looks."""

    def __init__(
        self, engine: sa.Engine, catalog: Catalog, program: ProgramConfig, *, poll_seconds: float
    ) -> None:
        self._engine, self._catalog, self._program = engine, catalog, program
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iop-outcomes", daemon=True)

    def start(self) -> Refresher:
        """Start the thread; returns the refresher."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                refresh(self._engine, self._catalog, self._program)
            except Exception as exc:  # the thread lives on; the episodes stay queued
                logger.warning("episode outcomes: %s; will try again", type(exc).__name__)
            self._stop.wait(self._poll)
