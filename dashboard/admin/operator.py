"""What only the operator does: migrate the schema, export the whole program's scores."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.store import schema, tables
from dashboard.store.audit import record_event
from dashboard.store.engine import read, write
from dashboard.store.exports import scores_table
from dashboard.store.faults import database_fault
from measures import Catalog


class ExportNotAudited(RuntimeError):  # noqa: N818 - reads better at the call site
    """An export refused because its audit row could not be written."""


def upgrade_schema(engine: sa.Engine, viewer: Viewer) -> tuple[str | None, str]:
    """Migrate the database to the newest schema; returns (from, to). A migration is audited."""
    require(viewer, Action.UPGRADE_SCHEMA)
    before, after = schema.upgrade(engine)
    if before != after:
        with write(engine, changes=False) as connection:
            record_event(
                connection,
                actor=viewer.username,
                action="upgrade-schema",
                resource_type="schema",
                resource_id=after,
                detail={"from": before or "empty"},
            )
    return before, after


def export_scores(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    catalog: Catalog,
    destination: str,
    clients: Sequence[str] | None = None,
    kind: str = "scores",
) -> pl.DataFrame:
    """Every stored administration with its scores, all clients (audited with ``destination``).

    For the operator only: no account reads the whole program's records. ``clients``
    (client codes) narrows it to those clients; the audit row names them, the rows and
    the clients found, and ``kind`` (what the file is: ``scores``, ``fhir``).
    Raises :class:`ExportNotAudited` when the audit row cannot be written (a read-only
    or full database, a lock held too long): no export leaves unaudited.
    """
    require(viewer, Action.EXPORT_SCORES)
    where = None if clients is None else tables.clients.c.code.in_(sorted(set(clients)))
    with read(engine) as connection:
        table = scores_table(connection, catalog, where=where)
    detail: dict[str, object] = {"rows": table.height, "file": destination}
    if clients is not None:
        detail["clients_asked"] = sorted(set(clients))
        detail["clients"] = table["client_id"].n_unique() if table.height else 0
    try:
        with write(engine, changes=False) as connection:
            record_event(
                connection,
                actor=viewer.username,
                action="export",
                resource_type=kind,
                detail=detail,
            )
    except Exception as exc:
        fault = database_fault(exc)
        if fault is None:
            raise
        msg = (
            "nothing was exported: no export leaves without its audit row, and it could not "
            f"be written: {fault.message}"
        )
        raise ExportNotAudited(msg) from None
    return table
