"""``iop import``: import CSV, REDCap and FHIR files, one transaction per file."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    from sqlalchemy import Engine

    from dashboard.imports import ImportResult
    from dashboard.store.importing import ImportSummary
    from measures import Catalog
    from measures.program import ProgramConfig

#: Files with more records than this get a progress bar.
PROGRESS_FROM = 2_000


def import_files(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="FILE...", help="Files to import (or --watch a folder)."),
    ] = None,
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
    watch: Annotated[
        Path | None,
        typer.Option(
            "--watch",
            metavar="DIR",
            help="Import each new file dropped into DIR (as an EHR feed does), then move it "
            "to DIR/imported/ or DIR/rejected/ with its summary beside it; runs until "
            "stopped (Ctrl+C).",
        ),
    ] = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="With --watch: import what is waiting, then stop (for a scheduled job).",
        ),
    ] = False,
    interval: Annotated[
        float,
        typer.Option("--interval", metavar="SECONDS", help="With --watch: how often to look."),
    ] = 10.0,
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

    With --watch DIR, each file that arrives in DIR is imported once it has stopped
    changing (names starting with a dot or ending in .partial, .part or .tmp are still
    being written), then moved to DIR/imported/ or DIR/rejected/ with NAME.summary.txt
    beside it. A file the database could not take (locked) stays and is tried again; a
    restart never imports a file twice (the store knows it by its content).
    """
    from dashboard.imports import ImportOptions
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
    if (watch is None) == (not files):
        fail("give FILE... to import, or --watch DIR (not both)", EXIT_USAGE)
    if watch is None and (once or interval != 10.0):
        fail("--once and --interval go with --watch DIR", EXIT_USAGE)
    if interval <= 0:
        fail("--interval must be a positive number of seconds", EXIT_USAGE)
    engine = open_database(db)
    catalog = load_program_catalog()
    program = load_program(catalog)
    run = _Run(engine, catalog, program, options)
    if watch is not None:
        raise typer.Exit(_watch(run, watch, once=once, interval=interval))
    result = run(files or [])
    for item in result.set_aside:
        message = printable(item.message)
        print(f"error: {message}" if item.problem else message, file=sys.stderr)
    for summary in result.summaries:
        _print_summary(summary)
    sys.stdout.flush()
    run.after(result)
    raise typer.Exit(_status(result))


class _Run:
    """One import of some files with the command's settings."""

    def __init__(self, engine: Engine, catalog: Catalog, program: ProgramConfig, options: Any):
        self.engine, self.catalog, self.program, self.options = engine, catalog, program, options

    def __call__(self, files: list[Path]) -> ImportResult:
        from dashboard.imports import import_files as run_import

        with _Progress() as progress:
            return run_import(
                self.engine,
                files,
                viewer=as_operator(),
                catalog=self.catalog,
                program=self.program,
                options=self.options,
                progress=progress,
            )

    def after(self, result: ImportResult) -> None:
        """The import has committed and said so: the program's ranges follow it, when it
        changed what they rest on (a page would otherwise compute them on its first view)."""
        from dashboard.imports import refresh_expected_ranges

        if result.accepted and refresh_expected_ranges(
            self.engine, catalog=self.catalog, program=self.program
        ):
            print("The program's expected ranges were updated.")


def _stop(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _watch(run: _Run, folder: Path, *, once: bool, interval: float) -> int:
    """Import what arrives in ``folder`` until stopped (or once); the exit status."""
    import time

    from dashboard.imports.watch import Folder, file_away

    if not folder.is_dir():
        fail(f"--watch {folder}: not a folder", EXIT_USAGE)
    signal.signal(signal.SIGTERM, _stop)  # a service manager's stop ends it as Ctrl+C does
    watched = Folder(folder)
    status = EXIT_OK
    print(f"Watching {folder} for files to import" + (" (once)" if once else ""), flush=True)
    try:
        while True:
            ready = watched.ready()
            if ready:
                result = run(ready)
                for filed in file_away(folder, ready, result):
                    where = f"-> {filed.outcome}/" if filed.moved_to else "(tried again later)"
                    print(f"{filed.name} {where}")
                    for line in filed.lines:
                        print(f"  {line}")
                sys.stdout.flush()
                run.after(result)
                status = max(status, _status(result))
            if once:
                return status
            time.sleep(interval)
    except KeyboardInterrupt:
        print("Stopped watching.")
        return EXIT_OK


def _status(result: ImportResult) -> int:
    """2 when a file could not be used, else 3 when rows were rejected, else 0."""
    if result.unusable:
        return EXIT_USAGE
    return EXIT_REJECTED if result.rejected else EXIT_OK


def _print_summary(summary: ImportSummary) -> None:
    from dashboard.imports.wording import summary_lines

    for line in summary_lines(summary):
        print(line)


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
