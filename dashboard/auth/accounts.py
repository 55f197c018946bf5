"""Local accounts in the database: create, change, disable, reset, and sign in with lock-out.

Every change keeps the rules of :mod:`dashboard.auth.account_rules`: an active
administrator is always left, one's own account is disabled or demoted only once
confirmed, a clinician has a site, and every new password passes the policy.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.account_rules import (
    AccountError as AccountError,  # where callers have always found it
)
from dashboard.auth.account_rules import (
    check_role_and_sites,
    confirm_own_account,
    keep_an_administrator,
)
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
    database's documented accounts only. A clinician needs at least one site, a
    client account its client id (raises :class:`AccountError` saying so).
    """
    require(viewer, Action.MANAGE_USERS)
    if role not in ACCOUNT_ROLES:
        msg = f"an account cannot have the role {role.value!r}"
        raise AccountError(msg)
    sites = list(dict.fromkeys(sites))
    if not username.strip():
        msg = "an account needs a username"
        raise AccountError(msg)
    check_role_and_sites(role, sites, client_record=bool(client_code))
    if password is not None and not demo_password:
        check_password(password, policy=policy, user_inputs=(username, display_name, email))
    with write(engine, changes=False) as connection:
        if connection.execute(
            sa.select(t.users.c.id).where(t.users.c.username == username)
        ).first():
            msg = f"the username {username!r} is taken"
            raise AccountError(msg)
        client_pk = _lookup(connection, t.clients, client_code, "client") if client_code else None
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
        _set_sites(connection, user_id, sites)
        record_event(
            connection,
            actor=viewer.username,
            action="create-user",
            resource_type="user",
            resource_id=username,
            detail={"role": role.value},
        )
    return user_id


def set_active(
    engine: sa.Engine, viewer: Viewer, username: str, *, active: bool, confirmed: bool = False
) -> None:
    """Disable (or re-enable) an account; a disabled account cannot sign in.

    The last active administrator is never disabled (raises :class:`AccountError`),
    and the viewer's own account only once they confirm it (raises
    :class:`~dashboard.auth.account_rules.ConfirmationNeeded` unless ``confirmed``).
    A session the account has open ends at its next page run (``dashboard.auth.sessions``).
    """
    require(viewer, Action.MANAGE_USERS)
    with write(engine, changes=False) as connection:
        _require_user(connection, username)
        if not active:
            keep_an_administrator(connection, username, doing="disabling it")
            confirm_own_account(
                viewer,
                username,
                confirmed=confirmed,
                effect="disabling it signs you out, and only another administrator can "
                "enable it again",
            )
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


def change_account(
    engine: sa.Engine,
    viewer: Viewer,
    username: str,
    *,
    role: Role | None = None,
    sites: Sequence[str] | None = None,
    confirmed: bool = False,
) -> None:
    """Give an account another role, or another list of sites (by name); None keeps it.

    The rules of a new account hold (a clinician has a site; a client's account
    stays a client's); the last active administrator keeps the role, and the
    viewer's own role changes only once they confirm it (raises
    :class:`~dashboard.auth.account_rules.ConfirmationNeeded` unless ``confirmed``).
    Audited with the new role and sites.
    """
    require(viewer, Action.MANAGE_USERS)
    if role is not None and role not in ACCOUNT_ROLES:
        msg = f"an account cannot have the role {role.value!r}"
        raise AccountError(msg)
    with write(engine, changes=False) as connection:
        u = t.users.c
        row = connection.execute(
            sa.select(u.id, u.role, u.client_id).where(u.username == username)
        ).first()
        if row is None:
            msg = f"no account named {username!r}"
            raise AccountError(msg)
        was = Role(row.role)
        new_role = role or was
        new_sites = (
            list(dict.fromkeys(sites)) if sites is not None else _site_names(connection, row.id)
        )
        check_role_and_sites(new_role, new_sites, client_record=row.client_id is not None, was=was)
        if new_role is not was:
            keep_an_administrator(connection, username, doing=f"making it a {new_role.value}")
            confirm_own_account(
                viewer,
                username,
                confirmed=confirmed,
                effect=f"as {_a(new_role)} you lose {_a(was)}'s pages, this one too",
            )
            connection.execute(t.users.update().where(u.id == row.id).values(role=new_role.value))
        if sites is not None:
            connection.execute(t.user_sites.delete().where(t.user_sites.c.user_id == row.id))
            _set_sites(connection, row.id, new_sites)
        record_event(
            connection,
            actor=viewer.username,
            action="change-user",
            resource_type="user",
            resource_id=username,
            detail={"role": new_role.value, "sites": new_sites},
        )


def reset_password(
    engine: sa.Engine,
    viewer: Viewer,
    username: str,
    password: str,
    *,
    policy: PasswordPolicy | None = None,
) -> None:
    """Set a new password (it must pass ``policy``, as for a new account) and lift any lock-out.

    The account's username, display name and e-mail count against the password.
    """
    require(viewer, Action.MANAGE_USERS)
    with read(engine) as connection:
        _require_user(connection, username)
        known = connection.execute(
            sa.select(t.users.c.display_name, t.users.c.email).where(t.users.c.username == username)
        ).one()
    check_password(password, policy=policy, user_inputs=(username, *known))
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
    """Raise :class:`AccountError` with the reasons unless ``password`` passes the policy.

    A deployment policy that cannot be read refuses every password, saying why.
    """
    try:
        rules = policy or PasswordPolicy.from_env()
    except ValueError as exc:
        msg = f"No password can be set: the password policy is not valid ({exc})."
        raise AccountError(msg) from None
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
    """The active account an identity provider's e-mail maps to (OIDC sign-in); None
    when none does, or when two differ only in case (which one is meant is unknown)."""
    with read(engine) as connection:
        user_ids = (
            connection.execute(
                sa.select(t.users.c.id).where(
                    sa.func.lower(t.users.c.email) == email.lower(), t.users.c.active
                )
            )
            .scalars()
            .all()
        )
        return viewer_for(connection, user_ids[0]) if len(user_ids) == 1 else None


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


def _a(role: Role) -> str:
    """A role with its article, as said: "an administrator", "a director"."""
    return {Role.ADMIN: "an administrator"}.get(role, f"a {role.value}")


def _set_sites(connection: sa.Connection, user_id: int, sites: Iterable[str]) -> None:
    """Give an account these sites (by name); raises :class:`AccountError` for an unknown one."""
    for site in sites:
        site_id = connection.execute(sa.select(t.sites.c.id).where(t.sites.c.name == site)).scalar()
        if site_id is None:
            msg = f"no site named {site!r}"
            raise AccountError(msg)
        connection.execute(t.user_sites.insert().values(user_id=user_id, site_id=site_id))


def _site_names(connection: sa.Connection, user_id: int) -> list[str]:
    return list(
        connection.execute(
            sa.select(t.sites.c.name)
            .join(t.user_sites, t.user_sites.c.site_id == t.sites.c.id)
            .where(t.user_sites.c.user_id == user_id)
            .order_by(t.sites.c.name)
        ).scalars()
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
