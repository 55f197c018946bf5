"""Run an import: each planned file in its own transaction; the expected ranges after it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa

from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.importers.csv_administrations import read_administrations_file
from dashboard.importers.csv_tables import read_table
from dashboard.importers.fhir import read_fhir
from dashboard.importers.redcap import read_redcap
from dashboard.imports.kinds import table_spec
from dashboard.imports.plan import (
    DEFAULT_OPTIONS,
    ImportOptions,
    PlannedFile,
    SetAside,
    plan_imports,
    redcap_files,
    unusable_file,
)
from dashboard.review.reference import refresh_reference
from dashboard.store.batch import ImportBatch, UnusableFile
from dashboard.store.engine import DatabaseLocked
from dashboard.store.faults import database_fault
from dashboard.store.importing import ImportSummary, file_hash, import_administrations
from dashboard.store.registry import import_table
from measures import Catalog
from measures.program import ProgramConfig

#: Told how many records a file has before they are written; may return a callback
#: that is told how many more were written after each batch.
Progress = Callable[[int], Callable[[int], None] | None]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: each imported file's summary (in import order), each file
    set aside with its reason."""

    summaries: tuple[ImportSummary, ...]
    set_aside: tuple[SetAside, ...]

    @property
    def accepted(self) -> int:
        """Rows accepted over every file."""
        return sum(s.accepted for s in self.summaries)

    @property
    def rejected(self) -> int:
        """Rows rejected (and quarantined) over every file."""
        return sum(s.rejected for s in self.summaries)

    @property
    def unusable(self) -> tuple[SetAside, ...]:
        """The files given to be imported that could not be."""
        return tuple(s for s in self.set_aside if s.problem)


def import_files(
    engine: sa.Engine,
    paths: Sequence[Path],
    *,
    viewer: Viewer,
    catalog: Catalog,
    program: ProgramConfig,
    options: ImportOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``paths`` as ``viewer``: planned, each in one transaction, in dependency order.

    Nothing is read unless the viewer may manage imports (raises
    :class:`~dashboard.auth.permissions.NotPermitted`). A file that cannot be
    used is set aside with its reason and the others are still imported; a
    locked database stops the import there, the files left being set aside.
    The program's expected ranges are not computed here: the caller runs
    :func:`refresh_expected_ranges` once it has shown the result. Returns the
    summaries and the files set aside.
    """
    require(viewer, Action.MANAGE_IMPORTS)
    plan = plan_imports(paths, options=options)
    summaries: list[ImportSummary] = []
    reported = list(plan.set_aside)
    for number, planned in enumerate(plan.files):
        try:
            summaries.append(
                _import(
                    engine,
                    planned,
                    options=options,
                    catalog=catalog,
                    imported_by=viewer.username,
                    progress=progress,
                )
            )
        except UnusableFile as exc:
            reported.append(unusable_file(planned.path, str(exc)))
        except DatabaseLocked as exc:
            reported.append(_retry(planned.path, f"not imported: {exc}"))
            reported.extend(
                _retry(left.path, "not imported: the database was locked")
                for left in plan.files[number + 1 :]
            )
            return ImportResult(tuple(summaries), tuple(reported))
        except sa.exc.DBAPIError as exc:
            # the transaction is rolled back: nothing of the file is stored
            reported.append(_retry(planned.path, f"not imported: {_refused(exc)}"))
            reported.extend(
                _retry(left.path, "not imported: an earlier file failed")
                for left in plan.files[number + 1 :]
            )
            return ImportResult(tuple(summaries), tuple(reported))
    return ImportResult(tuple(summaries), tuple(reported))


def _retry(path: Path, reason: str) -> SetAside:
    """A file not imported because of the database: named, and worth trying again."""
    return replace(unusable_file(path, reason), retry=True)


def refresh_expected_ranges(engine: sa.Engine, *, catalog: Catalog, program: ProgramConfig) -> bool:
    """After an import has committed and its result was shown: compute and store the
    program's expected ranges when the import changed what they rest on (a closed
    episode, a new one); returns whether they were computed.

    An import that only added answers of episodes still under way leaves them as they
    are (they follow those once a day), so it costs nothing here. Until this has run,
    a page that needs the ranges computes them itself rather than show older ones
    (:func:`dashboard.review.reference.refresh_reference`).
    """
    return refresh_reference(engine, catalog, program.expected_response)


def _refused(exc: sa.exc.DBAPIError) -> str:
    """Why the database did not take a file, in one line without the statement or its
    parameters (they hold the file's rows)."""
    fault = database_fault(exc)
    said = fault.message if fault is not None else f"the database refused it ({_kind(exc)})"
    return f"{said}; nothing of this file was stored"


def _kind(exc: sa.exc.DBAPIError) -> str:
    return type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__


def _import(
    engine: sa.Engine,
    planned: PlannedFile,
    *,
    options: ImportOptions,
    catalog: Catalog,
    imported_by: str,
    progress: Progress | None,
) -> ImportSummary:
    """Read one planned file and write it in one transaction: the one way a file reaches
    the store. Raises :class:`UnusableFile` when the file cannot be read."""
    path, digest = planned.path, file_hash(planned.path)
    if planned.kind != "administrations":
        table = read_table(path, table_spec(planned.kind))
        with _Steps(progress, table.records):
            return import_table(
                engine,
                table,
                file_name=str(path),
                content_hash=digest,
                imported_by=imported_by,
                known_clients_only=options.known_clients_only,
            )
    batch = _read_administrations(planned, options, catalog)
    if planned.format == "redcap":
        digest = _redcap_digest(digest, redcap_files(path, options))
    with _Steps(progress, batch.records) as step:
        return import_administrations(
            engine,
            batch,
            file_name=str(path),
            content_hash=digest,
            imported_by=imported_by,
            catalog=catalog,
            source=planned.format,
            known_clients_only=options.known_clients_only,
            progress=step,
        )


def _redcap_digest(records: str, files: tuple[Path, Path]) -> str:
    """A REDCap export is known by its records, dictionary and mapping together: the
    same records of another project (another mapping) or read with a corrected
    mapping are another import, not one already done."""
    parts = [records, *(file_hash(f) for f in files)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _read_administrations(
    planned: PlannedFile, options: ImportOptions, catalog: Catalog
) -> ImportBatch:
    """The batch of an administrations file, read by the reader of its format."""
    if planned.format == "csv":
        return read_administrations_file(planned.path, catalog)
    if planned.format == "fhir":
        return read_fhir(
            [planned.path, *planned.supporting],
            catalog,
            patient_identifier_system=options.patient_identifier_system,
        )
    return read_redcap(planned.path, *redcap_files(planned.path, options), catalog)


class _Steps:
    """Tells a progress callback about one file; every file ends at its full count
    (a table is written at once, an already imported file not at all)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.total = total
        self.done = 0
        self._step = progress(total) if progress is not None else None

    def __enter__(self) -> Callable[[int], None] | None:
        return self.advance if self._step is not None else None

    def advance(self, written: int) -> None:
        """Pass ``written`` records on to the callback."""
        self.done += written
        if self._step is not None:
            self._step(written)

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.done < self.total:
            self.advance(self.total - self.done)
