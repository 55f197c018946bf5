"""Directors' figures leaving the app: each download audited (the figures, never a client)."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.store.audit import record_event
from dashboard.store.engine import write


def audit_table_export(engine: sa.Engine, viewer: Viewer, *, period: str, grouping: str) -> None:
    """Record that ``viewer`` downloaded the overview of ``period`` by ``grouping``."""
    require(viewer, Action.VIEW_COHORTS)
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username,
            action="export-cohort-table",
            resource_type="cohort",
            resource_id=period,
            detail={"grouping": grouping},
        )


def audit_report_export(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    period: str,
    cohorts: list[str],
    file_format: str,
    size: int,
) -> None:
    """Record that ``viewer`` downloaded the cohort report of ``cohorts`` (their names,
    counted up to ``period``) as ``file_format`` (``xlsx`` or ``pdf``), ``size`` bytes."""
    require(viewer, Action.VIEW_COHORTS)
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username,
            action="export-cohort-report",
            resource_type="cohort",
            resource_id=period,
            detail={"format": file_format, "cohorts": cohorts, "bytes": size},
        )
