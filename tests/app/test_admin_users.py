"""The Users page protects the program from a slip: the last administrator stays, one's
own account is disabled only once confirmed, a clinician gets a site, passwords pass the
policy; and the accounts are listed in plain words."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard.auth.accounts import create_user
from dashboard.auth.viewer import Role, operator_viewer
from tests.app.conftest import audit_rows

STRONG = "quiet harbour pencil 27"
LAST_ADMIN = (
    "Not changed: admin is the last active administrator: disabling it would leave no one "
    "to manage accounts in the app. Add or enable another administrator first."
)
HEADINGS = ["Name", "Username", "Status", "Role", "Sites", "Client id", "E-mail", "Last sign-in"]


def click(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    return at


def choose(at, username: str):
    at.selectbox(key="change_user").set_value(username).run()
    return at


def active(engine: sa.Engine, username: str) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                sa.text("SELECT active FROM users WHERE username = :u"), {"u": username}
            ).scalar_one()
        )


def role_of(engine: sa.Engine, username: str) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                sa.text("SELECT role FROM users WHERE username = :u"), {"u": username}
            ).scalar_one()
        )


def second_admin(engine: sa.Engine) -> None:
    create_user(
        engine,
        operator_viewer("test"),
        username="backup",
        role=Role.ADMIN,
        password=STRONG,
        display_name="Backup Administrator",
    )


def form(at, **values: str):
    """Fill the add-account form's text fields (by label)."""
    for label, value in values.items():
        next(t for t in at.text_input if t.label == label).input(value)
    return at


def test_the_accounts_are_listed_in_plain_words(open_app):
    at = open_app("admin", "admin_users")
    table = at.dataframe[0].value
    assert list(table.columns) == HEADINGS
    assert set(table["Name"]) == {
        "Demo Administrator",
        "Demo Client",
        "Demo Clinician",
        "Demo Director",
    }
    assert set(table["Role"]) == {"Administrator", "Client", "Clinician", "Director"}
    assert set(table["Status"]) == {"Active"}
    cells = table.astype(str)
    assert not cells.isin(["None", "nan", "NaT"]).any().any()
    assert cells["Last sign-in"].str.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d)?").all()


def test_the_last_active_administrator_cannot_disable_themself(open_app, app_db):
    at = choose(open_app("admin", "admin_users"), "admin")
    click(at, "Disable this account")
    assert [e.value for e in at.error] == [LAST_ADMIN]
    assert not at.main.warning  # no confirmation asked for a change that cannot be made
    assert active(app_db, "admin")


def test_disabling_ones_own_account_asks_first_and_cancel_changes_nothing(open_app, app_db):
    second_admin(app_db)
    at = choose(open_app("admin", "admin_users"), "admin")
    click(at, "Disable this account")
    assert [w.value for w in at.main.warning] == [
        "This is your own account: disabling it signs you out, and only another "
        "administrator can enable it again. Are you sure?"
    ]
    assert active(app_db, "admin")
    click(at, "Cancel")
    assert [i.value for i in at.main.info] == ["Nothing was changed."]
    assert active(app_db, "admin")
    assert audit_rows(app_db, "disable-user") == []


def test_an_administrator_who_confirms_disables_their_own_account_and_is_signed_out(
    open_app, app_db
):
    second_admin(app_db)
    at = choose(open_app("admin", "admin_users"), "admin")
    click(at, "Disable this account")
    click(at, "Yes, disable my own account")
    assert not active(app_db, "admin")
    assert "You are signed out." in [m.value for m in at.markdown]  # and nothing else
    assert not at.dataframe
    assert [tuple(r) for r in audit_rows(app_db, "disable-user")] == [
        ("admin", "disable-user", "admin", "ok")
    ]


def test_another_account_is_disabled_at_once_and_enabled_again(open_app, app_db):
    at = choose(open_app("admin", "admin_users"), "clinician")
    click(at, "Disable this account")
    assert not at.main.warning
    assert [s.value for s in at.success] == [
        "Account clinician disabled: it can no longer sign in."
    ]
    table = at.dataframe[0].value.set_index("Username")
    assert table.loc["clinician", "Status"] == "Disabled"
    click(at, "Enable this account")
    assert active(app_db, "clinician")


def test_the_last_administrator_keeps_the_role(open_app, app_db):
    at = choose(open_app("admin", "admin_users"), "admin")
    at.selectbox(key="role_admin").set_value(Role.DIRECTOR).run()
    click(at, "Save role and sites")
    assert [e.value for e in at.error] == [
        "Not changed: admin is the last active administrator: making it a director would "
        "leave no one to manage accounts in the app. Add or enable another administrator "
        "first."
    ]


def test_a_clinician_is_added_only_with_a_site_and_the_form_keeps_what_was_typed(open_app):
    typed = {"New username": "nurse", "Name shown to others": "Rowan Ash"}
    at = form(open_app("admin", "admin_users"), **typed, **{"Initial password": STRONG})
    click(at, "Add account")
    assert [e.value for e in at.error] == [
        "The account was not added: a clinician account needs at least one site (a clinician "
        "sees their sites' clients)"
    ]
    assert next(t for t in at.text_input if t.label == "New username").value == "nurse"
    at.multiselect[0].set_value(["Hillcrest"])
    click(at, "Add account")
    assert [s.value for s in at.success] == ["Account nurse added."]
    table = at.dataframe[0].value.set_index("Username")
    assert tuple(table.loc["nurse", ["Name", "Role", "Sites"]]) == (
        "Rowan Ash",
        "Clinician",
        "Hillcrest",
    )
    assert next(t for t in at.text_input if t.label == "New username").value == ""


def test_the_password_policy_applies_on_the_page_to_new_and_reset_passwords(open_app, app_db):
    at = open_app("admin", "admin_users")
    password = next(t for t in at.text_input if t.label == "Initial password")
    assert password.help.startswith("At least 12 characters, and hard to guess")
    at.multiselect[0].set_value(["Hillcrest"])
    form(at, **{"New username": "nurse", "Initial password": "password1234"})
    click(at, "Add account")
    assert at.error[0].value.startswith(
        "The account was not added: This password is too easy to guess."
    )
    choose(at, "director")
    at.text_input(key="new_password_director").input("short").run()
    click(at, "Reset password")
    assert [e.value for e in at.error] == [
        "Not changed: A password needs at least 12 characters (this one has 5)."
    ]
    assert audit_rows(app_db, "reset-password") == []
    assert audit_rows(app_db, "create-user")[-1].resource_id == "client"  # the demo's last


def test_an_administrator_changes_their_own_role_only_once_confirmed(open_app, app_db):
    second_admin(app_db)
    at = choose(open_app("admin", "admin_users"), "admin")
    at.selectbox(key="role_admin").set_value(Role.DIRECTOR)
    at.multiselect(key="sites_admin").set_value(["Hillcrest"]).run()
    click(at, "Save role and sites")
    assert [w.value for w in at.main.warning] == [
        "This is your own account: as a director you lose an administrator's pages, this one "
        "too. Are you sure?"
    ]
    assert role_of(app_db, "admin") == "admin"
    click(at, "Yes, change my own role")
    assert role_of(app_db, "admin") == "director"
    assert not at.exception
    assert at.title[0].value == "Program overview"  # a director's page, at once
