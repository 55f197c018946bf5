"""The rules an account change must keep: an administrator left, one's own account
changed only on purpose, a clinician with a site, a client account tied to its record."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from dashboard.auth.viewer import Role, Viewer
from dashboard.store import tables as t


class AccountError(ValueError):
    """An account operation that cannot be done (the message is safe to show)."""


class ConfirmationNeeded(AccountError):  # noqa: N818 - reads better at the call site
    """A change to the viewer's own account: done only once they confirm it.

    The message says what the change would do to them; the caller asks and, if
    they agree, calls again with ``confirmed=True``.
    """


def keep_an_administrator(connection: sa.Connection, username: str, *, doing: str) -> None:
    """Refuse ``doing`` (disabling, a new role) to the last active administrator.

    Nothing happens unless ``username`` is an active administrator. Every active
    administrator's row is locked, always in the same order (PostgreSQL), so two
    administrators disabling each other at once wait for one another (no
    deadlock) and the second sees the first's change.

    Raises :class:`AccountError` naming the account when no other active
    administrator would be left.
    """
    u = t.users.c
    active_admins = list(
        connection.execute(
            sa.select(u.username)
            .where(u.role == Role.ADMIN.value, u.active)
            .order_by(u.id)
            .with_for_update()
        ).scalars()
    )
    if active_admins == [username]:
        msg = (
            f"{username} is the last active administrator: {doing} would leave no one to "
            "manage accounts in the app. Add or enable another administrator first."
        )
        raise AccountError(msg)


def confirm_own_account(viewer: Viewer, username: str, *, confirmed: bool, effect: str) -> None:
    """Refuse a change to the viewer's own account until they have confirmed it.

    ``effect`` says what the change does to them, e.g. "you will be signed out".

    Examples
    --------
    >>> me = Viewer(user_id=1, username="ana", role=Role.ADMIN, display_name="Ana")
    >>> confirm_own_account(me, "bo", confirmed=False, effect="x")  # someone else's: no question
    >>> try:
    ...     confirm_own_account(me, "ana", confirmed=False, effect="you will be signed out")
    ... except ConfirmationNeeded as question:
    ...     print(question)
    This is your own account: you will be signed out.
    """
    if viewer.username == username and not confirmed:
        msg = f"This is your own account: {effect}."
        raise ConfirmationNeeded(msg)


def check_role_and_sites(
    role: Role, sites: Collection[str], *, client_record: bool, was: Role | None = None
) -> None:
    """Refuse a role and sites an account cannot have.

    A clinician needs at least one site (their caseload is their sites' clients);
    a client account needs its client record, and an account's role changes to or
    from client never (a client account is the client's own, a staff account
    never is). ``was`` is the role before a change, None for a new account.

    Examples
    --------
    >>> try:
    ...     check_role_and_sites(Role.CLINICIAN, [], client_record=False)
    ... except AccountError as refusal:
    ...     print(refusal)
    a clinician account needs at least one site (a clinician sees their sites' clients)
    >>> check_role_and_sites(Role.CLINICIAN, ["Hillcrest"], client_record=False)
    """
    if role is Role.CLINICIAN and not sites:
        msg = "a clinician account needs at least one site (a clinician sees their sites' clients)"
        raise AccountError(msg)
    if was is not None and (was is Role.CLIENT) != (role is Role.CLIENT):
        msg = (
            "a client's account stays a client's account, and a staff account never becomes "
            "one: add a new account instead"
        )
        raise AccountError(msg)
    if role is Role.CLIENT and not client_record:
        msg = "a client account needs the client id it belongs to"
        raise AccountError(msg)
