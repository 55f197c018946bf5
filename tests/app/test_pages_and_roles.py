"""Every page opens for its role, and no role reaches another's data through any door."""

from __future__ import annotations

import re

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard import clock
from dashboard.app.pages import PAGES as PAGE_TABLE
from dashboard.app.pages import pages_of
from dashboard.auth.viewer import ACCOUNT_ROLES, Role, operator_viewer
from dashboard.review.priorities import PRIORITIES
from tests.app.conftest import MAIN, audit_rows, sign_in_as

SCREENS = MAIN.parent / "screens"

OTHER_SITE_CLIENT = "C0003"  # treated at Riverside; the demo clinician works at Hillcrest
DEMO_CLIENT = "C0215"

PAGES = {
    "clinician": {"weekly_review": "Weekly review", "client_progress": "Client progress"},
    "director": {"program_overview": "Program overview", "cohorts": "Cohorts"},
    "admin": {
        "admin_users": "Users",
        "admin_imports": "Imports",
        "admin_audit": "Audit log",
        "admin_notifications": "Notifications",
    },
    "client": {"check_in": None, "my_progress": None, "my_plan": None},
}


def test_the_readme_role_table_lists_the_pages_each_role_gets():
    readme = (MAIN.parents[2] / "README.md").read_text()
    section = readme.split("## The app: who sees what", 1)[1].split("\n## ", 1)[0]
    header, *rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ")
    ]
    column = header.index("pages")
    listed = {
        row[0]: [re.sub(r"\(.*?\)", "", page).strip() for page in row[column].split(",")]
        for row in rows
    }
    assert listed == {role.value: [p.title for p in pages_of(role)] for role in ACCOUNT_ROLES}


def test_every_page_has_its_screen_and_each_role_its_pages_of_today():
    assert {p.name for p in PAGE_TABLE} == {path.stem for path in SCREENS.glob("*.py")}
    assert {role.value: [p.name for p in pages_of(role)] for role in ACCOUNT_ROLES} == {
        username: list(pages) for username, pages in PAGES.items()
    }
    assert pages_of(Role.OPERATOR) == ()  # the command line never signs in to the app


@pytest.mark.parametrize(
    ("username", "page"), [(u, p) for u, pages in PAGES.items() for p in pages]
)
def test_every_page_of_every_role_opens_without_error(open_app, username, page):
    at = open_app(username, page)
    assert not at.exception, at.exception
    expected = PAGES[username][page]
    if expected:
        assert at.title[0].value == expected


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("client", "weekly_review"),
        ("client", "client_progress"),
        ("client", "admin_audit"),
        ("director", "client_progress"),
        ("admin", "weekly_review"),
        ("clinician", "admin_users"),
    ],
)
def test_a_page_of_another_role_is_not_in_the_navigation(open_app, username, page):
    at = open_app(username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"screens/{page}.py")


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("client", "weekly_review"),
        ("client", "client_progress"),
        ("director", "client_progress"),
        ("admin", "weekly_review"),
        ("clinician", "admin_audit"),
        ("client", "program_overview"),
    ],
)
def test_a_page_opened_directly_by_another_role_refuses_on_its_own(app_db, username, page):
    """Defence in depth: even run directly, a page checks the viewer's role first."""
    at = AppTest.from_file(str(SCREENS / f"{page}.py"), default_timeout=60)
    sign_in_as(at, app_db, username).run()
    assert [e.value for e in at.error] == ["Your account cannot open this page."]
    assert not at.dataframe


def test_the_weekly_review_lists_the_caseload_most_urgent_first(open_app):
    at = open_app("clinician", "weekly_review")
    table = at.dataframe[0].value
    order = table["Group"].tolist()
    ranks = [p.name for p in PRIORITIES]
    assert order == sorted(order, key=ranks.index)
    assert order[0] == "Safety answer to follow up"
    assert table["Why now"][0].startswith("Safety: PHQ-9 item 9")
    assert all("Hillcrest" not in c for c in table.columns)  # sites are filters, not columns
    assert (table["Id"] == DEMO_CLIENT).any()


