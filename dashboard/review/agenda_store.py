"""The weekly review's agendas kept current in place: a write rebuilds only the rows it touched.

One built caseload (:class:`~dashboard.review.agenda.Caseload`) is kept per viewer
scope, for the day asked. When the data version moves on, the clients the new
changes touched are read from the change log (:func:`dashboard.store.changes.changes_between`)
in the same transaction as their data, and only their rows are built again and
spliced in (every row is computed for its client alone). A change that named no
client, a new day, or a version that went back builds the whole caseload again;
new expected ranges give every client's off-track evidence again from the kept
weekly scores, and rebuild the rows of the clients whose verdict changed. Old
versions are not kept: the update replaces the entry.

Correct with several server processes on one PostgreSQL database: each keeps its
own entries and reads the changes since its own version (change ids follow commit
order, see :mod:`dashboard.store.changes`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import polars as pl
import sqlalchemy as sa

from dashboard.access import data_version
from dashboard.auth.viewer import Viewer
from dashboard.review.agenda import (
    Agenda,
    Caseload,
    build_caseload,
    by_client,
    choices_of,
    off_track_of,
)
from dashboard.review.agenda_snapshot import Saver, Snapshot, code_key, load
from dashboard.review.agenda_table import with_measure_columns
from dashboard.review.priorities import agenda_order
from dashboard.review.reference import Reference
from dashboard.store.changes import changes_between
from dashboard.store.engine import read
from measures import Catalog
from measures.program import ProgramConfig
from measures.readiness import CaseloadReadiness, Readiness

#: A scope's agenda not asked for this long is dropped.
IDLE_SECONDS = 3600.0
#: At most this many scopes are kept (the least recently asked for goes first).
MAX_SCOPES = 64
#: A change touching more clients than this many times the caseload builds it all.
WHOLE_BUILD_SHARE = 2
#: After updates, a scope's build is saved again at most this often (seconds).
SAVE_SECONDS = 300.0


@dataclass
class _Entry:
    as_of: dt.date
    version: int
    reference: Reference
    caseload: Caseload
    used: float
    saved: float


class AgendaStore:
    """The agenda of each viewer scope, updated in place as the data changes.

    Thread-safe: a scope is built or updated by one caller at a time (others asking
    for it wait and get the result); different scopes do not wait for each other.
    With ``snapshots`` a scope not kept yet starts from its saved build of the day
    (:mod:`dashboard.review.agenda_snapshot`), and builds are saved in the background.
    """

    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_scopes: int = MAX_SCOPES,
        snapshots: bool = True,
        save_seconds: float = SAVE_SECONDS,
    ):
        self._idle = idle_seconds
        self._max = max_scopes
        self._save_seconds = save_seconds
        self._saver = Saver() if snapshots else None
        self._entries: dict[object, _Entry] = {}
        self._locks: dict[object, threading.Lock] = {}
        self._codes: list[tuple[Catalog, ProgramConfig, str]] = []
        self._guard = threading.Lock()
        #: what the last call did: "kept", "updated N", "built", after "loaded, " when
        #: it started from a saved build (for benchmarks and tests)
        self.last_update = ""

    def agenda(
        self,
        engine: sa.Engine,
        viewer: Viewer,
        *,
        catalog: Catalog,
        program: ProgramConfig,
        reference: Reference,
        as_of: dt.date,
    ) -> Agenda:
        """The viewer's agenda at ``as_of`` for the data as it is now.

        ``reference`` is the program's current expected ranges. The viewer's scope
        is applied in SQL by every read (:func:`~dashboard.review.agenda.build_caseload`)
        and is the key: one scope's agenda is never served to another.
        """
        key = viewer.scope_key
        code = self._code(catalog, program) if self._saver is not None else ""
        with self._lock_of(key):
            entry, loaded = self._entries.get(key), ""
            with read(engine) as connection:
                version = data_version(connection)[0]
                if entry is None and self._saver is not None:
                    entry = _loaded(connection, key, as_of=as_of, version=version, code=code)
                    loaded = "loaded, " if entry is not None else ""
                caseload, what = _current(
                    connection,
                    viewer,
                    entry,
                    version=version,
                    catalog=catalog,
                    program=program,
                    reference=reference,
                    as_of=as_of,
                )
            now = time.monotonic()
            saved = now if entry is None or what == "built" else entry.saved
            due = what == "built" or (what != "kept" and now - saved > self._save_seconds)
            if self._saver is not None and due:
                snapshot = Snapshot(as_of, version, reference, caseload)
                self._saver.submit(engine, key, snapshot, code=code)
                saved = now
            self._entries[key] = _Entry(as_of, version, reference, caseload, now, saved)
            self.last_update = loaded + what
        self._evict()
        return caseload.agenda

    def _code(self, catalog: Catalog, program: ProgramConfig) -> str:
        with self._guard:
            for known, settings, code in self._codes:
                if known is catalog and settings is program:
                    return code
        code = code_key(catalog, program)
        with self._guard:
            self._codes = [*self._codes[-3:], (catalog, program, code)]
        return code

    def flush(self) -> None:
        """Wait until the snapshots asked for are saved (for tests and benchmarks)."""
        if self._saver is not None:
            self._saver.flush()

    @property
    def kept(self) -> int:
        """How many scopes' agendas are kept (one version each)."""
        with self._guard:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every kept agenda."""
        with self._guard:
            self._entries.clear()

    def _lock_of(self, key: object) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _evict(self) -> None:
        now = time.monotonic()
        with self._guard:
            by_use = sorted(self._entries.items(), key=lambda item: item[1].used, reverse=True)
            for rank, (key, entry) in enumerate(by_use):
                if rank >= self._max or now - entry.used > self._idle:
                    del self._entries[key]
                    self._locks.pop(key, None)


def _loaded(
    connection: sa.Connection, key: object, *, as_of: dt.date, version: int, code: str
) -> _Entry | None:
    """The scope's saved build of the day as a kept entry, if one is there."""
    snapshot = load(connection, key, as_of=as_of, code=code)
    if snapshot is None or snapshot.version > version:
        return None
    now = time.monotonic()
    return _Entry(as_of, snapshot.version, snapshot.reference, snapshot.caseload, now, now)


