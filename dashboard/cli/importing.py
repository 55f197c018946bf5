"""``iop import``: import CSV, REDCap and FHIR files, one transaction per file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dashboard.cli.common import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    DbOption,
    load_program_catalog,
    open_database,
    operator,
)
from measures.formatting import counted

#: Files with more records than this get a progress bar.
PROGRESS_FROM = 2_000


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
    db: DbOption = None,
) -> None:
    """Import FILE... into the database: every row accepted, duplicate or rejected.

    Each file is written in one transaction (all its good rows or none). Rejected
    rows are kept in a quarantine with their reasons. Files are taken in the order
    clinicians, episodes, care levels, administrations, attendance. FHIR
    Questionnaire, ValueSet and CodeSystem files given alongside are used to read
    the responses. Exit 0 when every row was accepted (or already there), 3 when
    some rows were rejected, 2 when a file could not be used at all.
    """
    from dashboard.importers.run import KIND_ORDER, ImportRequest, detect_kind, import_file
    from dashboard.store.batch import UnusableFile
    from dashboard.store.engine import DatabaseLocked

    engine = open_database(db)
    catalog = load_program_catalog()
    requests, status, changed = [], EXIT_OK, False
    supporting = tuple(p for p in files if _is_fhir_support(p))
    for path in files:
        if path in supporting:
            continue
        try:
            kind = detect_kind(path, format)
        except UnusableFile as exc:
            _error(str(exc))
            status = EXIT_USAGE
            continue
        requests.append(
            (
                KIND_ORDER.index(kind),
                ImportRequest(
                    path=path,
                    format=format,
                    known_clients_only=known_clients_only,
                    redcap_dictionary=dictionary,
                    redcap_mapping=mapping,
                    supporting=supporting,
                ),
            )
        )
    for _, request in sorted(requests, key=lambda pair: pair[0]):
        try:
            with _Progress() as progress:
                summary = import_file(
                    engine, request, catalog=catalog, imported_by=operator(), progress=progress
                )
        except UnusableFile as exc:
            _error(str(exc))
            status = EXIT_USAGE
            continue
        except DatabaseLocked as exc:
            _error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        _print_summary(summary)
        changed = changed or summary.accepted > 0
        if summary.rejected and status == EXIT_OK:
            status = EXIT_REJECTED
    if changed:
        _refresh_reference(engine, catalog)
    raise typer.Exit(status)


def _refresh_reference(engine: object, catalog: object) -> None:
    """Store the program's expected ranges now, so the next page view need not."""
    from dashboard.config import Settings
    from dashboard.program_settings import APP_SECTIONS
    from dashboard.review.reference import current_reference
    from measures.program import ProgramConfig

    program = ProgramConfig.from_toml(
        Settings.from_env().program_config, catalog=catalog, other_sections=APP_SECTIONS
    )
    current_reference(engine, catalog, program.expected_response)


def _is_fhir_support(path: Path) -> bool:
    from dashboard.importers.fhir.support import SUPPORTING

    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(4000)
    return any(
        f'"resourceType": "{kind}"' in head or f'"resourceType":"{kind}"' in head
        for kind in SUPPORTING
    )


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _print_summary(summary: object) -> None:
    from dashboard.store.importing import ImportSummary

    assert isinstance(summary, ImportSummary)
    name = Path(summary.file_name).name
    if summary.already_imported is not None:
        print(
            f"{name}: already imported (import #{summary.already_imported}); nothing changed: "
            f"{counted(summary.records, 'row')} read = {summary.duplicates:,} duplicates"
        )
        return
    extra = []
    if summary.new_versions:
        extra.append(f"{summary.new_versions:,} as new versions of earlier submissions")
    if summary.outside_episode:
        extra.append(f"{summary.outside_episode:,} dated outside every episode (kept, marked)")
    print(
        f"{name} ({summary.format}, import #{summary.import_id}): "
        f"{counted(summary.records, 'row')} read = "
        f"{summary.accepted:,} accepted + {summary.duplicates:,} duplicates + "
        f"{summary.rejected:,} rejected" + (f"; {'; '.join(extra)}" if extra else "")
    )
    if summary.new_clients:
        shown = ", ".join(summary.new_clients[:20])
        more = f" and {len(summary.new_clients) - 20} more" if len(summary.new_clients) > 20 else ""
        print(
            f"  new client ids registered ({len(summary.new_clients)}): {shown}{more} "
            "(check for typos; --known-clients-only rejects them instead)"
        )
    for row in summary.warnings.head(10).iter_rows(named=True):
        print(f"  row {row['row']} (accepted): {'; '.join(row['problems'])}")
    if summary.warnings.height > 10:
        print(f"  ... {summary.warnings.height - 10:,} more accepted rows with problems")
    for row in summary.rejections.head(10).iter_rows(named=True):
        print(f"  row {row['row']}: {'; '.join(row['reasons'])}")
    if summary.rejected > 10:
        print(f"  ... {summary.rejected - 10:,} more rejected rows: see the import's quarantine")


class _Progress:
    """A rich progress bar for files with more than a few thousand records."""

    def __enter__(self) -> _Progress:
        self.bar = None
        return self

    def __call__(self, total: int) -> object:
        if total < PROGRESS_FROM or (not sys.stderr.isatty() and not _forced()):
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=False)
        self.bar.start()
        task = self.bar.add_task("writing", total=total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _forced() -> bool:
    import os

    return os.environ.get("IOP_PROGRESS") == "1"
