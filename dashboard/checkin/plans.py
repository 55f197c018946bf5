"""The relapse-prevention plan: every save is a new version; nothing is overwritten."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from dashboard.auth.permissions import Action, NotPermitted, client_scope, require
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.changes import touched
from dashboard.store.engine import read, write

#: A plan needs at least this many go-to actions for a hard moment (issue 5).
MIN_ACTIONS = 3


@dataclass(frozen=True)
class Contact:
    """Someone to reach out to: who, and how to reach them."""

    name: str
    how: str


@dataclass(frozen=True)
class Plan:
    """A relapse-prevention plan, in the client's words."""

    triggers: tuple[str, ...] = ()
    warning_signs: tuple[str, ...] = ()
    weekly_goals: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = field(default_factory=tuple)

    def problems(self) -> list[str]:
        """What keeps this plan from being saved, in plain words."""
        problems = []
        if len([a for a in self.actions if a.strip()]) < MIN_ACTIONS:
            problems.append(f"Write at least {MIN_ACTIONS} things you can do in a hard moment.")
        return problems

    def to_json(self) -> str:
        """The plan as stored."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """A stored plan."""
        data: dict[str, Any] = json.loads(text)
        return cls(
            triggers=tuple(data.get("triggers", ())),
            warning_signs=tuple(data.get("warning_signs", ())),
            weekly_goals=tuple(data.get("weekly_goals", ())),
            actions=tuple(data.get("actions", ())),
            contacts=tuple(Contact(**c) for c in data.get("contacts", ())),
        )


@dataclass(frozen=True)
class PlanVersion:
    """One saved version of a plan: who saved it, when, and why."""

    version: int
    plan: Plan
    saved_by: str
    saved_by_role: str
    saved_at: Any
    note: str | None


def _client_pk(connection: sa.Connection, viewer: Viewer, client_code: str) -> int:
    require(viewer, Action.EDIT_PLAN)
    found = connection.execute(
        sa.select(t.clients.c.id).where(t.clients.c.code == client_code, client_scope(viewer))
    ).scalar()
    if found is None:
        msg = "no client with this id in your caseload"
        raise NotPermitted(msg)
    return int(found)


def save_plan(
    engine: sa.Engine, viewer: Viewer, client_code: str, plan: Plan, *, note: str = ""
) -> int:
    """Save ``plan`` as the client's newest version; returns the version number.

    The client and the clinicians of their site may save; every save is kept.
    """
    problems = plan.problems()
    if problems:
        raise ValueError(" ".join(problems))
    with write(engine) as connection:
        client_pk = _client_pk(connection, viewer, client_code)
        touched(connection, [client_pk])
        p = t.relapse_plans.c
        latest = connection.execute(
            sa.select(sa.func.max(p.version)).where(p.client_id == client_pk)
        ).scalar()
        version = int(latest or 0) + 1
        connection.execute(
            t.relapse_plans.insert().values(
                client_id=client_pk,
                version=version,
                content=plan.to_json(),
                note=note.strip() or None,
                saved_by=viewer.username,
                saved_by_role=viewer.role.value,
            )
        )
        record_event(
            connection,
            actor=viewer.username,
            action="save-plan",
            resource_type="client",
            resource_id=client_code,
            detail={"version": version},
        )
    return version


def plan_history(engine: sa.Engine, viewer: Viewer, client_code: str) -> list[PlanVersion]:
    """Every version of the client's plan, newest first."""
    with read(engine) as connection:
        client_pk = _client_pk(connection, viewer, client_code)
        p = t.relapse_plans.c
        rows = connection.execute(
            sa.select(p.version, p.content, p.saved_by, p.saved_by_role, p.saved_at, p.note)
            .where(p.client_id == client_pk)
            .order_by(p.version.desc())
        ).all()
    return [
        PlanVersion(
            r.version, Plan.from_json(r.content), r.saved_by, r.saved_by_role, r.saved_at, r.note
        )
        for r in rows
    ]
