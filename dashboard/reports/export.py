"""Reports leaving the system, checked and audited with each client they concern: a
client's progress report and FHIR record, the weekly review packet and the agenda
spreadsheet; and the directors' cohort report (figures, never a client)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from dashboard import access
from dashboard.auth.permissions import Action, NotPermitted, require
from dashboard.auth.viewer import Viewer
from dashboard.cohorts.exports import audit_report_export, refuse_unless_allowed
from dashboard.reports.client_report import client_report_pdf
from dashboard.reports.cohort_report import CohortReport, cohort_report_pdf, cohort_report_xlsx
from dashboard.reports.fhir_out import fhir_resources
from dashboard.review.record import load_client_record, with_assessments
from dashboard.review.reference import Reference
from dashboard.store.audit import record_event
from dashboard.store.engine import read, write
from dashboard.store.exports import administered_on
from measures import Catalog
from measures.program import ProgramConfig


def export_client_report(
    engine: sa.Engine,
    viewer: Viewer,
    client_id: str,
    *,
    catalog: Catalog,
    program: ProgramConfig,
    reference: Reference,
    as_of: dt.date,
    charts: bool = True,
    requested_by: str | None = None,
    browser_path: str | Path | None = None,
) -> bytes:
    """The client's progress report as PDF bytes, read with ``viewer``'s access.

    Needs ``EXPORT_CLIENT`` and a client the viewer may read; every attempt is
    audited as ``export-report`` with the client's id (``refused`` when the
    viewer may not, then :class:`NotPermitted` is raised). ``requested_by`` names
    who asked when that is not the viewer (the command line's operator running
    ``iop report --as``).
    """
    detail: dict[str, object] = {"charts": charts}
    if requested_by is not None:
        detail["requested_by"] = requested_by
    try:
        require(viewer, Action.EXPORT_CLIENT)
        with read(engine) as connection:
            record = load_client_record(connection, viewer, client_id, catalog=catalog, as_of=as_of)
    except NotPermitted:
        _audit(engine, viewer, client_id, outcome="refused", detail=detail)
        raise
    assessed = with_assessments(record, catalog=catalog, program=program, reference=reference)
    by = generated_by(viewer, requested_by)
    pdf = client_report_pdf(
        assessed, catalog=catalog, generated_by=by, charts=charts, browser_path=browser_path
    )
    _audit(engine, viewer, client_id, outcome="ok", detail=detail | {"bytes": len(pdf)})
    return pdf


def export_client_fhir(
    engine: sa.Engine,
    viewer: Viewer,
    client_id: str,
    *,
    catalog: Catalog,
    identifier_system: str | None = None,
) -> bytes:
    """The client's administrations and scores as a FHIR R4 Bundle, read with ``viewer``'s
    access (as ``iop export fhir`` writes them, see :mod:`.fhir_out`).

    Needs ``EXPORT_CLIENT`` and a client the viewer may read (the same answer whether
    the id exists or not); every attempt is audited as ``export-fhir`` with the
    client's id (``refused``, then :class:`NotPermitted` raised).
    """
    try:
        require(viewer, Action.EXPORT_CLIENT)
        with read(engine) as connection:
            client_pk = access.client_pk_of(connection, viewer, client_id)
            if client_pk is None:
                msg = "no client with this id in your caseload"
                raise NotPermitted(msg)
            table = access.scored_administrations(
                connection, viewer, catalog, client_pks=[client_pk]
            )
    except NotPermitted:
        _audit(engine, viewer, client_id, outcome="refused", detail={}, action="export-fhir")
        raise
    export = fhir_resources(
        table.with_columns(administered_on()), catalog, identifier_system=identifier_system
    )
    bundle = export.bundle()
    detail: dict[str, object] = {"administrations": export.administrations, "bytes": len(bundle)}
    _audit(engine, viewer, client_id, outcome="ok", detail=detail, action="export-fhir")
    return bundle


def generated_by(viewer: Viewer, requested_by: str | None = None) -> str:
    """Who made a report, as its footer says it: the person, not an account's username.

    Examples
    --------
    >>> from dashboard.auth.viewer import Role
    >>> lee = Viewer(user_id=3, username="alee", role=Role.CLINICIAN, display_name="Dr. Ana Lee")
    >>> generated_by(lee)
    'Dr. Ana Lee'
    >>> generated_by(lee, "cli:root")
    'Dr. Ana Lee (command line, root)'
    """
    if requested_by is None:
        return viewer.display_name
    who = requested_by.removeprefix("cli:")
    return f"{viewer.display_name} (command line, {who})"


def _audit(
    engine: sa.Engine,
    viewer: Viewer,
    client_id: str,
    *,
    outcome: str,
    detail: dict[str, object],
    action: str = "export-report",
) -> None:
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username,
            action=action,
            resource_type="client",
            resource_id=client_id,
            outcome=outcome,
            detail=detail,
        )


def audit_review_packet(
    engine: sa.Engine, viewer: Viewer, client_ids: Sequence[str], *, week_of: dt.date
) -> None:
    """Audit a weekly review packet leaving the system (downloaded): as
    ``export-review-packet`` once for each client it lists, so that a client's audit
    trail shows every packet they were in. Ids and counts only.

    Needs ``EXPORT_CLIENT`` (refused, then :class:`NotPermitted`, audited once).
    """
    _audit_review_export(engine, viewer, client_ids, week_of=week_of, action="export-review-packet")


def audit_review_agenda(
    engine: sa.Engine, viewer: Viewer, client_ids: Sequence[str], *, week_of: dt.date
) -> None:
    """Audit the weekly review agenda leaving as a spreadsheet: ``export-review-agenda``
    once for each client it lists (as :func:`audit_review_packet`)."""
    _audit_review_export(engine, viewer, client_ids, week_of=week_of, action="export-review-agenda")


def _audit_review_export(
    engine: sa.Engine,
    viewer: Viewer,
    client_ids: Sequence[str],
    *,
    week_of: dt.date,
    action: str,
) -> None:
    clients = list(dict.fromkeys(str(c) for c in client_ids))
    detail = {"week_of": week_of.isoformat(), "clients": len(clients)}
    with write(engine, changes=False) as connection:
        try:
            require(viewer, Action.EXPORT_CLIENT)
        except NotPermitted:
            record_event(
                connection,
                actor=viewer.username,
                action=action,
                outcome="refused",
                detail=detail,
            )
            refused = True
        else:
            refused = False
            for client in clients:
                record_event(
                    connection,
                    actor=viewer.username,
                    action=action,
                    resource_type="client",
                    resource_id=client,
                    detail=detail,
                )
    if refused:
        msg = "this account may not export client records"
        raise NotPermitted(msg)


def audit_quarantine_export(engine: sa.Engine, viewer: Viewer, import_id: int, rows: int) -> None:
    """Audit the rejected rows of import ``import_id`` leaving as a file
    (``export-quarantine``: the import and the row count, no row's content).

    Needs ``MANAGE_IMPORTS`` (else :class:`NotPermitted`, audited as refused).
    """
    detail = {"rows": rows}
    with write(engine, changes=False) as connection:
        try:
            require(viewer, Action.MANAGE_IMPORTS)
        except NotPermitted:
            outcome = "refused"
        else:
            outcome = "ok"
        record_event(
            connection,
            actor=viewer.username,
            action="export-quarantine",
            resource_type="import",
            resource_id=str(import_id),
            outcome=outcome,
            detail=detail,
        )
    if outcome == "refused":
        msg = "this account may not export the rejected rows of imports"
        raise NotPermitted(msg)


def export_cohort_report(
    engine: sa.Engine,
    viewer: Viewer,
    report: CohortReport,
    *,
    file_format: str,
    program: str | None = None,
    charts: bool = True,
    browser_path: str | Path | None = None,
) -> bytes:
    """The report as ``file_format`` (``xlsx`` or ``pdf``) bytes for ``viewer`` (who may
    see cohorts), audited as ``export-cohort-report`` with the format, the cohorts' names
    and the size: one audit row per download (a viewer who may not see cohorts: one row
    ``refused``, then :class:`NotPermitted`)."""
    refuse_unless_allowed(
        engine,
        viewer,
        action="export-cohort-report",
        period=report.until.isoformat(),
        detail={"format": file_format, "cohorts": report.names},
    )
    if file_format == "xlsx":
        data = cohort_report_xlsx(report)
    elif file_format == "pdf":
        data = cohort_report_pdf(
            report,
            generated_by=generated_by(viewer),
            program=program,
            charts=charts,
            browser_path=browser_path,
        )
    else:
        msg = f"format {file_format!r} is not xlsx or pdf"
        raise ValueError(msg)
    audit_report_export(
        engine,
        viewer,
        period=report.until.isoformat(),
        cohorts=report.names,
        file_format=file_format,
        size=len(data),
    )
    return data
