"""Local accounts in the database: create, disable, reset, and sign in with lock-out."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.password_policy import PasswordPolicy
from dashboard.auth.passwords import hash_password, needs_rehash, verify_password
from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import ACCOUNT_ROLES, Role, Viewer
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.engine import read, write

#: Failed sign-ins in a row before an account is locked, and for how long (OWASP
#: authentication guidance: lock out after a small number of failures).
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
#: The audit actor of a sign-in with a username no account has.
UNKNOWN_ACCOUNT = "unknown account"


class AccountError(ValueError):
    """An account operation that cannot be done (the message is safe to show)."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a viewer, or a message to show."""

    viewer: Viewer | None
    message: str


def create_user(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    username: str,
    role: Role,
    password: str | None,
    display_name: str | None = None,
    sites: Iterable[str] = (),
    client_code: str | None = None,
    clinician_code: str | None = None,
    email: str | None = None,
    policy: PasswordPolicy | None = None,
    demo_password: bool = False,
) -> int:
    """Create an account; sites by name, a client account linked to its client record.

    ``viewer`` (an administrator or the operator) must be allowed to manage accounts.
    The password must pass ``policy`` (default: the deployment's,
    :meth:`PasswordPolicy.from_env`); ``demo_password`` waives it for the demo
    database's documented accounts only.
    """
    require(viewer, Action.MANAGE_USERS)
    if role not in ACCOUNT_ROLES:
        msg = f"an account cannot have the role {role.value!r}"
        raise AccountError(msg)
    if password is not None and not demo_password:
        check_password(password, policy=policy, user_inputs=(username, display_name, email))
    with write(engine, changes=False) as connection:
        if connection.execute(
            sa.select(t.users.c.id).where(t.users.c.username == username)
        ).first():
            msg = f"the username {username!r} is taken"
            raise AccountError(msg)
        client_pk = _lookup(connection, t.clients, client_code, "client") if client_code else None
        if role is Role.CLIENT and client_pk is None:
            msg = "a client account needs the client id it belongs to (--client)"
            raise AccountError(msg)
        clinician_pk = (
            _lookup(connection, t.clinicians, clinician_code, "clinician")
            if clinician_code
            else None
        )
        user_id: int = connection.execute(
            t.users.insert()
            .values(
                username=username,
                role=role.value,
                display_name=display_name or username,
                password_hash=hash_password(password) if password else None,
                email=email,
                client_id=client_pk,
                clinician_id=clinician_pk,
            )
            .returning(t.users.c.id)
        ).scalar_one()
        for site in sites:
            site_id = connection.execute(
                sa.select(t.sites.c.id).where(t.sites.c.name == site)
            ).scalar()
            if site_id is None:
                msg = f"no site named {site!r}"
                raise AccountError(msg)
            connection.execute(t.user_sites.insert().values(user_id=user_id, site_id=site_id))
        record_event(
            connection,
            actor=viewer.username,
            action="create-user",
            resource_type="user",
            resource_id=username,
            detail={"role": role.value},
        )
    return user_id


def set_active(engine: sa.Engine, viewer: Viewer, username: str, *, active: bool) -> None:
    """Disable (or re-enable) an account; a disabled account cannot sign in.

    A session the account has open ends at its next page run (``dashboard.auth.sessions``).
    """
    require(viewer, Action.MANAGE_USERS)
    with write(engine, changes=False) as connection:
        _require_user(connection, username)
        connection.execute(
            t.users.update().where(t.users.c.username == username).values(active=active)
        )
        record_event(
            connection,
            actor=viewer.username,
            action="enable-user" if active else "disable-user",
            resource_type="user",
            resource_id=username,
        )


def reset_password(
    engine: sa.Engine,
    viewer: Viewer,
    username: str,
    password: str,
    *,
    policy: PasswordPolicy | None = None,
) -> None:
    """Set a new password (it must pass ``policy``, as for a new account) and lift any lock-out."""
    require(viewer, Action.MANAGE_USERS)
    check_password(password, policy=policy, user_inputs=(username,))
    with write(engine, changes=False) as connection:
        _require_user(connection, username)
        connection.execute(
            t.users.update()
            .where(t.users.c.username == username)
            .values(password_hash=hash_password(password), failed_attempts=0, locked_until=None)
        )
        record_event(
            connection,
            actor=viewer.username,
            action="reset-password",
            resource_type="user",
            resource_id=username,
        )


