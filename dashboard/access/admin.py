"""What administrators read: accounts, imports, quarantine, audit log; each checks the viewer."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.reads import read_frame


def accounts(connection: sa.Connection, viewer: Viewer) -> pl.DataFrame:
    """Every account with its role, sites and state (no password hashes)."""
    require(viewer, Action.MANAGE_USERS)
    u = t.users.c
    sites = (
        sa.select(
            t.user_sites.c.user_id,
            sa.func.group_concat(t.sites.c.name, ", ").label("sites")
            if connection.dialect.name == "sqlite"
            else sa.func.string_agg(t.sites.c.name, ", ").label("sites"),
        )
        .join(t.sites, t.sites.c.id == t.user_sites.c.site_id)
        .group_by(t.user_sites.c.user_id)
        .subquery()
    )
    query = (
        sa.select(
            u.username.label("username"),
            u.display_name.label("display_name"),
            u.role.label("role"),
            sites.c.sites.label("sites"),
            t.clients.c.code.label("client_id"),
            u.email.label("email"),
            u.active.label("active"),
            sa.type_coerce(u.locked_until, sa.String).label("locked_until"),
            sa.type_coerce(u.last_sign_in_at, sa.String).label("last_sign_in"),
        )
        .outerjoin(sites, sites.c.user_id == u.id)
        .outerjoin(t.clients, t.clients.c.id == u.client_id)
        .order_by(u.role, u.username)
    )
    return read_frame(
        connection,
        query,
        {
            "username": pl.String,
            "display_name": pl.String,
            "role": pl.String,
            "sites": pl.String,
            "client_id": pl.String,
            "email": pl.String,
            "active": pl.Boolean,
            "locked_until": pl.Datetime("us"),
            "last_sign_in": pl.Datetime("us"),
        },
    )


def site_names(connection: sa.Connection) -> list[str]:
    """All sites, for the account form."""
    return list(connection.execute(sa.select(t.sites.c.name).order_by(t.sites.c.name)).scalars())


def imports(connection: sa.Connection, viewer: Viewer, *, limit: int = 200) -> pl.DataFrame:
    """The latest imports with their counts: files, and every client's check-in and
    follow-up screener (each is stored as an import of its own).

    ``imported_by_name`` is the account's display name (None for the command line).
    """
    require(viewer, Action.MANAGE_IMPORTS)
    i = t.imports.c
    query = (
        sa.select(
            i.id.label("import_id"),
            sa.type_coerce(i.started_at, sa.String).label("started_at"),
            i.imported_by.label("imported_by"),
            t.users.c.display_name.label("imported_by_name"),
            i.file_name.label("file_name"),
            i.format.label("format"),
            i.kind.label("kind"),
            i.records.label("records"),
            i.accepted.label("accepted"),
            i.duplicates.label("duplicates"),
            i.rejected.label("rejected"),
            i.new_versions.label("new_versions"),
        )
        .outerjoin(t.users, t.users.c.username == i.imported_by)
        .order_by(i.id.desc())
        .limit(limit)
    )
    return read_frame(
        connection,
        query,
        {
            "import_id": pl.Int64,
            "started_at": pl.Datetime("us"),
            "imported_by": pl.String,
            "imported_by_name": pl.String,
            "file_name": pl.String,
            "format": pl.String,
            "kind": pl.String,
            "records": pl.Int64,
            "accepted": pl.Int64,
            "duplicates": pl.Int64,
            "rejected": pl.Int64,
            "new_versions": pl.Int64,
        },
    )


def quarantine(connection: sa.Connection, viewer: Viewer, import_id: int) -> pl.DataFrame:
    """The rejected rows of one import: row number, reasons and the raw text."""
    require(viewer, Action.MANAGE_IMPORTS)
    r = t.rejected_rows.c
    frame = read_frame(
        connection,
        sa.select(r.row.label("row"), r.reasons.label("reasons"), r.raw.label("raw"))
        .where(r.import_id == import_id)
        .order_by(r.row),
        {"row": pl.Int64, "reasons": pl.String, "raw": pl.String},
    )
    return frame.with_columns(pl.col("reasons").str.json_decode(pl.List(pl.String)).list.join("; "))


def audit_log(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    limit: int = 1000,
) -> pl.DataFrame:
    """Audit rows, newest first, optionally filtered; ``actor_name`` is the account's
    display name (None for the command line and unknown accounts)."""
    require(viewer, Action.VIEW_AUDIT)
    a = t.audit_log.c
    query = sa.select(
        sa.type_coerce(a.at, sa.String).label("at"),
        a.actor.label("actor"),
        t.users.c.display_name.label("actor_name"),
        a.action.label("action"),
        a.resource_type.label("resource_type"),
        a.resource_id.label("resource_id"),
        a.outcome.label("outcome"),
        a.detail.label("detail"),
    ).outerjoin(t.users, t.users.c.username == a.actor)
    if actor:
        query = query.where(a.actor == actor)
    if action:
        query = query.where(a.action == action)
    if since:
        query = query.where(a.at >= dt.datetime.combine(since, dt.time()))
    return read_frame(
        connection,
        query.order_by(a.id.desc()).limit(limit),
        {
            "at": pl.Datetime("us"),
            "actor": pl.String,
            "actor_name": pl.String,
            "action": pl.String,
            "resource_type": pl.String,
            "resource_id": pl.String,
            "outcome": pl.String,
            "detail": pl.String,
        },
    )


def audit_actions(connection: sa.Connection) -> list[str]:
    """The distinct actions in the audit log, for the filter."""
    return list(
        connection.execute(
            sa.select(t.audit_log.c.action).distinct().order_by(t.audit_log.c.action)
        ).scalars()
    )
