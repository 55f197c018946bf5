"""Directors' figures leaving the app: each download audited (the figures, never a
client), and each refused one too."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from dashboard.auth.permissions import Action, NotPermitted, allowed
from dashboard.auth.viewer import Viewer
from dashboard.store.audit import record_event
from dashboard.store.engine import write


def audit_table_export(engine: sa.Engine, viewer: Viewer, *, period: str, grouping: str) -> None:
    """Record that ``viewer`` downloaded the overview of ``period`` by ``grouping`` (a
    viewer who may not see cohorts: recorded as refused, then :class:`NotPermitted`)."""
    _record(engine, viewer, "export-cohort-table", period, {"grouping": grouping})


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
    counted up to ``period``) as ``file_format`` (``xlsx`` or ``pdf``), ``size`` bytes
    (refused as :func:`audit_table_export` is)."""
    detail = {"format": file_format, "cohorts": cohorts, "bytes": size}
    _record(engine, viewer, "export-cohort-report", period, detail)


def refuse_unless_allowed(
    engine: sa.Engine, viewer: Viewer, *, action: str, period: str, detail: dict[str, Any]
) -> None:
    """Raise :class:`NotPermitted` after recording a refused ``action`` unless ``viewer``
    may see cohorts: every refused export leaves an audit row."""
    if allowed(viewer, Action.VIEW_COHORTS):
        return
    _audit(engine, viewer, action, period, detail, outcome="refused")
    msg = f"{viewer.role.value} accounts may not export directors' figures"
    raise NotPermitted(msg)


def _record(
    engine: sa.Engine, viewer: Viewer, action: str, period: str, detail: dict[str, Any]
) -> None:
    refuse_unless_allowed(engine, viewer, action=action, period=period, detail=detail)
    _audit(engine, viewer, action, period, detail, outcome="ok")


def _audit(
    engine: sa.Engine,
    viewer: Viewer,
    action: str,
    period: str,
    detail: dict[str, Any],
    *,
    outcome: str,
) -> None:
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username,
            action=action,
            resource_type="cohort",
            resource_id=period,
            outcome=outcome,
            detail=detail,
        )
