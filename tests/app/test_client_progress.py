"""Client progress: nobody's record until someone picks a client; the pick lives in the
URL (?client=), is audited once per view, and access is decided from the signed-in viewer.
(Back and Forward in a real browser: tests/e2e/test_sessions.py.)"""

from __future__ import annotations

from tests.app.conftest import audit_rows

DEMO_CLIENT = "C0215"  # at Hillcrest, the demo clinician's site
OTHER_SITE_CLIENT = "C0003"  # treated at Riverside
NO_SUCH_CLIENT = "C9999"
REFUSED = "No client with this id in your caseload."


def _record_shown(at) -> bool:
    return bool(at.subheader) or bool(at.dataframe)


def test_opening_client_progress_shows_nobody_and_audits_no_view(open_app, app_db):
    at = open_app("clinician", "client_progress")
    picker = at.selectbox(key="client_picker")
    assert picker.value is None
    assert picker.placeholder == "Choose a client"
    assert not _record_shown(at)
    assert not at.get("download_button")
    assert "client" not in at.query_params
    assert not audit_rows(app_db, "view-client")
    assert not audit_rows(app_db, "export-report")


def test_picking_a_client_puts_them_in_the_url_and_audits_the_view_once(open_app, app_db):
    at = open_app("clinician", "client_progress")
    at.selectbox(key="client_picker").select(DEMO_CLIENT).run()
    assert at.query_params["client"] == DEMO_CLIENT
    assert at.subheader[0].value.endswith(f"({DEMO_CLIENT})")
    at.run()  # a rerun of the same view
    assert [r.resource_id for r in audit_rows(app_db, "view-client")] == [DEMO_CLIENT]
    assert not audit_rows(app_db, "export-report")  # the PDF is drawn only when downloaded


def test_the_url_opens_the_client_it_names(open_app, app_db):
    at = open_app("clinician")
    at.query_params["client"] = DEMO_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert at.selectbox(key="client_picker").value == DEMO_CLIENT
    assert at.subheader[0].value.endswith(f"({DEMO_CLIENT})")
    assert [r.resource_id for r in audit_rows(app_db, "view-client")] == [DEMO_CLIENT]


def test_another_sites_client_gets_the_same_answer_as_an_unknown_id(open_app, app_db):
    answers = []
    for client in (OTHER_SITE_CLIENT, NO_SUCH_CLIENT):
        at = open_app("clinician")
        at.query_params["client"] = client
        at.switch_page("screens/client_progress.py").run()
        answers.append([e.value for e in at.error])
        assert not _record_shown(at)
        assert at.selectbox(key="client_picker").value is None
        assert "client" not in at.query_params
    assert answers == [[REFUSED], [REFUSED]]
    refused = audit_rows(app_db, "view-client-refused")
    assert [r.resource_id for r in refused] == [OTHER_SITE_CLIENT, NO_SUCH_CLIENT]
    assert not audit_rows(app_db, "view-client")


def test_a_client_chosen_on_another_page_opens_and_goes_into_the_url(open_app, app_db):
    at = open_app("clinician")
    at.session_state["client_id"] = DEMO_CLIENT  # what the weekly review hands over
    at.switch_page("screens/client_progress.py").run()
    assert at.query_params["client"] == DEMO_CLIENT
    assert at.subheader[0].value.endswith(f"({DEMO_CLIENT})")
    at.selectbox(key="client_picker").select(None).run()  # cleared: nobody again
    assert "client" not in at.query_params
    assert not _record_shown(at)