def _current(
    connection: sa.Connection,
    viewer: Viewer,
    entry: _Entry | None,
    *,
    version: int,
    catalog: Catalog,
    program: ProgramConfig,
    reference: Reference,
    as_of: dt.date,
) -> tuple[Caseload, str]:
    """The caseload for ``version``: ``entry``'s kept, updated, or built anew; and which."""

    def build(client_pks: list[int] | None = None) -> Caseload:
        return build_caseload(
            connection,
            viewer,
            catalog=catalog,
            program=program,
            reference=reference,
            as_of=as_of,
            client_pks=client_pks,
        )

    if entry is None or entry.as_of != as_of or entry.version > version:
        return build(), "built"
    same_ranges = same_reference(entry.reference, reference)
    if entry.version == version and same_ranges:
        return entry.caseload, "kept"
    changes = changes_between(connection, entry.version, version)
    clients = entry.caseload.episodes.height
    if changes.everything or len(changes.client_pks) > WHOLE_BUILD_SHARE * max(clients, 1):
        return build(), "built"
    caseload, touched = entry.caseload, set(changes.client_pks)
    if not same_ranges:
        caseload, moved = with_reference(caseload, reference, program=program, catalog=catalog)
        touched |= moved
    if touched:
        caseload = spliced(caseload, build(sorted(touched)), touched, catalog=catalog)
    return caseload, f"updated {len(touched)}"


