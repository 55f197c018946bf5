"""Expected-response ranges from every episode of the program with a score that week."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from dashboard import access, clock
from dashboard.store import tables as t
from dashboard.store.engine import read, write
from dashboard.store.tables import CHECK_IN
from measures import Catalog
from measures.expected import ExpectedConfig, reference_ranges, weekly_scores

#: Episodes read (and scored) together when the ranges are computed.
EPISODES_PER_READ = 2_000
#: Part of the fingerprint: a change of how the ranges are built recomputes stored ones
#: (2: every episode with a score that week, by track, with the group's size).
REFERENCE_VERSION = 2


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
    """What the stored ranges are keyed by: the day, the episodes, the imports, the settings.

    The ranges are percentiles of every episode with a score that week: one new
    answer barely moves them, so check-ins refresh them once a day (the day is
    part of the key) rather than after every answer, which would make the next
    page view of the whole program pay for a full recomputation. An import of a
    file (it may add history or change an episode's track, dates or outcome)
    and a new episode refresh them at once. A decision, an acknowledgement or a
    plan leaves them unchanged.
    """
    e, i = t.episodes.c, t.imports.c
    episodes, last_episode = connection.execute(
        sa.select(sa.func.count(e.id), sa.func.max(e.id))
    ).one()
    last_import = connection.execute(
        sa.select(sa.func.max(i.id)).where(i.kind != CHECK_IN)
    ).scalar()
    settings = hashlib.sha1(
        f"{REFERENCE_VERSION}|{config!r}|{sorted(catalog.ids)}".encode(), usedforsecurity=False
    ).hexdigest()[:12]
    day = (today or clock.today()).isoformat()
    return f"{day}:{episodes}:{last_episode}:{last_import}:{settings}"


def current_reference(engine: sa.Engine, catalog: Catalog, config: ExpectedConfig) -> Reference:
    """The stored ranges when they are up to date, else computed now and stored."""
    with read(engine) as connection:
        key = fingerprint(connection, catalog, config)
        row = connection.execute(
            sa.select(t.reference_cache.c.ranges, t.reference_cache.c.gaps).where(
                t.reference_cache.c.fingerprint == key
            )
        ).first()
        if row is not None:
            return Reference(_frame(row.ranges), _frame(row.gaps))
        reference = program_reference(connection, catalog, config)
    with write(engine, changes=False) as connection:
        connection.execute(t.reference_cache.delete())
        connection.execute(
            t.reference_cache.insert().values(
                fingerprint=key, ranges=_bytes(reference.ranges), gaps=_bytes(reference.gaps)
            )
        )
    return reference


def _bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))
