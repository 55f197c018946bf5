"""Cohorts saved by name and shared among a program's directors."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.cohorts.definition import Cohort
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.engine import read, write
from dashboard.store.table_text import column_length

_S = t.saved_cohorts.c


def save_cohort(engine: sa.Engine, viewer: Viewer, cohort: Cohort) -> None:
    """Save ``cohort`` under its name, replacing a saved cohort of that name; audited.

    A definition holds no client data, so every director sees every saved cohort; the
    figures drawn from it are read under each director's own scope.
    """
    require(viewer, Action.SAVE_COHORTS)
    name = cohort.name.strip()
    longest = column_length(_S.name)
    if len(name) > longest:
        msg = f"a cohort's name has at most {longest} characters"
        raise ValueError(msg)
    cohort = dataclasses.replace(cohort, name=name)
    with write(engine, changes=False) as connection:
        found = connection.execute(sa.select(_S.id).where(_S.name == name)).scalar()
        values = {"definition": cohort.to_json(), "saved_by": viewer.username}
        if found is None:
            connection.execute(t.saved_cohorts.insert().values(name=name, **values))
        else:
            connection.execute(
                t.saved_cohorts.update()
                .where(_S.id == found)
                .values(saved_at=sa.func.current_timestamp(), **values)
            )
        record_event(
            connection,
            actor=viewer.username,
            action="save-cohort",
            resource_type="cohort",
            resource_id=name,
            detail={"replaced": found is not None},
        )


def delete_cohort(engine: sa.Engine, viewer: Viewer, name: str) -> bool:
    """Delete the saved cohort ``name``; whether there was one. Audited."""
    require(viewer, Action.SAVE_COHORTS)
    with write(engine, changes=False) as connection:
        deleted = connection.execute(t.saved_cohorts.delete().where(_S.name == name)).rowcount
        record_event(
            connection,
            actor=viewer.username,
            action="delete-cohort",
            resource_type="cohort",
            resource_id=name,
            outcome="ok" if deleted else "not-found",
        )
    return bool(deleted)


def saved_cohorts(engine: sa.Engine, viewer: Viewer) -> tuple[list[Cohort], list[str]]:
    """Every saved cohort, by name, and a line for each that can no longer be read
    (e.g. a category this version does not know), so none vanishes unsaid."""
    require(viewer, Action.VIEW_COHORTS)
    with read(engine) as connection:
        rows = connection.execute(sa.select(_S.name, _S.definition).order_by(_S.name)).all()
    cohorts, problems = [], []
    for name, definition in rows:
        try:
            cohorts.append(Cohort.from_json(definition))
        except ValueError as exc:
            problems.append(f"The saved cohort '{name}' cannot be read: {exc}")
    return cohorts, problems
