"""``iop users``: manage local accounts from the command line."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from dashboard.cli.common import EXIT_USAGE, DbOption, as_operator, open_database
from dashboard.cli.output import fail

app = typer.Typer(
    help="Manage accounts: add, change a role or sites, disable, enable, reset a password.",
    no_args_is_help=True,
)


def _password(value: str | None) -> str:
    if value:
        return value
    from dashboard.auth.password_policy import PasswordPolicy

    try:
        typer.echo(f"Password: {PasswordPolicy.from_env().summary()}", err=True)
    except ValueError as exc:
        fail(f"no password can be set: the password policy is not valid ({exc})", EXIT_USAGE)
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        fail("the passwords do not match", EXIT_USAGE)
    return first


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[str, typer.Option("--role", help="client | clinician | director | admin")],
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            help="A site this person works at (repeat for several; a clinician needs one).",
        ),
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", help="For a client account: their client id.")
    ] = None,
    clinician: Annotated[
        str | None, typer.Option("--clinician", help="For a clinician: their clinician id.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[
        str | None,
        typer.Option("--email", help="E-mail the identity provider vouches for (OIDC sign-in)."),
    ] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Password (asked for when not given).")
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Identity-provider sign-in only.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Create an account."""
    from dashboard.auth.accounts import AccountError, create_user
    from dashboard.auth.viewer import ACCOUNT_ROLES

    roles = {r.value: r for r in ACCOUNT_ROLES}
    if role not in roles:
        fail(f"role must be one of {', '.join(roles)}", EXIT_USAGE)
    role_value = roles[role]
    engine = open_database(db)
    try:
        create_user(
            engine,
            as_operator(),
            username=username,
            role=role_value,
            password=None if no_password else _password(password),
            display_name=name,
            sites=site or (),
            client_code=client,
            clinician_code=clinician,
            email=email,
        )
    except AccountError as exc:
        fail(str(exc), EXIT_USAGE)
    typer.echo(f"account {username} ({role_value.value}) created")


@app.command("change")
def change(
    username: str,
    role: Annotated[
        str | None, typer.Option("--role", help="The new role: clinician | director | admin.")
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option("--site", help="The account's sites from now on (repeat for several)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Give an account another role or other sites (the last active admin stays an admin)."""
    from dashboard.auth.accounts import AccountError, change_account
    from dashboard.auth.viewer import ACCOUNT_ROLES

    roles = {r.value: r for r in ACCOUNT_ROLES}
    if role is None and not site:
        fail("give a new --role, or the account's --site list, or both", EXIT_USAGE)
    if role is not None and role not in roles:
        fail(f"role must be one of {', '.join(roles)}", EXIT_USAGE)
    engine = open_database(db)
    try:
        change_account(
            engine,
            as_operator(),
            username,
            role=roles[role] if role is not None else None,
            sites=site or None,
        )
    except AccountError as exc:
        fail(str(exc), EXIT_USAGE)
    typer.echo(f"account {username} changed")


@app.command("disable")
def disable(username: str, db: DbOption = None) -> None:
    """Disable an account: it can no longer sign in (history is kept; never the last admin)."""
    _set_active(username, active=False, db=db)


@app.command("enable")
def enable(username: str, db: DbOption = None) -> None:
    """Enable a disabled account again."""
    _set_active(username, active=True, db=db)


@app.command("reset-password")
def reset(
    username: str,
    password: Annotated[
        str | None, typer.Option("--password", help="New password (asked for when not given).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Set a new password and lift a lock-out."""
    from dashboard.auth.accounts import AccountError, reset_password

    engine = open_database(db)
    try:
        reset_password(engine, as_operator(), username, _password(password))
    except AccountError as exc:
        fail(str(exc), EXIT_USAGE)
    typer.echo(f"password of {username} reset")


def _set_active(username: str, *, active: bool, db: str | None) -> None:
    from dashboard.auth.accounts import AccountError, set_active

    engine = open_database(db)
    try:
        set_active(engine, as_operator(), username, active=active)
    except AccountError as exc:
        fail(str(exc), EXIT_USAGE)
    typer.echo(f"account {username} {'enabled' if active else 'disabled'}")
