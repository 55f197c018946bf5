"""What only the operator does: migrate the schema, export the whole program's scores."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.store import schema
from dashboard.store.audit import record_event
from dashboard.store.engine import read, write
from dashboard.store.exports import scores_table
from measures import Catalog


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
    engine: sa.Engine, viewer: Viewer, *, catalog: Catalog, destination: str
) -> pl.DataFrame:
    """Every stored administration with its scores, all clients (audited with ``destination``).

    For the operator only: no account reads the whole program's records.
    """
    require(viewer, Action.EXPORT_SCORES)
    with read(engine) as connection:
        table = scores_table(connection, catalog)
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username,
            action="export",
            resource_type="scores",
            detail={"rows": table.height, "file": destination},
        )
    return table
