"""A folder an EHR feed drops files into: each new file imported once, then moved to
``imported/`` or ``rejected/`` with its summary beside it.

A file is taken once it has stopped changing (the same size and modification time
for :data:`SETTLE_SECONDS`); names starting with a dot or ending in ``.partial``,
``.part`` or ``.tmp`` are files still being written and are left alone, so a feed that
writes under such a name and renames when done is never read half-written. The import
commits before the file is moved: a watcher stopped in between imports the file again
when it restarts, which the store recognises as already imported (by its content) and
changes nothing. A file that could not be imported because the database was busy or
failed stays where it is and is tried again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.imports.plan import SetAside
from dashboard.imports.run import ImportResult
from dashboard.imports.wording import summary_lines

IMPORTED, REJECTED = "imported", "rejected"
#: Seconds a file must be unchanged before it is taken.
SETTLE_SECONDS = 2.0
#: Endings of files still being written (or of our own summaries): never taken.
IN_PROGRESS = (".partial", ".part", ".tmp", ".summary.txt")
SUMMARY = ".summary.txt"


@dataclass
class Folder:
    """The watched folder and what was seen of its files at the last look."""

    path: Path
    settle_seconds: float = SETTLE_SECONDS
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    def ready(self, *, now: float | None = None) -> list[Path]:
        """The files waiting to be imported, by name: those unchanged since the last
        look or for :attr:`settle_seconds`.

        Examples
        --------
        >>> import tempfile
        >>> folder = Folder(Path(tempfile.mkdtemp()))
        >>> _ = (folder.path / "week.csv").write_text("client_id\\n")
        >>> _ = (folder.path / "next.csv.partial").write_text("client_id\\n")
        >>> [p.name for p in folder.ready(now=time.time() + 60)]
        ['week.csv']
        """
        now = time.time() if now is None else now
        seen: dict[str, tuple[int, int]] = {}
        ready = []
        for entry in sorted(os.scandir(self.path), key=lambda e: e.name):
            if not entry.is_file() or _in_progress(entry.name):
                continue
            stat = entry.stat()
            state = (stat.st_size, stat.st_mtime_ns)
            seen[entry.name] = state
            settled = now - stat.st_mtime >= self.settle_seconds
            if settled or self._seen.get(entry.name) == state:
                ready.append(Path(entry.path))
        self._seen = seen
        return ready


def _in_progress(name: str) -> bool:
    return name.startswith(".") or name.endswith(IN_PROGRESS)


@dataclass(frozen=True)
class Filed:
    """Where one file went (``imported``, ``rejected`` or left to ``retry``), and the
    lines of its summary."""

    name: str
    outcome: str
    moved_to: Path | None
    lines: tuple[str, ...]


def file_away(folder: Path, paths: Sequence[Path], result: ImportResult) -> list[Filed]:
    """Move each of ``paths`` after their import: to ``imported/`` (rows imported, some
    perhaps rejected into the quarantine, or already imported), to ``rejected/`` (the
    file could not be used), or nowhere (not imported because of the database: tried
    again); each moved file gets its summary beside it (``NAME.summary.txt``)."""
    by_name = {Path(summary.file_name).name: summary for summary in result.summaries}
    set_aside = {item.path.name: item for item in result.set_aside}
    filed = []
    for path in paths:
        summary = by_name.get(path.name)
        aside = set_aside.get(path.name)
        if summary is not None:
            outcome, lines = IMPORTED, tuple(summary_lines(summary))
        elif aside is not None and aside.retry:
            filed.append(Filed(path.name, "retry", None, (aside.message,)))
            continue
        else:
            outcome, lines = _set_aside_outcome(aside)
        moved = _move(path, folder / outcome, lines)
        filed.append(Filed(path.name, outcome, moved, lines))
    return filed


def _set_aside_outcome(aside: SetAside | None) -> tuple[str, tuple[str, ...]]:
    if aside is None:
        return REJECTED, ("not imported: the import gave no result for this file",)
    if not aside.problem:  # a supporting file (a FHIR Questionnaire) used to read others
        return IMPORTED, (aside.message,)
    return REJECTED, (f"error: {aside.message}",)


def _move(path: Path, target: Path, lines: tuple[str, ...]) -> Path:
    """Move ``path`` into ``target`` under a free name, its summary written first (so a
    file is never filed without one)."""
    target.mkdir(exist_ok=True)
    destination = target / path.name
    number = 1
    while destination.exists():
        number += 1
        destination = target / f"{path.stem}.{number}{path.suffix}"
    summary = destination.with_name(destination.name + SUMMARY)
    partial = summary.with_name(summary.name + ".partial")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(summary)
    path.replace(destination)
    return destination
