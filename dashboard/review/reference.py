"""Expected-response ranges from every episode of the program with a score that week."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import threading
import time
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from dashboard import access, clock
from dashboard.store import tables as t
from dashboard.store.engine import read, write
from measures import Catalog
from measures.expected import ExpectedConfig, reference_ranges, weekly_scores

#: Episodes read (and scored) together when the ranges are computed.
EPISODES_PER_READ = 2_000
#: Part of the fingerprint: a change of how the ranges are built recomputes stored ones
#: (2: every episode with a score that week, by track, with the group's size).
REFERENCE_VERSION = 2
#: Seconds a background computation of the ranges waits before it starts.
BACKGROUND_DELAY_SECONDS = 5.0
#: The background computations under way, by database (see compute_in_background).
_COMPUTING: dict[str, threading.Thread] = {}
_GUARD = threading.Lock()


@dataclass(frozen=True)
class Reference:
    """Percentile ranges per measure, baseline band and week, and why some are missing."""

    ranges: pl.DataFrame
    gaps: pl.DataFrame


def program_reference(
    connection: sa.Connection, catalog: Catalog, config: ExpectedConfig
) -> Reference:
    """Ranges from every episode of the program with a score that week, whatever its
    outcome (completed, stepped down, left early, stepped up or still active), per
    track and for every track together (:func:`measures.expected.expected_ranges`).

    Program-wide aggregates: they carry no identity and are only shown where
    at least ``config.min_reference_episodes`` episodes stand behind a range.
    """
    starts = access.reference_episodes(connection)
    pks = starts["episode_pk"].to_list()
    # weekly means are per episode: a batch of episodes at a time keeps memory flat
    # (the whole history of a large program at once took 3.3 GB)
    batches = [pks[i : i + EPISODES_PER_READ] for i in range(0, len(pks), EPISODES_PER_READ)]
    weekly = [
        weekly_scores(
            access.episode_administrations(connection, catalog, episode_pks=batch).join(
                starts, on="episode_pk"
            ),
            catalog=catalog,
            episode="episode_pk",
        )
        for batch in batches or [[]]
    ]
    ranges, gaps = reference_ranges(
        pl.concat(weekly), catalog=catalog, config=config, episode="episode_pk"
    )
    return Reference(ranges, gaps)


def fingerprint(
    connection: sa.Connection,
    catalog: Catalog,
    config: ExpectedConfig,
    *,
    today: dt.date | None = None,
) -> str:
    """What the stored ranges are keyed by: the day, the episodes, the changes to
    closed episodes, the settings.

    The ranges are percentiles of every episode with a score that week: one new
    answer of an episode still under way barely moves them, so a check-in or an
    import that only touches clients whose episodes are all still active
    refreshes them once a day (the day is part of the key) rather than at once,
    which would make every import pay for a full recomputation. A new episode,
    a discharge or a reopened one (the count of closed episodes), and any change
    naming a client who has a closed episode or naming no client in particular
    (:mod:`dashboard.store.changes`: its history may be rewritten) refresh them
    at once. A decision, an acknowledgement or a plan leaves them unchanged.
    """
    e = t.episodes.c
    episodes, last_episode, closed = connection.execute(
        sa.select(
            sa.func.count(e.id),
            sa.func.max(e.id),
            sa.func.count(e.discharged_on),
        )
    ).one()
    settings = hashlib.sha1(
        f"{REFERENCE_VERSION}|{config!r}|{sorted(catalog.ids)}".encode(), usedforsecurity=False
    ).hexdigest()[:12]
    day = (today or clock.today()).isoformat()
    last = _last_closed_change(connection)
    return f"{day}:{episodes}:{last_episode}:{closed}:{last}:{settings}"


def _last_closed_change(connection: sa.Connection) -> int:
    """The last data change that may have changed a closed episode: one naming a
    client with a closed episode, or one naming no client in particular."""
    d, c, e = t.data_changes.c, t.data_change_clients.c, t.episodes.c
    everything = connection.execute(sa.select(sa.func.max(d.id)).where(d.every_client)).scalar()
    closed_client = (
        sa.select(c.change_id)
        .where(sa.exists().where(e.client_id == c.client_id, e.discharged_on.is_not(None)))
        .order_by(c.change_id.desc())
        .limit(1)
    )
    named = connection.execute(closed_client).scalar()
    return max(int(everything or 0), int(named or 0))


def current_reference(
    engine: sa.Engine, catalog: Catalog, config: ExpectedConfig, *, background: bool = False
) -> Reference:
    """The stored ranges when they are up to date, else computed now and stored.

    With ``background``, ranges stored on an earlier day under what is otherwise the
    same fingerprint (no episode opened, closed or rewritten since, the same settings:
    only answers of episodes under way are newer, which the ranges already follow once
    a day) are returned at once while today's are computed on a thread of their own
    (:func:`compute_in_background`): the first page of the day does not wait for the
    whole program's history. Anything else is computed before it is returned.
    """
    with read(engine) as connection:
        key = fingerprint(connection, catalog, config)
        stored = _stored(connection)
        if stored is not None and stored[0] == key:
            return stored[1]
        if background and stored is not None and _only_the_day_turned(stored[0], key):
            compute_in_background(engine, catalog, config)
            return stored[1]
        reference = program_reference(connection, catalog, config)
    _store(engine, key, reference)
    return reference


def stored_fingerprint(connection: sa.Connection) -> str | None:
    """The fingerprint the stored ranges were computed under (None: none stored)."""
    found = connection.execute(sa.select(t.reference_cache.c.fingerprint)).scalar()
    return None if found is None else str(found)


def compute_in_background(
    engine: sa.Engine,
    catalog: Catalog,
    config: ExpectedConfig,
    *,
    delay_seconds: float = BACKGROUND_DELAY_SECONDS,
) -> None:
    """Compute and store the ranges on a daemon thread, one at a time per database,
    starting ``delay_seconds`` later (the page that asked is drawn first rather than
    share the processor with it); a failure is logged by its error's class (the stored
    ranges stay, and the next page asks again)."""
    name = engine.url.render_as_string(hide_password=True)
    with _GUARD:
        if name in _COMPUTING:
            return

        def run() -> None:
            try:
                time.sleep(delay_seconds)
                refresh_reference(engine, catalog, config)
            except Exception as exc:  # a page must not fail for ranges it already has
                logging.getLogger(__name__).warning(
                    "expected ranges not refreshed: %s", type(exc).__name__
                )
            finally:
                with _GUARD:
                    del _COMPUTING[name]

        _COMPUTING[name] = threading.Thread(target=run, name="iop-reference", daemon=True)
        _COMPUTING[name].start()


def wait_for_background(timeout: float | None = None) -> None:
    """Wait for the computations :func:`compute_in_background` started (tests, benchmarks)."""
    with _GUARD:
        running = list(_COMPUTING.values())
    for thread in running:
        thread.join(timeout)


def _only_the_day_turned(stored: str, key: str) -> bool:
    """Whether fingerprint ``key`` is ``stored``'s but for a later day (see :func:`fingerprint`)."""
    day, _, rest = stored.partition(":")
    today, _, now = key.partition(":")
    return rest == now and day < today