def check_password(
    password: str, *, policy: PasswordPolicy | None, user_inputs: Iterable[str | None]
) -> None:
    """Raise :class:`AccountError` with the reasons unless ``password`` passes the policy."""
    rules = policy or PasswordPolicy.from_env()
    problems = rules.problems(password, user_inputs=[u for u in user_inputs if u])
    if problems:
        raise AccountError(" ".join(problems))


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so that a refusal takes as
    long whether or not the username exists (no enumeration by timing)."""
    return hash_password(secrets.token_urlsafe(16))


def sign_in(
    engine: sa.Engine, username: str, password: str, *, now: dt.datetime | None = None
) -> SignIn:
    """Check a password; lock the account after repeated failures. Always audited.

    The message never tells whether the username exists.
    """
    now = now or clock.now()
    refused = "Username or password is not right."
    with write(engine, changes=False) as connection:
        row = connection.execute(sa.select(t.users).where(t.users.c.username == username)).first()
        if row is None or not row.active:
            verify_password(_dummy_hash(), password)
            # what was typed as a username may be a password: it never reaches the log
            record_event(
                connection,
                actor=UNKNOWN_ACCOUNT if row is None else row.username,
                action="sign-in",
                outcome="refused",
                detail={"reason": "unknown" if row is None else "disabled"},
            )
            return SignIn(None, refused)
        if row.locked_until is not None and row.locked_until > now:
            record_event(
                connection,
                actor=username,
                action="sign-in",
                outcome="refused",
                detail={"reason": "locked"},
            )
            minutes = max(1, int((row.locked_until - now).total_seconds() // 60) + 1)
            message = (
                "This account is locked after repeated failed sign-ins. "
                f"Try again in {minutes} minutes or ask an administrator."
            )
            return SignIn(None, message)
        if not verify_password(row.password_hash, password):
            failures = row.failed_attempts + 1
            locked = now + LOCKOUT if failures >= MAX_FAILED_ATTEMPTS else None
            connection.execute(
                t.users.update()
                .where(t.users.c.id == row.id)
                .values(failed_attempts=0 if locked else failures, locked_until=locked)
            )
            record_event(
                connection,
                actor=username,
                action="sign-in",
                outcome="refused",
                detail={"reason": "password", "locked": bool(locked)},
            )
            return SignIn(None, refused)
        values: dict[str, object] = {
            "failed_attempts": 0,
            "locked_until": None,
            "last_sign_in_at": now,
        }
        if needs_rehash(row.password_hash):
            values["password_hash"] = hash_password(password)
        connection.execute(t.users.update().where(t.users.c.id == row.id).values(**values))
        record_event(connection, actor=username, action="sign-in")
        return SignIn(viewer_for(connection, row.id), "")


def viewer_by_email(engine: sa.Engine, email: str) -> Viewer | None:
    """The active account an identity provider's e-mail maps to (OIDC sign-in)."""
    with read(engine) as connection:
        user_id = connection.execute(
            sa.select(t.users.c.id).where(
                sa.func.lower(t.users.c.email) == email.lower(), t.users.c.active
            )
        ).scalar()
        return viewer_for(connection, user_id) if user_id is not None else None


def viewer_by_username(connection: sa.Connection, username: str) -> Viewer | None:
    """The viewer of the active account named ``username``; None if none is."""
    user_id = connection.execute(
        sa.select(t.users.c.id).where(t.users.c.username == username, t.users.c.active)
    ).scalar()
    return viewer_for(connection, user_id) if user_id is not None else None


def viewer_for(connection: sa.Connection, user_id: int) -> Viewer:
    """Build the viewer of an account: role, sites (a client's: their episodes' sites)."""
    row = connection.execute(sa.select(t.users).where(t.users.c.id == user_id)).one()
    sites = frozenset(
        connection.execute(
            sa.select(t.user_sites.c.site_id).where(t.user_sites.c.user_id == user_id)
        ).scalars()
    )
    return Viewer(
        user_id=row.id,
        username=row.username,
        role=Role(row.role),
        display_name=row.display_name or row.username,
        site_ids=sites,
        client_pk=row.client_id,
        clinician_pk=row.clinician_id,
    )


def _lookup(connection: sa.Connection, table: sa.Table, code: str, what: str) -> int:
    found = connection.execute(sa.select(table.c.id).where(table.c.code == code)).scalar()
    if found is None:
        msg = f"no {what} with id {code!r}"
        raise AccountError(msg)
    return int(found)


def _require_user(connection: sa.Connection, username: str) -> None:
    if (
        connection.execute(sa.select(t.users.c.id).where(t.users.c.username == username)).first()
        is None
    ):
        msg = f"no account named {username!r}"
        raise AccountError(msg)
