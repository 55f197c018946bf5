"""What a file holds and in which format: administrations (CSV, REDCap, FHIR) or a table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from dashboard.importers.csv_tables import TABLES, detect_table
from dashboard.store.batch import TableSpec, UnusableFile
from measures import FormatError
from measures.parsing import read_header

#: The formats administrations come in.
ADMINISTRATION_FORMATS = ("csv", "redcap", "fhir")
#: What ``--format`` (and the upload page's format) may name.
FORMATS = (*ADMINISTRATION_FORMATS, *(spec.kind for spec in TABLES))
#: The order files are imported in: what others refer to first.
KIND_ORDER = (
    "clinicians",
    "episodes",
    "client_attributes",
    "care_levels",
    "administrations",
    "attendance",
)
#: File name endings read as FHIR JSON or ndjson.
FHIR_SUFFIXES = (".json", ".ndjson")


def detect(path: Path, format: str | None = None) -> tuple[str, str]:
    """What ``path`` holds and how it is read.

    Returns ``(kind, format)``: kind is ``administrations`` or a table kind
    (clinicians, episodes, care_levels, attendance, client_attributes), format is ``csv``,
    ``redcap`` or ``fhir`` (always ``csv`` for a table). ``format`` (the
    caller's) wins over what the file looks like. Raises :class:`UnusableFile`
    with a one-line reason when the file cannot be told.
    """
    if format in ADMINISTRATION_FORMATS:
        return "administrations", format
    if format:
        return format, "csv"
    if is_fhir(path):
        return "administrations", "fhir"
    header = _header(path)
    if "measure" in header and "administered_on" in header:
        return "administrations", "csv"
    if is_redcap_export(header):
        return "administrations", "redcap"
    spec = detect_table(header)
    if spec is None:
        msg = (
            f"{path.name}: cannot tell what this file holds (columns: {', '.join(header[:8])}); "
            f"give its format, one of {', '.join(FORMATS)}"
        )
        raise UnusableFile(msg)
    return spec.kind, "csv"


def is_fhir(path: Path, format: str | None = None) -> bool:
    """Whether ``path`` is read as FHIR: by the format given, else by its name's ending."""
    return format == "fhir" or (format is None and path.suffix.lower() in FHIR_SUFFIXES)


def is_redcap_export(header: Sequence[str]) -> bool:
    """Whether CSV columns (lower-case) are a REDCap records export's: an event column
    or a form's ``*_complete`` status, and not the columns of an administrations CSV."""
    if "measure" in header and "administered_on" in header:
        return False
    return "redcap_event_name" in header or any(c.endswith("_complete") for c in header)


def looks_like_redcap(name: str, head: bytes) -> bool:
    """Whether a file, from its name and first bytes, is a REDCap records export.

    For a page that has the uploaded bytes but no file yet; False for anything
    that is not UTF-8 CSV.
    """
    if Path(name).suffix.lower() in FHIR_SUFFIXES:
        return False
    try:
        line = head.split(b"\n", 1)[0].decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    header = next(csv.reader(io.StringIO(line)), [])
    return is_redcap_export([c.strip().lower() for c in header])


def table_spec(kind: str) -> TableSpec:
    """The table a kind names (clinicians, episodes, care_levels, attendance,
    client_attributes)."""
    return next(spec for spec in TABLES if spec.kind == kind)


def _header(path: Path) -> list[str]:
    """The file's column names, lower-case (one-line reasons for unreadable files)."""
    try:
        return read_header(path)
    except FormatError as exc:
        raise UnusableFile(str(exc)) from None
