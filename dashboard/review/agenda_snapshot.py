"""The kept weekly review saved in the database, so a new server process starts from it.

Building the agenda of a large caseload takes seconds; a process that starts (a
deploy, a restart, a second server) loads the last saved build of the viewer's
scope and day and catches up from its data version as any kept agenda does
(:mod:`dashboard.review.agenda_store`). A snapshot is saved in the background
after a full build and, after updates, at most every ``SAVE_SECONDS``: one row per
scope, replaced, and snapshots of earlier days are deleted then.

A snapshot holds what the scope's viewers see on the page (their scope was applied
in SQL when it was built) and is read for the same scope key only, and only by code
with the same sources, instrument catalog and program settings (:func:`code_key`);
anything else builds anew. The frames are stored as Arrow IPC (zstd) in a zip: no
object is unpickled from the database.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import io
import json
import logging
import threading
import weakref
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from dashboard.review.agenda import Agenda, Caseload, choices_of
from dashboard.review.reference import Reference
from dashboard.store import tables as t
from dashboard.store.engine import write
from measures import Catalog
from measures.program import ProgramConfig
from measures.readiness import CaseloadReadiness, Readiness

#: Bumped when what a snapshot holds changes.
SNAPSHOT_VERSION = 2
#: The frames of a snapshot (besides the readiness).
_AGENDA_FRAMES = ("rows", "flags", "due", "off_track", "cells")
#: Seconds an ending process waits for a snapshot being saved.
EXIT_WAIT_SECONDS = 10.0
#: Every frame of a snapshot.
_FRAMES = (*_AGENDA_FRAMES, "episodes", "weekly", "ranges", "gaps", "criteria", "statuses")
#: The sources whose code builds the agenda: a change of any makes old snapshots unread.
_SOURCES = ("dashboard/review", "dashboard/access", "dashboard/auth", "dashboard/store", "measures")
_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Snapshot:
    """A saved caseload: the day, the data version and expected ranges it was built at."""

    as_of: dt.date
    version: int
    reference: Reference
    caseload: Caseload


def scope_text(key: object) -> str:
    """A viewer's scope key as stored.

    >>> scope_text(("clinician", 4, (1, 2), None))
    '["clinician", 4, [1, 2], null]'
    """
    return json.dumps(key)


def code_key(catalog: Catalog, program: ProgramConfig) -> str:
    """What a snapshot must have been built with to be read: the sources of the code that
    builds the agenda, the instrument definitions and the program settings."""
    parts = f"{SNAPSHOT_VERSION}|{pl.__version__}|{catalog!r}|{program!r}|{_sources()}"
    return hashlib.sha256(parts.encode()).hexdigest()


@cache
def _sources() -> str:
    digest = hashlib.sha256()
    for folder in _SOURCES:
        for path in sorted((_ROOT / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Saver:
    """Saves snapshots on a background thread, the newest of each scope (a page never
    waits for it). A save that fails is logged by its error's class and skipped: the
    next build saves again."""

    def __init__(self) -> None:
        self._pending: dict[object, tuple[sa.Engine, Snapshot, str]] = {}
        self._busy = 0
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        _SAVERS.add(self)

    def submit(self, engine: sa.Engine, key: object, snapshot: Snapshot, *, code: str) -> None:
        """Save ``snapshot`` soon (replacing one of the same scope not saved yet)."""
        with self._lock:
            self._pending[key] = (engine, snapshot, code)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="agenda-snapshots", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until nothing is waiting to be saved (at most ``timeout`` seconds)."""
        with self._lock:
            self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                key, (engine, snapshot, code) = self._pending.popitem()
                self._busy += 1
            try:
                save(engine, key, snapshot, code=code)
            except Exception as exc:  # a snapshot is an optimisation: never fail a page
                logging.getLogger(__name__).warning(
                    "agenda snapshot not saved: %s", type(exc).__name__
                )
            finally:
                with self._lock:
                    self._busy -= 1
                    self._lock.notify_all()


#: The live savers, flushed when the process ends.
_SAVERS: weakref.WeakSet[Saver] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    # a process that ends soon after a build (a restart) still leaves it saved
    for saver in list(_SAVERS):
        saver.flush(timeout=EXIT_WAIT_SECONDS)


