"""Import one file of any supported format: detect it, read it, write it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from dashboard.importers.csv_administrations import read_administrations_file
from dashboard.importers.csv_tables import TABLES, detect_table, read_table
from dashboard.store.batch import ImportBatch, UnusableFile
from dashboard.store.importing import ImportSummary, file_hash, import_administrations
from dashboard.store.registry import import_table
from measures import Catalog, FormatError
from measures.parsing import read_header

FORMATS = ("csv", "redcap", "fhir", *(spec.kind for spec in TABLES))
#: The order files are imported in when several are given: what others refer to first.
KIND_ORDER = ("clinicians", "episodes", "care_levels", "administrations", "attendance")


@dataclass(frozen=True)
class ImportRequest:
    """One file to import and how."""

    path: Path
    format: str | None = None
    known_clients_only: bool = False
    redcap_dictionary: Path | None = None
    redcap_mapping: Path | None = None
    supporting: tuple[Path, ...] = ()


def detect_kind(path: Path, format: str | None = None) -> str:
    """What a file holds: administrations (csv, redcap, fhir) or a table kind."""
    if format in ("csv", "redcap", "fhir"):
        return "administrations"
    if format:
        return format
    suffix = path.suffix.lower()
    if suffix in (".json", ".ndjson"):
        return "administrations"
    header = _header(path)
    if "measure" in header and "administered_on" in header:
        return "administrations"
    if "redcap_event_name" in header or any(c.endswith("_complete") for c in header):
        return "administrations"
    spec = detect_table(header)
    if spec is None:
        msg = (
            f"{path.name}: cannot tell what this file holds (columns: {', '.join(header[:8])}); "
            f"give --format, one of {', '.join(FORMATS)}"
        )
        raise UnusableFile(msg)
    return spec.kind


def detect_format(path: Path, format: str | None = None) -> str:
    """The administration format of a file: csv, redcap or fhir."""
    if format in ("csv", "redcap", "fhir"):
        return format
    if path.suffix.lower() in (".json", ".ndjson"):
        return "fhir"
    header = _header(path)
    if "measure" in header and "administered_on" in header:
        return "csv"
    return "redcap"


def import_file(
    engine: sa.Engine,
    request: ImportRequest,
    *,
    catalog: Catalog,
    imported_by: str,
    progress: Callable[[int], Callable[[int], None] | None] | None = None,
) -> ImportSummary:
    """Import ``request.path``; raises :class:`UnusableFile` for a file that cannot be used.

    ``progress(total_records)`` may return a callback that is told how many
    records were written after each batch.
    """
    path = request.path
    if not path.is_file():
        msg = f"{path}: no such file"
        raise UnusableFile(msg)
    kind = detect_kind(path, request.format)
    digest = file_hash(path)
    if kind != "administrations":
        spec = next(s for s in TABLES if s.kind == kind)
        batch = read_table(path, spec)
        return import_table(
            engine,
            batch,
            file_name=str(path),
            content_hash=digest,
            imported_by=imported_by,
            known_clients_only=request.known_clients_only,
        )
    format = detect_format(path, request.format)
    batch = _read_administrations(path, format, request, catalog)
    step = progress(batch.records) if progress else None
    return import_administrations(
        engine,
        batch,
        file_name=str(path),
        content_hash=digest,
        imported_by=imported_by,
        catalog=catalog,
        source=format,
        known_clients_only=request.known_clients_only,
        progress=step,
    )


def _read_administrations(
    path: Path, format: str, request: ImportRequest, catalog: Catalog
) -> ImportBatch:
    if format == "csv":
        return read_administrations_file(path, catalog)
    if format == "fhir":
        from dashboard.importers.fhir import read_fhir

        return read_fhir([path, *request.supporting], catalog)
    if request.redcap_dictionary is None or request.redcap_mapping is None:
        msg = (
            f"{path.name} looks like a REDCap records export: give its data dictionary "
            "(--dictionary) and the field mapping (--mapping)"
        )
        raise UnusableFile(msg)
    from dashboard.importers.redcap import read_redcap

    return read_redcap(path, request.redcap_dictionary, request.redcap_mapping, catalog)


def _header(path: Path) -> list[str]:
    """The file's column names, lower-case (one-line reasons for unreadable files)."""
    try:
        return read_header(path)
    except FormatError as exc:
        raise UnusableFile(str(exc)) from None
