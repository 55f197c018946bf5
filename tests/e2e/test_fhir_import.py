"""An administrator uploads the issue's FHIR Bundle on the Imports page, in the real browser:
every response accepted, and the page says what recognised the measures."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, SHOTS, sign_in, wait_idle
from tests.importers.test_fhir_real_world import AHRQ

pytestmark = pytest.mark.browser


def test_the_issues_bundle_uploaded_on_the_imports_page(open_own_page):
    from playwright.sync_api import expect

    page = open_own_page("/", width=1280)
    sign_in(page, "admin")
    main = page.get_by_role("main")
    wait_idle(page)
    page.get_by_role("navigation").get_by_role("link", name="Imports").click()
    expect(main.get_by_role("heading", name="Imports", level=1)).to_be_visible()
    wait_idle(page)
    main.get_by_text("Import files").click()
    main.locator("input[type=file]").first.set_input_files(str(AHRQ))
    expect(main.get_by_test_id("stFileChipName").first).to_be_visible()
    expect(main.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)
    wait_idle(page)  # the upload reruns the page: a box ticked meanwhile can be redrawn blank
    register = main.get_by_role("checkbox", name="Register new clients", exact=False).first
    main.get_by_text("Register new clients", exact=False).first.click()  # its 18 patients
    expect(register).to_be_checked()
    wait_idle(page)
    main.get_by_role("button", name="Import").click()
    expect(main.get_by_text("measures recognised by: 45 item definitions")).to_be_visible()
    wait_idle(page)
    expect(
        main.get_by_text(
            "64 entries read = 45 accepted + 0 duplicates + 0 rejected + 19 not administrations"
        )
    ).to_be_visible()
    # the demo program names no patient identifier system: the page says how to set one
    expect(
        main.get_by_text("FHIR clients are named by their Patient's resource id.")
    ).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "fhir-import-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    wait_idle(page)
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()  # the menu closed
    page.wait_for_timeout(500)  # its slide ends
    page.screenshot(path=str(SHOTS / "fhir-import-390.png"), full_page=True)
