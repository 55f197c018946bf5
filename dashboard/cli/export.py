"""``iop export``: stored data out as files people can open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from dashboard.cli.common import (
    DbOption,
    as_operator,
    load_app_settings,
    load_program_catalog,
    open_database,
)

app = typer.Typer(help="Export stored data.", no_args_is_help=True)


@app.command("scores")
def scores(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE.csv|FILE.xlsx",
            help=(
                "Write here instead of to stdout; a name ending in .xlsx writes a spreadsheet "
                "(numbers and dates as typed cells, the header row frozen), any other a CSV."
            ),
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Every stored administration (current version) with its scores.

    The columns of `iop score`, plus the raw items and stored total (so the file
    imports again), source, source_id and import_id. The export is audited: when its
    audit row cannot be written (a read-only database), nothing is exported (exit 2).
    """
    from dashboard.admin.operator import ExportNotAudited, export_scores
    from dashboard.cli.output import EXIT_USAGE, fail, write_atomically, write_score_table
    from dashboard.reports.spreadsheet import TooManyRowsError, xlsx_bytes

    engine = open_database(db)
    catalog = load_program_catalog()
    try:
        table = export_scores(
            engine, as_operator(), catalog=catalog, destination=out.name if out else "stdout"
        )
    except ExportNotAudited as exc:
        fail(str(exc), EXIT_USAGE)
    if out is None or out.suffix.lower() != ".xlsx":
        write_score_table(table, out)
        return
    try:
        workbook = xlsx_bytes({"Scores": spreadsheet_scores(table)}, frozen_columns=1)
    except TooManyRowsError as exc:
        fail(str(exc), EXIT_USAGE)
    write_atomically(out, workbook)


@app.command("fhir")
def fhir(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE.json|FILE.ndjson",
            help=(
                "Write here: a name ending in .ndjson writes one resource a line (FHIR bulk "
                "data), any other a collection Bundle (JSON)."
            ),
        ),
    ],
    client: Annotated[
        list[str] | None,
        typer.Option(
            "--client",
            "-c",
            metavar="ID",
            help="Only this client (by client id); give it again for more. Default: all.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Stored administrations and their scores as FHIR R4, for an EHR or a FHIR server.

    Each administration is a QuestionnaireResponse (LOINC item codes as linkIds, LOINC
    answer codes with their ordinal value), its score a panel Observation whose member
    is the total (derived from the response, its severity band as interpretation), each
    client a Patient (the client id as its id and identifier, under the program's
    [fhir] patient_identifier_system where set). Each response names its instrument's
    Questionnaire (`iop export questionnaires`) by canonical URL, so the file imports
    again with `iop import`. The export is
    audited with the clients it covers; when its audit row cannot be written, nothing
    is exported (exit 2).
    """
    from dashboard.admin.operator import ExportNotAudited, export_scores
    from dashboard.cli.output import EXIT_USAGE, fail, write_atomically
    from dashboard.reports.fhir_out import fhir_resources, written_kinds

    engine = open_database(db)
    catalog = load_program_catalog()
    try:
        table = export_scores(
            engine,
            as_operator(),
            catalog=catalog,
            destination=out.name,
            clients=client or None,
            kind="fhir",
        )
    except ExportNotAudited as exc:
        fail(str(exc), EXIT_USAGE)
    if client:
        missing = sorted(set(client) - set(table["client_id"].to_list()))
        if missing:
            fail(f"no administrations stored for client(s) {', '.join(missing)}", EXIT_USAGE)
    system = load_app_settings().patient_identifier_system
    export = fhir_resources(table, catalog, identifier_system=system)
    ndjson = out.suffix.lower() == ".ndjson"
    write_atomically(out, export.ndjson() if ndjson else export.bundle())
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(written_kinds(export.resources).items()))
    typer.echo(
        f"{out}: {export.administrations} administrations of {len(export.clients)} clients "
        f"({kinds or 'no resources'})"
    )
    if export.left_out:
        left = ", ".join(f"{name} {n}" for name, n in sorted(export.left_out.items()))
        typer.echo(f"not written (no instrument of the catalog): {left}")
    if export.derived_patients:
        typer.echo(
            f"{export.derived_patients} client ids are no FHIR resource ids (they hold '_'): "
            "their Patients have derived ids, so import this file with "
            f"--patient-system {export.identifier_system} to name them by identifier"
        )
    if export.empty:
        typer.echo(
            f"not written: {export.empty} administrations without any answer or total "
            "(a response without an answer is no record)"
        )


@app.command("questionnaires")
def questionnaires(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Write Questionnaire-<id>.json here, one per instrument (made if missing).",
        ),
    ],
) -> None:
    """A FHIR R4 Questionnaire for every instrument of the program's catalog.

    Generated from the definitions: LOINC codes where they have them, each answer
    option a coding (the LOINC answer code where there is one) with its score as the
    ordinalValue extension, the copyright statement, and the published item wording
    only where the licence allows it (else a placeholder). Forms built from them with
    FHIR tools (LHC-Forms, SDC renderers) collect responses `iop import` takes back.
    No client data is read.
    """
    from dashboard.cli.output import EXIT_USAGE, fail, write_atomically
    from dashboard.importers.fhir.codes import questionnaire_id
    from dashboard.reports.fhir_questionnaire import questionnaire_json

    catalog = load_program_catalog()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot make the folder {out}: {exc.strerror}", EXIT_USAGE)
    for instrument in catalog:
        write_atomically(
            out / f"Questionnaire-{questionnaire_id(instrument)}.json",
            questionnaire_json(instrument),
        )
    typer.echo(f"{out}: {len(catalog)} Questionnaires")


def spreadsheet_scores(table: pl.DataFrame) -> pl.DataFrame:
    """The score table's columns for a worksheet: the CSV's, numbers kept as numbers and
    the administration dates as date cells (kept as written if any is not a plain date)."""
    table = table.drop("row", "rejected", "complete", strict=False)
    return table.with_columns(as_dates(table, "administered_on"))


def as_dates(table: pl.DataFrame, name: str) -> pl.Series:
    """Column ``name`` as dates when every value is an ISO date, else as it is."""
    column = table[name]
    if column.dtype != pl.String:
        return column
    dates = column.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return dates if dates.null_count() == column.null_count() else column