def test_a_clinician_sees_only_clients_of_their_sites(open_app, app_db):
    at = open_app("clinician", "weekly_review")
    shown = set(at.dataframe[0].value["Id"])
    with app_db.connect() as connection:
        hillcrest = set(
            connection.execute(
                sa.text(
                    "SELECT c.code FROM clients c JOIN episodes e ON e.client_id = c.id "
                    "JOIN sites s ON s.id = e.site_id WHERE s.name = 'Hillcrest'"
                )
            ).scalars()
        )
    assert shown
    assert shown <= hillcrest
    assert OTHER_SITE_CLIENT not in shown


def test_a_clinician_cannot_open_another_sites_client_by_url(open_app, app_db):
    at = open_app("clinician")
    at.query_params["client"] = OTHER_SITE_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert "No client with this id in your caseload." in [e.value for e in at.error]
    assert all(OTHER_SITE_CLIENT not in s.value for s in at.subheader)
    refused = audit_rows(app_db, "view-client-refused")
    assert refused[-1].resource_id == OTHER_SITE_CLIENT


def test_a_clinician_cannot_open_another_sites_client_through_session_state(open_app):
    at = open_app("clinician")
    at.session_state["client_id"] = OTHER_SITE_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert all(OTHER_SITE_CLIENT not in s.value for s in at.subheader)


def test_viewing_a_client_record_is_audited(open_app, app_db):
    at = open_app("clinician")
    at.session_state["client_id"] = DEMO_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert at.subheader[0].value.endswith(f"({DEMO_CLIENT})")
    assert audit_rows(app_db, "view-client")[-1].resource_id == DEMO_CLIENT


def _open_first(at):
    """Open the first client's review, as the page's start button does."""
    next(b for b in at.button if b.label.startswith("Start with the first")).click().run()
    return at


def test_recording_a_decision_is_saved_with_who_and_when_and_audited(open_app, app_db):
    at = _open_first(open_app("clinician", "weekly_review"))
    at.radio(key=next(r.key for r in at.radio if r.label == "Decision")).set_value("discuss_again")
    next(t for t in at.text_area if t.label == "Note").input(
        "Review safety plan with client on Monday."
    )
    next(b for b in at.button if b.label == "Save decision").click().run()
    with app_db.connect() as connection:
        row = connection.execute(
            sa.text("SELECT decision, note, decided_by, decided_at FROM review_decisions")
        ).one()
    assert row.decision == "discuss_again"
    assert row.note == "Review safety plan with client on Monday."
    assert row.decided_by == "clinician"
    assert row.decided_at is not None
    assert audit_rows(app_db, "record-decision")[-1].actor == "clinician"


def _open_flags(engine: sa.Engine, client: str) -> int:

    from dashboard.review.record import load_client_record
    from dashboard.store.engine import read
    from measures import load_catalog
    from tests.conftest import viewer_of

    with read(engine) as connection:
        record = load_client_record(
            connection,
            viewer_of(engine, "clinician"),
            client,
            catalog=load_catalog(),
            as_of=clock.today(),
        )
    return record.flags.filter(~pl.col("closed")).height