def save(engine: sa.Engine, key: object, snapshot: Snapshot, *, code: str) -> None:
    """Save ``snapshot`` as the scope's (replacing its last) and delete earlier days' ones."""
    data = _packed(snapshot)
    s = t.agenda_snapshots.c
    scope = scope_text(key)
    with write(engine, changes=False) as connection:
        connection.execute(
            t.agenda_snapshots.delete().where(sa.or_(s.scope == scope, s.as_of < snapshot.as_of))
        )
        connection.execute(
            t.agenda_snapshots.insert().values(
                scope=scope, as_of=snapshot.as_of, version=snapshot.version, code=code, data=data
            )
        )


def load(connection: sa.Connection, key: object, *, as_of: dt.date, code: str) -> Snapshot | None:
    """The scope's saved caseload of ``as_of`` built by this code, if there is one."""
    s = t.agenda_snapshots.c
    row = connection.execute(
        sa.select(s.version, s.data).where(
            s.scope == scope_text(key), s.as_of == as_of, s.code == code
        )
    ).first()
    if row is None:
        return None
    return _unpacked(bytes(row.data), as_of=as_of, version=int(row.version))


def _packed(snapshot: Snapshot) -> bytes:
    caseload, agenda = snapshot.caseload, snapshot.caseload.agenda
    criteria, statuses, previous = _readiness_frames(agenda.readiness)
    frames = {
        **{name: getattr(agenda, name) for name in _AGENDA_FRAMES},
        "episodes": caseload.episodes,
        "weekly": caseload.weekly,
        "ranges": snapshot.reference.ranges,
        "gaps": snapshot.reference.gaps,
        "criteria": criteria,
        "statuses": statuses,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, frame in frames.items():
            if frame.width:
                part = io.BytesIO()
                frame.write_ipc(part, compression="zstd")
                archive.writestr(name, part.getvalue())
        if previous is not None:
            archive.writestr(_PREVIOUS, previous.isoformat())
    return buffer.getvalue()


def _unpacked(data: bytes, *, as_of: dt.date, version: int) -> Snapshot:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        frames = {
            name: pl.read_ipc(io.BytesIO(archive.read(name))) if name in names else pl.DataFrame()
            for name in _FRAMES
        }
        previous = archive.read(_PREVIOUS).decode() if _PREVIOUS in names else None
    episodes = frames["episodes"]
    agenda = Agenda(
        as_of,
        frames["rows"],
        frames["flags"],
        _readiness_of(frames["criteria"], frames["statuses"], as_of=as_of, previous=previous),
        frames["due"],
        frames["off_track"],
        choices_of(episodes) if episodes.width else choices_of(_NO_EPISODES),
        frames["cells"],
    )
    reference = Reference(frames["ranges"], frames["gaps"])
    return Snapshot(as_of, version, reference, Caseload(agenda, episodes, frames["weekly"]))


_NO_EPISODES = pl.DataFrame(
    schema={"site": pl.String, "track_name": pl.String, "clinician": pl.String}
)


#: The zip entry of the readiness's previous review date.
_PREVIOUS = "previous_review"


def _readiness_frames(
    readiness: Mapping[str, Readiness],
) -> tuple[pl.DataFrame, pl.DataFrame, dt.date | None]:
    """The caseload readiness's frames (criteria, statuses) and its previous review."""
    if isinstance(readiness, CaseloadReadiness):
        return readiness.criteria, readiness.statuses, readiness.previous_review
    if readiness:
        msg = f"a snapshot keeps a CaseloadReadiness, not {type(readiness).__name__}"
        raise TypeError(msg)
    return pl.DataFrame(), pl.DataFrame(), None


def _readiness_of(
    criteria: pl.DataFrame, statuses: pl.DataFrame, *, as_of: dt.date, previous: str | None
) -> Mapping[str, Readiness]:
    if not statuses.width or previous is None:
        return {}
    return CaseloadReadiness(
        criteria, statuses, as_of=as_of, previous_review=dt.date.fromisoformat(previous)
    )
