"""Plan an import: each file's kind and format, in dependency order, and every file set aside."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dashboard.importers.fhir.support import holds_only_supporting
from dashboard.imports.kinds import FORMATS, KIND_ORDER, detect, is_fhir
from dashboard.store.batch import UnusableFile

#: Supporting files' names listed in one line at most; the rest are counted.
NAMES_SHOWN = 3


@dataclass(frozen=True)
class ImportOptions:
    """How the files of one import are read: the command line's options, the page's widgets.

    ``format`` (one of :data:`~dashboard.imports.kinds.FORMATS`) overrides
    detection for every file; ``redcap_dictionary`` and ``redcap_mapping`` are
    needed for a REDCap records export; ``known_clients_only`` rejects rows of
    client ids the database does not know instead of registering them;
    ``patient_identifier_system`` (the program's ``[fhir]`` setting, or the
    command line's ``--patient-system``) names a FHIR record's client by its
    Patient's identifier of that system (an MRN) rather than its resource id.
    """

    format: str | None = None
    known_clients_only: bool = False
    redcap_dictionary: Path | None = None
    redcap_mapping: Path | None = None
    patient_identifier_system: str | None = None

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            msg = f"unknown format '{self.format}': use one of {', '.join(FORMATS)}"
            raise ValueError(msg)


#: Every format detected, no REDCap files, unknown clients registered.
DEFAULT_OPTIONS = ImportOptions()


@dataclass(frozen=True)
class PlannedFile:
    """A file to import: what it holds, its format, and the FHIR files used to read it."""

    path: Path
    kind: str
    format: str
    supporting: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SetAside:
    """A file given that is not imported, and why: ``message`` is one line naming it.

    ``problem`` is False only for a supporting file used to read the others;
    ``retry`` is True when the file was not imported because of the database (locked,
    or refusing the write), not because of the file: trying it again may work.
    """

    path: Path
    message: str
    problem: bool = True
    retry: bool = False


def unusable_file(path: Path, reason: str) -> SetAside:
    """A file that cannot be used, its reason naming it (readers' reasons may not)."""
    return SetAside(path, reason if path.name in reason else f"{path.name}: {reason}")


@dataclass(frozen=True)
class ImportPlan:
    """The files to import, in dependency order, and every file given that is set aside."""

    files: tuple[PlannedFile, ...]
    set_aside: tuple[SetAside, ...]


def plan_imports(paths: Sequence[Path], *, options: ImportOptions = DEFAULT_OPTIONS) -> ImportPlan:
    """Decide what each of ``paths`` holds and the order they are imported in.

    Files are ordered clinicians, episodes, care levels, administrations,
    attendance (what others refer to first), keeping the given order within a
    kind. A FHIR file whose every resource is a Questionnaire, ValueSet or
    CodeSystem is a supporting file: it is read with each FHIR file to import,
    not imported itself. Returns the plan; every path is either planned or set
    aside with its reason (a supporting file too, saying what it was used for).
    """
    planned: list[PlannedFile] = []
    supporting: list[Path] = []
    unusable: list[SetAside] = []
    for path in paths:
        try:
            if _is_supporting(path, options):
                supporting.append(path)
            else:
                planned.append(_plan_file(path, options))
        except UnusableFile as exc:
            unusable.append(unusable_file(path, str(exc)))
    fhir = [p.path for p in planned if p.format == "fhir"]
    if fhir:
        planned = [
            replace(p, supporting=tuple(supporting)) if p.format == "fhir" else p for p in planned
        ]
    notes = [_supporting_note(path, fhir) for path in supporting]
    order = {path: n for n, path in reversed(list(enumerate(paths)))}
    return ImportPlan(
        files=tuple(sorted(planned, key=lambda p: KIND_ORDER.index(p.kind))),
        set_aside=tuple(sorted([*unusable, *notes], key=lambda s: order[s.path])),
    )


def _plan_file(path: Path, options: ImportOptions) -> PlannedFile:
    """What one file holds and how it is read (no supporting files).

    Raises :class:`UnusableFile` with a one-line reason for a missing file, one
    whose kind cannot be told, or a REDCap export given without its dictionary
    and mapping.
    """
    if not path.is_file():
        msg = f"{path}: no such file"
        raise UnusableFile(msg)
    kind, format = detect(path, options.format)
    if format == "redcap":
        redcap_files(path, options)
    return PlannedFile(path=path, kind=kind, format=format)


def redcap_files(path: Path, options: ImportOptions) -> tuple[Path, Path]:
    """The data dictionary and mapping a REDCap export is read with.

    Returns ``(dictionary, mapping)``; raises :class:`UnusableFile` when either
    was not given.
    """
    if options.redcap_dictionary is None or options.redcap_mapping is None:
        msg = (
            f"{path.name} looks like a REDCap records export: give its data dictionary "
            "(CSV) and its field mapping (TOML)"
        )
        raise UnusableFile(msg)
    return options.redcap_dictionary, options.redcap_mapping


def _is_supporting(path: Path, options: ImportOptions) -> bool:
    return path.is_file() and is_fhir(path, options.format) and holds_only_supporting(path)


def _supporting_note(path: Path, fhir: list[Path]) -> SetAside:
    if not fhir:
        message = "holds only Questionnaire/ValueSet/CodeSystem resources: nothing to import"
        return SetAside(path, f"{path.name}: {message}")
    names = ", ".join(p.name for p in fhir[:NAMES_SHOWN])
    more = f" and {len(fhir) - NAMES_SHOWN} more" if len(fhir) > NAMES_SHOWN else ""
    return SetAside(
        path, f"{path.name}: used to read the responses in {names}{more}", problem=False
    )