def same_reference(one: Reference, other: Reference) -> bool:
    """Whether two expected-range references hold the same ranges."""
    return one is other or (one.ranges.equals(other.ranges) and one.gaps.equals(other.gaps))


def with_reference(
    caseload: Caseload, reference: Reference, *, program: ProgramConfig, catalog: Catalog
) -> tuple[Caseload, set[int]]:
    """``caseload``'s off-track evidence under new ranges, and the clients (database
    ids) whose verdict changed: only their rows read differently."""
    if caseload.weekly.is_empty():
        return caseload, set()
    off_track = by_client(
        off_track_of(caseload.weekly, reference, program=program, catalog=catalog)
    )
    before, after = _behind(caseload.agenda.off_track), _behind(off_track)
    moved = before.join(after, on=["client_id", "measure"], how="anti").vstack(
        after.join(before, on=["client_id", "measure"], how="anti")
    )
    pks = caseload.episodes.filter(pl.col("client_id").is_in(moved["client_id"].implode()))
    agenda = replace(caseload.agenda, off_track=off_track)
    return replace(caseload, agenda=agenda), set(pks["client_pk"].to_list())


def _behind(off_track: pl.DataFrame) -> pl.DataFrame:
    if off_track.is_empty():
        return pl.DataFrame(schema={"client_id": pl.String, "measure": pl.String})
    return off_track.filter(pl.col("not_on_track").fill_null(False)).select("client_id", "measure")


def spliced(
    old: Caseload, part: Caseload, client_pks: Iterable[int], *, catalog: Catalog
) -> Caseload:
    """``old`` with the rows of ``client_pks`` replaced by ``part``'s (a build of them).

    A client of ``client_pks`` missing from ``part`` is no longer on the agenda
    (discharged, or now outside the viewer's caseload).
    """
    pks = list(client_pks)
    leaving = old.episodes.filter(pl.col("client_pk").is_in(pks))["client_id"].to_list()
    codes = sorted({*leaving, *part.episodes["client_id"].to_list()})
    episodes = _joined(old.episodes, part.episodes, codes).sort("client_id", "admitted_on")
    was, new = old.agenda, part.agenda
    cells = by_client(_joined(was.cells, new.cells, codes))
    rows = _joined(was.rows, new.rows, codes)
    if not rows.is_empty():
        headings = set(cells["heading"].to_list())
        rows = agenda_order(with_measure_columns(rows, headings, catalog))
    agenda = Agenda(
        as_of=was.as_of,
        rows=rows,
        flags=by_client(_joined(was.flags, new.flags, codes)),
        readiness=_spliced(was.readiness, new.readiness, codes),
        due=by_client(_joined(was.due, new.due, codes)),
        off_track=by_client(_joined(was.off_track, new.off_track, codes)),
        choices=choices_of(episodes),
        cells=cells,
    )
    return Caseload(agenda, episodes, _joined(old.weekly, part.weekly, codes))


def _spliced(
    old: Mapping[str, Readiness], new: Mapping[str, Readiness], codes: list[str]
) -> Mapping[str, Readiness]:
    """``old``'s readiness without clients ``codes``, then ``new``'s (frames spliced: no
    client's object is built)."""
    if isinstance(old, CaseloadReadiness) and isinstance(new, CaseloadReadiness):
        return CaseloadReadiness(
            _joined(old.criteria, new.criteria, codes),
            _joined(old.statuses, new.statuses, codes),
            as_of=new.as_of,
            previous_review=new.previous_review,
        )
    gone = set(codes)
    return {**{c: r for c, r in old.items() if c not in gone}, **new}


def _joined(old: pl.DataFrame, new: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """``old`` without the rows of clients ``codes``, then ``new``'s rows."""
    kept = old.filter(~pl.col("client_id").is_in(codes)) if old.width else old
    if not new.width or new.is_empty():
        return kept
    if not kept.width or kept.is_empty():
        return new
    return pl.concat([kept, new], how="diagonal_relaxed")
