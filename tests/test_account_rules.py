"""Accounts keep the program manageable, in the data layer, on both back ends: an active
administrator is always left, one's own account changes only once confirmed, a clinician
has a site, a client's account stays a client's, and every new password passes the policy."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from dashboard.auth.account_rules import AccountError, ConfirmationNeeded
from dashboard.auth.accounts import (
    change_account,
    create_user,
    reset_password,
    set_active,
    viewer_for,
)
from dashboard.auth.viewer import Role, Viewer, operator_viewer
from dashboard.store import tables as t
from dashboard.store.engine import read

OPERATOR = operator_viewer("test")
STRONG = "quiet harbour pencil 27"  # passes the default policy
LAST_ADMIN = "is the last active administrator"


@pytest.fixture
def program(engine: sa.Engine) -> sa.Engine:
    """Two sites, one client, and one administrator, ``ada``."""
    with engine.begin() as connection:
        connection.execute(t.sites.insert(), [{"name": "Hillcrest"}, {"name": "Riverside"}])
        connection.execute(t.clients.insert().values(code="C0001"))
    create_user(engine, OPERATOR, username="ada", role=Role.ADMIN, password=STRONG)
    return engine


def viewer(engine: sa.Engine, username: str) -> Viewer:
    with read(engine) as connection:
        user_id = connection.execute(
            sa.select(t.users.c.id).where(t.users.c.username == username)
        ).scalar_one()
        return viewer_for(connection, user_id)


def account(engine: sa.Engine, username: str) -> sa.Row:
    with read(engine) as connection:
        return connection.execute(
            sa.select(t.users.c.role, t.users.c.active).where(t.users.c.username == username)
        ).one()


def audited(engine: sa.Engine, action: str) -> list[tuple[str, str, str | None]]:
    with read(engine) as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(t.audit_log.c.actor, t.audit_log.c.resource_id, t.audit_log.c.detail)
                .where(t.audit_log.c.action == action)
                .order_by(t.audit_log.c.id)
            )
        ]


def test_the_last_active_administrator_cannot_be_disabled_by_anyone(program):
    for who in (OPERATOR, viewer(program, "ada")):
        for confirmed in (False, True):
            with pytest.raises(AccountError, match=f"ada {LAST_ADMIN}: disabling it would"):
                set_active(program, who, "ada", active=False, confirmed=confirmed)
    assert account(program, "ada").active
    assert audited(program, "disable-user") == []


def test_an_administrator_can_be_disabled_while_another_is_active(program):
    create_user(program, OPERATOR, username="bo", role=Role.ADMIN, password=STRONG)
    set_active(program, viewer(program, "ada"), "bo", active=False)
    assert not account(program, "bo").active
    # a disabled administrator does not count: ada is the last one again
    with pytest.raises(AccountError, match=LAST_ADMIN):
        set_active(program, OPERATOR, "ada", active=False)
    set_active(program, OPERATOR, "bo", active=True)
    set_active(program, OPERATOR, "ada", active=False)
    assert audited(program, "disable-user") == [("ada", "bo", None), ("test", "ada", None)]


def test_the_last_active_administrator_keeps_the_role(program):
    with pytest.raises(AccountError, match=f"ada {LAST_ADMIN}: making it a director would"):
        change_account(program, OPERATOR, "ada", role=Role.DIRECTOR)
    assert account(program, "ada").role == "admin"
    create_user(program, OPERATOR, username="bo", role=Role.ADMIN, password=STRONG)
    change_account(program, OPERATOR, "ada", role=Role.DIRECTOR, sites=["Hillcrest"])
    assert account(program, "ada").role == "director"
    assert audited(program, "change-user") == [
        ("test", "ada", '{"role": "director", "sites": ["Hillcrest"]}')
    ]


def test_disabling_or_demoting_ones_own_account_waits_for_confirmation(program):
    create_user(program, OPERATOR, username="bo", role=Role.ADMIN, password=STRONG)
    ada = viewer(program, "ada")
    with pytest.raises(ConfirmationNeeded, match="This is your own account: disabling it signs"):
        set_active(program, ada, "ada", active=False)
    with pytest.raises(
        ConfirmationNeeded,
        match="This is your own account: as a director you lose an administrator's pages",
    ):
        change_account(program, ada, "ada", role=Role.DIRECTOR)
    assert tuple(account(program, "ada")) == ("admin", True)
    set_active(program, ada, "bo", active=False)  # someone else's: no question asked
    set_active(program, ada, "bo", active=True)
    set_active(program, ada, "ada", active=False, confirmed=True)
    assert not account(program, "ada").active


def test_two_administrators_disabling_each_other_at_once_leave_one_active(program):
    create_user(program, OPERATOR, username="bo", role=Role.ADMIN, password=STRONG)
    ada, bo = viewer(program, "ada"), viewer(program, "bo")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def disable(who: Viewer, whom: str) -> None:
        start.wait()
        try:
            set_active(program, who, whom, active=False)
            outcomes.append("disabled")
        except AccountError as exc:
            outcomes.append(str(exc))
        except Exception as exc:  # a deadlock or a lock time-out: the test shows it
            outcomes.append(repr(exc))

    threads = [
        threading.Thread(target=disable, args=(ada, "bo")),
        threading.Thread(target=disable, args=(bo, "ada")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2, outcomes
    assert outcomes.count("disabled") == 1, outcomes
    assert LAST_ADMIN in next(o for o in outcomes if o != "disabled"), outcomes
    assert [account(program, name).active for name in ("ada", "bo")].count(True) == 1


def test_a_clinician_needs_a_site(program):
    with pytest.raises(AccountError, match="a clinician account needs at least one site"):
        create_user(program, OPERATOR, username="cy", role=Role.CLINICIAN, password=STRONG)
    create_user(
        program, OPERATOR, username="cy", role=Role.CLINICIAN, password=STRONG, sites=["Hillcrest"]
    )
    with pytest.raises(AccountError, match="needs at least one site"):
        change_account(program, OPERATOR, "cy", sites=[])
    create_user(program, OPERATOR, username="di", role=Role.DIRECTOR, password=STRONG)
    with pytest.raises(AccountError, match="needs at least one site"):
        change_account(program, OPERATOR, "di", role=Role.CLINICIAN)
    change_account(program, OPERATOR, "di", role=Role.CLINICIAN, sites=["Riverside"])
    change_account(program, OPERATOR, "cy", sites=["Riverside", "Hillcrest"])
    assert viewer(program, "di").role is Role.CLINICIAN
    assert len(viewer(program, "cy").site_ids) == 2


def test_a_clients_account_stays_a_clients(program):
    create_user(
        program, OPERATOR, username="cl", role=Role.CLIENT, password=STRONG, client_code="C0001"
    )
    with pytest.raises(AccountError, match="a client's account stays a client's account"):
        change_account(program, OPERATOR, "cl", role=Role.DIRECTOR)
    with pytest.raises(AccountError, match="a staff account never becomes one"):
        change_account(program, OPERATOR, "ada", role=Role.CLIENT)
    with pytest.raises(AccountError, match="a client account needs the client id"):
        create_user(program, OPERATOR, username="c2", role=Role.CLIENT, password=STRONG)


def test_a_reset_password_may_not_be_made_of_the_accounts_name_or_e_mail(program):
    create_user(
        program,
        OPERATOR,
        username="w7",
        role=Role.DIRECTOR,
        password=STRONG,
        display_name="Wilhelmina Oyelaran-Castellanos",
        email="wilhelmina.oyelaran@example.org",
    )
    for made_of_them in ("WilhelminaOyelaran", "wilhelmina.oyelaran@example.org"):
        with pytest.raises(AccountError, match="too easy to guess"):
            reset_password(program, OPERATOR, "w7", made_of_them)


def test_a_password_policy_that_cannot_be_read_refuses_every_password(program, monkeypatch):
    monkeypatch.setenv("IOP_PASSWORD_MIN_LENGTH", "twelve")
    message = "No password can be set: the password policy is not valid"
    with pytest.raises(AccountError, match=message):
        create_user(program, OPERATOR, username="bo", role=Role.ADMIN, password=STRONG)
    with pytest.raises(AccountError, match=message):
        reset_password(program, OPERATOR, "ada", STRONG + " and more")
