"""Client progress in a real browser: nobody is shown until someone picks a client; the
pick is in the URL, so Back and Forward go from client to client as a browser user
expects; the PDF report is drawn and audited once per download, with its client."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
import sqlalchemy as sa

from dashboard.store.engine import make_engine
from tests.e2e.conftest import SHOTS, pick_client, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FIRST, SECOND = "Alder Elk (C0215)", "Pine Muskrat (C0212)"


def _audit(database: str, action: str) -> list[str]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text("SELECT resource_id FROM audit_log WHERE action = :a ORDER BY id"),
                    {"a": action},
                ).scalars()
            )
    finally:
        engine.dispose()


def _shows(page: Page, client: str | None) -> None:
    """The record of ``client`` (or nobody's) is on the page, and the URL says so."""
    main = page.get_by_role("main")
    if client is None:
        expect(page).to_have_url(re.compile(r"/client_progress$"))
        expect(main.get_by_text("Choose a client to open their record.")).to_be_visible()
        expect(main.get_by_role("heading", level=3)).to_have_count(0)
    else:
        code = client[-6:-1]
        expect(page).to_have_url(re.compile(rf"/client_progress\?client={code}$"))
        expect(main.get_by_role("heading", name=client, level=3)).to_be_visible()
    wait_idle(page)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_back_and_forward_go_from_client_to_client(open_page, e2e_database, size):
    page = (
        open_page("/client_progress", phone=True)
        if size == "phone"
        else open_page("/client_progress", width=1280)
    )
    sign_in(page, "clinician")
    before = len(_audit(e2e_database, "view-client"))
    _shows(page, None)
    assert len(_audit(e2e_database, "view-client")) == before  # opening it shows nobody
    pick_client(page, FIRST)
    _shows(page, FIRST)
    pick_client(page, SECOND)
    _shows(page, SECOND)
    page.go_back()
    _shows(page, FIRST)
    page.go_back()
    _shows(page, None)
    page.go_forward()
    _shows(page, FIRST)
    page.go_forward()
    _shows(page, SECOND)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"client-progress-forward-{size}.png", full_page=True)
    # each client shown was audited as it was shown, and nobody else
    assert _audit(e2e_database, "view-client")[before:] == [
        "C0215",
        "C0212",
        "C0215",
        "C0215",
        "C0212",
    ]


def test_each_download_of_the_pdf_report_is_audited_once_with_its_client(open_page, e2e_database):
    page = open_page("/client_progress?client=C0212", width=1280)
    sign_in(page, "clinician")
    _shows(page, SECOND)
    before = _audit(e2e_database, "export-report")
    for downloads in (1, 2):
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="Download the PDF report").click()
        assert download.value.suggested_filename == "report-C0212.pdf"
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(4) == b"%PDF"
        assert _audit(e2e_database, "export-report")[len(before) :] == ["C0212"] * downloads


@pytest.mark.parametrize("width", [1280, 390])
def test_the_fhir_download_is_a_bundle_of_the_client_audited_once(open_page, e2e_database, width):
    page = open_page("/client_progress?client=C0212", width=width)
    sign_in(page, "clinician")
    _shows(page, SECOND)
    button = page.get_by_role("button", name="Download the scores for the EHR (FHIR)")
    button.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"client-progress-fhir-{width}.png", full_page=False)
    before = _audit(e2e_database, "export-fhir")
    with page.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename == "fhir-C0212.json"
    with open(download.value.path(), encoding="utf-8") as file:
        bundle = json.load(file)
    assert bundle["resourceType"] == "Bundle"
    subjects = {e["resource"]["subject"]["reference"] for e in bundle["entry"][1:]}
    assert subjects == {"Patient/C0212"}
    assert _audit(e2e_database, "export-fhir")[len(before) :] == ["C0212"]
