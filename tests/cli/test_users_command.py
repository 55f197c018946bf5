"""`iop users` keeps the same rules as the Users page: the password policy on every new
password, a clinician with a site, and an administrator always left."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_cli import FIXTURES, STRONG, iop


@pytest.fixture
def db(tmp_path) -> str:
    """A database with the fixtures' sites and one administrator, ``ada``."""
    url = f"sqlite:///{tmp_path / 'users.db'}"
    assert iop("db", "upgrade", "--db", url).returncode == 0
    assert iop("import", str(FIXTURES / "clinicians.csv"), "--db", url).returncode == 0
    added = iop("users", "add", "ada", "--role", "admin", "--password", STRONG, "--db", url)
    assert added.returncode == 0, added.stderr
    return url


def _accounts(db: str) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as connection:
        return connection.execute(
            "SELECT username, role, active FROM users ORDER BY username"
        ).fetchall()


def test_a_weak_password_is_refused_when_adding_and_resetting(db):
    for command in (
        ("users", "add", "bo", "--role", "director", "--password", "password1234"),
        ("users", "reset-password", "ada", "--password", "password1234"),
    ):
        refused = iop(*command, "--db", db)
        assert refused.returncode == 2
        assert refused.stderr.startswith("error: This password is too easy to guess.")
    short = iop("users", "reset-password", "ada", "--password", "short", "--db", db)
    assert short.stderr == "error: A password needs at least 12 characters (this one has 5).\n"
    longer = iop(
        "users", "add", "bo", "--role", "director", "--password", STRONG, "--db", db,
        env={"IOP_PASSWORD_MIN_LENGTH": "30"},
    )  # fmt: skip
    assert longer.returncode == 2
    assert "at least 30 characters" in longer.stderr
    assert [a[0] for a in _accounts(db)] == ["ada"]


def test_the_password_prompt_says_what_a_password_needs(db):
    prompted = iop("users", "reset-password", "ada", "--db", db, input="short\nshort\n")
    assert prompted.returncode == 2
    assert "Password: At least 12 characters, and hard to guess" in prompted.stderr
    assert "error: A password needs at least 12 characters (this one has 5)." in prompted.stderr


def test_a_clinician_is_added_only_with_a_site(db):
    refused = iop("users", "add", "cy", "--role", "clinician", "--password", STRONG, "--db", db)
    assert refused.returncode == 2
    assert refused.stderr == (
        "error: a clinician account needs at least one site (a clinician sees their sites' "
        "clients)\n"
    )
    added = iop(
        "users", "add", "cy", "--role", "clinician", "--site", "Hillcrest",
        "--password", STRONG, "--db", db,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def test_the_last_active_administrator_is_never_disabled_or_demoted(db):
    disabled = iop("users", "disable", "ada", "--db", db)
    assert disabled.returncode == 2
    assert disabled.stderr == (
        "error: ada is the last active administrator: disabling it would leave no one to "
        "manage accounts in the app. Add or enable another administrator first.\n"
    )
    demoted = iop("users", "change", "ada", "--role", "director", "--db", db)
    assert demoted.returncode == 2
    assert "ada is the last active administrator: making it a director" in demoted.stderr
    assert _accounts(db) == [("ada", "admin", 1)]

    iop("users", "add", "bo", "--role", "admin", "--password", STRONG, "--db", db)
    changed = iop(
        "users", "change", "ada", "--role", "clinician", "--site", "Riverside", "--db", db
    )
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout == "account ada changed\n"
    assert iop("users", "disable", "bo", "--db", db).returncode == 2  # now bo is the last
    assert _accounts(db) == [("ada", "clinician", 1), ("bo", "admin", 1)]


def test_changing_an_account_needs_something_to_change(db):
    nothing = iop("users", "change", "ada", "--db", db)
    assert nothing.returncode == 2
    assert nothing.stderr == "error: give a new --role, or the account's --site list, or both\n"
