"""The audit log and the notifications in plain words: people by name, actions as
phrases, details without JSON, dates to the minute."""

from __future__ import annotations

import re

from dashboard.auth.accounts import create_user
from dashboard.auth.viewer import Role
from tests.conftest import viewer_of

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def test_the_audit_log_reads_as_sentences(open_app, app_db):
    create_user(
        app_db,
        viewer_of(app_db, "admin"),
        username="nurse",
        role=Role.CLINICIAN,
        password="quiet harbour pencil 27",
        sites=["Hillcrest"],
    )
    at = open_app("admin", "admin_audit")
    log = at.dataframe[0].value
    assert list(log.columns) == ["When", "Who", "What", "Record", "Outcome", "Details"]
    added = log[log["What"] == "Added an account"].iloc[0]
    assert tuple(added[["Who", "Record", "Outcome", "Details"]]) == (
        "Demo Administrator",
        "account nurse",
        "Done",
        "role: clinician",
    )
    assert re.fullmatch(WHEN, added["When"])
    imported = log[log["What"] == "Imported a file"].iloc[0]
    assert imported["Who"] == "demo"  # the demo builder: not an account, shown as itself
    assert re.fullmatch(r"accepted: [\d,]+; file: attendance\.csv; .*", imported["Details"])
    assert "accepted: 7,809" in imported["Details"]  # numbers as people write them
    cells = log.astype(str)
    assert not cells.apply(lambda c: c.str.contains(r"[{}\"]|^None$|^nan$")).any().any()
    what = at.selectbox[0]
    assert what.label == "What"
    assert what.format_func(what.options[0]) == "Everything"
    at.selectbox[0].set_value("create-user").run()
    assert set(at.dataframe[0].value["What"]) == {"Added an account"}


def test_the_notifications_show_dates_to_the_minute_and_blanks(open_app, app_db, tmp_path):
    from dashboard.checkin.safety import record_safety_answer
    from dashboard.program_settings import AppSettings
    from measures import load_catalog
    from tests.support.ports import free_port
    from tests.support.receivers import on_call_program

    program = tmp_path / "program.toml"
    program.write_text(
        on_call_program(
            "", site="Hillcrest", email=["oncall@example.org"], webhooks=[], smtp_port=free_port()
        )
    )
    record_safety_answer(
        app_db,
        viewer_of(app_db, "client"),
        measure="phq9",
        item="item_9",
        value=2,
        catalog=load_catalog(),
        settings=AppSettings.from_toml(program),
    )
    at = open_app("admin", "admin_notifications")
    table = at.main.dataframe[-1].value
    row = table.iloc[0]
    assert re.fullmatch(WHEN, row["Queued"])
    assert row["Status"] == "Waiting to be sent"
    assert row["Channel"] == "E-mail"
    assert row["Sent"] == ""
    assert not table.astype(str).isin(["None", "nan", "NaT"]).any().any()
