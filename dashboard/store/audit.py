"""The audit log: who did what to which record, and when (never names or scores)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from dashboard.store import tables as t


def record_event(
    connection: sa.Connection,
    *,
    actor: str,
    action: str,
    resource_type: str | None = None,
    resource_id: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction.

    ``detail`` holds counts and ids only: the audit log, like the application
    log, never carries client names, scores or passwords.
    """
    connection.execute(
        t.audit_log.insert().values(
            actor=actor,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=outcome,
            detail=json.dumps(detail, sort_keys=True) if detail else None,
        )
    )
