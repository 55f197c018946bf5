"""``iop import``: import CSV, REDCap and FHIR files, one transaction per file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dashboard.cli.common import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    DbOption,
    as_operator,
    load_app_settings,
    load_program,
    load_program_catalog,
    open_database,
)
from dashboard.cli.output import fail

if TYPE_CHECKING:  # the import stack is loaded by the command, not by `iop --help`
    from rich.progress import Progress

    from dashboard.imports import ImportResult
    from dashboard.store.importing import ImportSummary

#: Files with more records than this get a progress bar.
PROGRESS_FROM = 2_000
#: Accepted rows with problems, and rejected rows, listed under a file's summary.
ROWS_SHOWN = 10


def import_files(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Files to import.")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv | redcap | fhir | clinicians | episodes | "
            "care_levels | attendance (default: detected).",
        ),
    ] = None,
    known_clients_only: Annotated[
        bool,
        typer.Option(
            "--known-clients-only",
            help="Reject rows of client ids the database does not know, instead of "
            "registering them.",
        ),
    ] = False,
    dictionary: Annotated[
        Path | None, typer.Option("--dictionary", help="REDCap data dictionary (CSV).")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="REDCap field mapping (TOML).")
    ] = None,
    patient_system: Annotated[
        str | None,
        typer.Option(
            "--patient-system",
            metavar="URI",
            help="FHIR: name each client by its Patient's identifier of this system (the "
            "EHR's MRN system, e.g. urn:oid:...) instead of the Patient's resource id "
            "(default: the program file's [fhir] patient_identifier_system).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import FILE... into the database: every row accepted, duplicate or rejected.

    Each file is written in one transaction (all its good rows or none). Rejected
    rows are kept in a quarantine with their reasons. Files are taken in the order
    clinicians, episodes, care levels, administrations, attendance. FHIR
    Questionnaire, ValueSet and CodeSystem files given alongside are used to read
    the responses (given alone, they hold nothing to import); under each FHIR
    file's summary, what recognised its measures is counted by kind. Every file
    set aside is named on stderr with why. Exit 0 when every row was accepted (or
    already there), 3 when some rows were rejected, 2 when a file could not be
    used at all or held nothing to import.
    """
    from dashboard.imports import ImportOptions, refresh_expected_ranges
    from dashboard.imports import import_files as run_import
    from measures.printable import printable

    if patient_system is not None and (":" not in patient_system or " " in patient_system):
        fail(
            f"--patient-system '{patient_system}' is not an identifier system's URI "
            "(such as urn:oid:2.16.840.1.113883.19.5 or https://hospital.example/mrn)",
            EXIT_USAGE,
        )
    try:
        options = ImportOptions(
            format=format,
            known_clients_only=known_clients_only,
            redcap_dictionary=dictionary,
            redcap_mapping=mapping,
            patient_identifier_system=patient_system
            or load_app_settings().patient_identifier_system,
        )
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    engine = open_database(db)
    catalog = load_program_catalog()
    program = load_program(catalog)
    with _Progress() as progress:
        result = run_import(
            engine,
            files,
            viewer=as_operator(),
            catalog=catalog,
            program=program,
            options=options,
            progress=progress,
        )
    for item in result.set_aside:
        message = printable(item.message)
        print(f"error: {message}" if item.problem else message, file=sys.stderr)
    for summary in result.summaries:
        _print_summary(summary)
    sys.stdout.flush()
    # the import has committed and said so: the program's ranges follow it, when it
    # changed what they rest on (a page would otherwise compute them on its first view)
    if result.accepted and refresh_expected_ranges(engine, catalog=catalog, program=program):
        print("The program's expected ranges were updated.")
    raise typer.Exit(_status(result))


def _status(result: ImportResult) -> int:
    """2 when a file could not be used, else 3 when rows were rejected, else 0."""
    if result.unusable:
        return EXIT_USAGE
    return EXIT_REJECTED if result.rejected else EXIT_OK


def _print_summary(summary: ImportSummary) -> None:
    from dashboard.imports import headline, recognition
    from measures.printable import printable

    print(printable(headline(summary)))
    if summary.already_imported is not None:
        return
    told = recognition(summary)
    if told:
        print(f"  {told}")
    if summary.new_clients:
        shown = printable(", ".join(summary.new_clients[:20]))
        more = f" and {len(summary.new_clients) - 20} more" if len(summary.new_clients) > 20 else ""
        print(
            f"  new client ids registered ({len(summary.new_clients)}): {shown}{more} "
            "(check for typos; --known-clients-only rejects them instead)"
        )
    for row in summary.warnings.head(ROWS_SHOWN).iter_rows(named=True):
        print(f"  row {row['row']} (accepted): {printable('; '.join(row['problems']))}")
    if summary.warnings.height > ROWS_SHOWN:
        print(f"  ... {summary.warnings.height - ROWS_SHOWN:,} more accepted rows with problems")
    for row in summary.rejections.head(ROWS_SHOWN).iter_rows(named=True):
        print(f"  row {row['row']}: {printable('; '.join(row['reasons']))}")
    if summary.rejected > ROWS_SHOWN:
        print(
            f"  ... {summary.rejected - ROWS_SHOWN:,} more rejected rows: see the import's "
            "quarantine"
        )


class _Progress:
    """A rich progress bar for each file with more than a few thousand records."""

    def __enter__(self) -> _Progress:
        self.bar: Progress | None = None
        return self

    def __call__(self, total: int) -> Callable[[int], None] | None:
        self._stop()
        if total < PROGRESS_FROM or (not sys.stderr.isatty() and not _forced()):
            return None
        from rich.progress import Progress

        bar = Progress(transient=False)
        bar.start()
        task = bar.add_task("writing", total=total)
        self.bar = bar
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _forced() -> bool:
    import os

    return os.environ.get("IOP_PROGRESS") == "1"
