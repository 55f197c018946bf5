"""Explicit viewer-action-resource decisions, and the SQL scope of each viewer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from dashboard.auth.viewer import Role, Viewer
from dashboard.store import tables as t


class Action(StrEnum):
    """Things a viewer may try to do."""

    VIEW_CLIENT = "view-client"
    RECORD_DECISION = "record-decision"
    RECORD_FOLLOW_UP = "record-follow-up"
    EXPORT_CLIENT = "export-client"
    VIEW_CASELOAD = "view-caseload"
    VIEW_COHORTS = "view-cohorts"
    SAVE_COHORTS = "save-cohorts"
    MANAGE_USERS = "manage-users"
    MANAGE_IMPORTS = "manage-imports"
    VIEW_AUDIT = "view-audit"
    COMPLETE_CHECKIN = "complete-checkin"
    VIEW_OWN_RECORD = "view-own-record"
    EDIT_PLAN = "edit-plan"
    EXPORT_SCORES = "export-scores"
    UPGRADE_SCHEMA = "upgrade-schema"
    VIEW_NOTIFICATIONS = "view-notifications"
    SEND_NOTIFICATIONS = "send-notifications"


class NotPermitted(PermissionError):  # noqa: N818 - reads better at the call site
    """The viewer may not do this (the message is safe to show)."""


#: Actions each role may take at all; client-level ones are narrowed by client_scope.
_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.CLINICIAN: frozenset(
        {
            Action.VIEW_CLIENT,
            Action.RECORD_DECISION,
            Action.RECORD_FOLLOW_UP,
            Action.EXPORT_CLIENT,
            Action.VIEW_CASELOAD,
            Action.EDIT_PLAN,
        }
    ),
    Role.CLIENT: frozenset(
        {
            Action.VIEW_CLIENT,
            Action.EXPORT_CLIENT,
            Action.COMPLETE_CHECKIN,
            Action.VIEW_OWN_RECORD,
            Action.EDIT_PLAN,
        }
    ),
    Role.DIRECTOR: frozenset({Action.VIEW_COHORTS, Action.SAVE_COHORTS}),
    Role.ADMIN: frozenset(
        {Action.MANAGE_USERS, Action.MANAGE_IMPORTS, Action.VIEW_AUDIT, Action.VIEW_NOTIFICATIONS}
    ),
    # the command line reads no client record: `iop report --as` uses an account's access
    Role.OPERATOR: frozenset(
        {
            Action.MANAGE_USERS,
            Action.MANAGE_IMPORTS,
            Action.EXPORT_SCORES,
            Action.UPGRADE_SCHEMA,
            Action.SEND_NOTIFICATIONS,
        }
    ),
}


def actions_of(role: Role) -> frozenset[Action]:
    """Every action ``role`` may take (none for a role without an entry: fail closed)."""
    return _ROLE_ACTIONS.get(role, frozenset())


def allowed(viewer: Viewer, action: Action) -> bool:
    """Whether the viewer's role may take ``action`` at all."""
    return action in actions_of(viewer.role)


def require(viewer: Viewer, action: Action) -> None:
    """Raise :class:`NotPermitted` unless the viewer's role may take ``action``."""
    if not allowed(viewer, action):
        msg = f"your account ({viewer.role.value}) cannot do this: {action.value}"
        raise NotPermitted(msg)


def client_scope(viewer: Viewer) -> sa.ColumnElement[bool]:
    """SQL condition on ``clients.id``: the client records this viewer may read.

    Clinicians read the clients with an episode at one of their sites; a client
    reads only their own record; directors, admins and the operator read no
    individual record (directors see site aggregates, admins manage users and imports).
    The clinician's condition is checked per client (an ``EXISTS`` on that client's
    episodes), so a read of a few clients never looks at the other clients' episodes.
    """
    if viewer.role is Role.CLIENT and viewer.client_pk is not None:
        return t.clients.c.id == viewer.client_pk
    if viewer.role is Role.CLINICIAN and viewer.site_ids:
        theirs = _SCOPE_EPISODES.c
        return (
            sa.exists()
            .where(theirs.client_id == t.clients.c.id)
            .where(theirs.site_id.in_(sorted(viewer.site_ids)))
            .correlate(t.clients)
        )
    return sa.false()


#: The episodes the clinician's condition looks at, apart from any episodes the
#: query itself reads (it must not correlate to them).
_SCOPE_EPISODES = t.episodes.alias("scope_episodes")


def scoped_client_ids(viewer: Viewer, client_pks: list[int] | None = None) -> sa.Select[Any]:
    """The ids of the clients the viewer may read (narrowed to ``client_pks``), for
    ``column.in_(...)`` filters on any table that refers to clients."""
    query = sa.select(t.clients.c.id).where(client_scope(viewer))
    return query if client_pks is None else query.where(t.clients.c.id.in_(client_pks))


def caseload_scope(viewer: Viewer) -> sa.ColumnElement[bool]:
    """SQL condition on ``episodes``: a clinician's caseload, the episodes at their sites.

    A clinician reads every episode of a client they may read (``client_scope``:
    the history travels with the client), but lists, reviews and decides on the
    episodes at their own sites only. No other role has a caseload.
    """
    if viewer.role is Role.CLINICIAN and viewer.site_ids:
        return t.episodes.c.site_id.in_(sorted(viewer.site_ids))
    return sa.false()


def site_scope(viewer: Viewer) -> sa.ColumnElement[bool]:
    """SQL condition on ``episodes.site_id`` for aggregate (cohort) queries."""
    if viewer.role in (Role.DIRECTOR, Role.CLINICIAN) and viewer.site_ids:
        return t.episodes.c.site_id.in_(sorted(viewer.site_ids))
    return sa.false()