def test_closing_a_safety_flag_asks_for_the_follow_up_and_keeps_who_and_when(open_app, app_db):
    at = _open_first(open_app("clinician", "weekly_review"))
    first = at.dataframe[0].value.iloc[0]
    assert first["Group"] == "Safety answer to follow up"
    client = first["Id"]
    before = _open_flags(app_db, client)
    assert not [b for b in at.button if b.label == "Acknowledge"]  # a click closes nothing
    next(b for b in at.button if b.label == "Record follow-up").click().run()
    assert [r.label for r in at.radio][:2] == ["What was done", "Decision"]  # then the outcome
    assert "Note (needed)" in [t.label for t in at.text_area]
    at.radio(key=next(r.key for r in at.radio if r.label == "What was done")).set_value(
        "contacted"
    ).run()
    at.radio(key=next(r.key for r in at.radio if r.label == "Outcome")).set_value(
        "no_current_risk"
    ).run()
    next(b for b in at.button if b.label == "Save follow-up").click().run()
    assert [e.value for e in at.error] == [
        "A note is needed: what was done and what the client said."
    ]
    assert _open_flags(app_db, client) == before  # nothing saved without a note
    note = next(t for t in at.text_area if t.label == "Note (needed)")
    note.input("Called her at 2 pm; no current thoughts of self-harm; plan reviewed.").run()
    next(b for b in at.button if b.label == "Save follow-up").click().run()
    assert "Saved: No current risk found. The flag is closed." in [s.value for s in at.success]
    with app_db.connect() as connection:
        row = connection.execute(
            sa.text("SELECT action, outcome, note, recorded_by, recorded_at FROM safety_follow_ups")
        ).one()
    assert (row.action, row.outcome, row.recorded_by) == (
        "contacted",
        "no_current_risk",
        "clinician",
    )
    assert row.note.startswith("Called her")
    assert row.recorded_at is not None
    assert _open_flags(app_db, client) == before - 1
    assert audit_rows(app_db, "record-follow-up")[-1].actor == "clinician"


def test_the_screener_follow_up_asks_the_screeners_questions(open_app):
    at = _open_first(open_app("clinician", "weekly_review"))
    next(b for b in at.button if b.label == "Record follow-up").click().run()
    action = next(r for r in at.radio if r.label == "What was done")
    action.set_value("screened").run()
    labels = [r.label for r in at.radio]
    assert "Outcome" not in labels  # the screener's risk level is the outcome
    assert "1. Wished to be dead or not to wake up (past month)" in labels
    assert "7. Question 6b: was that within the past 3 months" in labels


def test_the_director_sees_aggregates_only(open_app):
    at = open_app("director")
    table = at.dataframe[0].value
    assert "Episodes" in table.columns
    assert not any(col in table.columns for col in ("Client", "client_id", "display_name"))
    assert not table.astype(str).apply(lambda c: c.str.contains(r"C\d{4}")).any().any()
    assert any("withheld" in c.value.lower() for c in at.caption)


def test_the_admin_reads_the_audit_log(open_app):
    at = open_app("admin", "admin_audit")
    log = at.dataframe[0].value
    assert {"Who", "What", "When"} <= set(log.columns)
    assert (log["What"] == "Imported a file").any()


def test_the_admin_sees_imports_and_their_quarantine(open_app):
    at = open_app("admin", "admin_imports")
    imports = pl.from_pandas(at.dataframe[0].value)
    assert imports.filter(pl.col("Rows").str.contains(r"\d rejected")).height >= 1
    quarantine = at.dataframe[1].value
    assert list(quarantine.columns) == ["Row", "Why it was rejected", "As it was in the file"]


def test_a_cached_agenda_is_never_served_to_a_viewer_of_another_scope(open_app, app_db):
    from dashboard.auth.accounts import create_user

    create_user(
        app_db,
        operator_viewer("test"),
        username="riverside",
        role=Role.CLINICIAN,
        password="quiet harbour pencil 27",
        sites=["Riverside"],
    )
    hillcrest = open_app("clinician", "weekly_review").dataframe[0].value["Id"]
    riverside = open_app("riverside", "weekly_review").dataframe[0].value["Id"]
    assert set(hillcrest).isdisjoint(set(riverside))


def test_the_counts_above_the_review_table_name_and_explain_each_group(open_app):
    at = open_app("clinician", "weekly_review")
    table = at.dataframe[0].value
    by_short_name = {p.short_name: p for p in PRIORITIES}
    counts = [
        (m.value.split(" ", 1), m.proto.help)
        for m in at.markdown
        if m.value.startswith("**") and m.value.split(" ", 1)[-1] in by_short_name
    ]
    shown = [label for (_, label), _ in counts]
    assert shown == [p.short_name for p in PRIORITIES if p.name in set(table["Group"])]
    for (number, label), help_text in counts:
        priority = by_short_name[label]
        assert help_text.startswith(priority.explanation)
        assert int(number.strip("*")) == (table["Group"] == priority.name).sum()