def refresh_reference(engine: sa.Engine, catalog: Catalog, config: ExpectedConfig) -> bool:
    """Compute and store the ranges if the stored ones are not those of the data now;
    returns whether they were computed.

    Run after a write has committed and said what it did (``iop import``, the upload
    page), never inside it: the write does not wait for the program's ranges. Until
    then the stored ranges are under an older key, and a page asking for them
    (:func:`current_reference`) computes them itself: it never reads them as those
    of the data now.
    """
    with read(engine) as connection:
        key = fingerprint(connection, catalog, config)
        if stored_fingerprint(connection) == key:
            return False
        reference = program_reference(connection, catalog, config)
    _store(engine, key, reference)
    return True


def _stored(connection: sa.Connection) -> tuple[str, Reference] | None:
    """The stored ranges (one row: :func:`_store` replaces it) with their fingerprint."""
    c = t.reference_cache.c
    row = connection.execute(sa.select(c.fingerprint, c.ranges, c.gaps)).first()
    if row is None:
        return None
    return str(row.fingerprint), Reference(_frame(row.ranges), _frame(row.gaps))


def _store(engine: sa.Engine, key: str, reference: Reference) -> None:
    with write(engine, changes=False) as connection:
        connection.execute(t.reference_cache.delete())
        connection.execute(
            t.reference_cache.insert().values(
                fingerprint=key, ranges=_bytes(reference.ranges), gaps=_bytes(reference.gaps)
            )
        )


def _bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))
