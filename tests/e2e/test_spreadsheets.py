"""Spreadsheets people download in a real browser (issue 15 item 3): the weekly review
agenda and an import's rejected rows as XLSX, read back with openpyxl as a spreadsheet
program would (typed cells, a frozen header row, no formula), each download audited.
Screenshots of the buttons at 1280 px and on a 390 px phone go to SHOTS."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from dashboard.store.engine import make_engine
from tests.e2e.conftest import PHONE, SHOTS, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _audit(database: str, action: str) -> list[tuple[str | None, str]]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return [
                (row.resource_id, row.outcome)
                for row in connection.execute(
                    sa.text(
                        "SELECT resource_id, outcome FROM audit_log WHERE action = :a ORDER BY id"
                    ),
                    {"a": action},
                )
            ]
    finally:
        engine.dispose()


def _download(page: Page, label: str) -> tuple[str, openpyxl.Workbook]:
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as download:
        button.click()
    data = Path(download.value.path()).read_bytes()
    return download.value.suggested_filename, openpyxl.load_workbook(io.BytesIO(data))


def _formulas(sheet) -> list[str]:
    return [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "phone"])
def test_the_weekly_review_agenda_downloads_as_a_spreadsheet_audited_for_each_client(
    open_page, e2e_database, phone
):
    page = open_page("/weekly_review", phone=phone)
    width = PHONE["width"] if phone else 1280
    sign_in(page, "clinician")
    heading = page.get_by_text(re.compile(r"\d+ clients, most urgent first")).inner_text()
    clients = int(re.search(r"([\d,]+) clients", heading).group(1).replace(",", ""))
    before = _audit(e2e_database, "export-review-agenda")
    page.get_by_role("button", name="Download the agenda (XLSX)").scroll_into_view_if_needed()
    wait_idle(page)
    page.screenshot(path=str(SHOTS / f"agenda-xlsx-{width}.png"))
    name, workbook = _download(page, "Download the agenda (XLSX)")
    assert re.fullmatch(r"weekly-review-\d{4}-\d\d-\d\d\.xlsx", name)
    sheet = workbook["Weekly review"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Place", "Id", "Client", "Group", "Why now"]
    assert {"PHQ-9", "Flags", "Step-down readiness", "Decision this week"} <= set(header)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == clients
    assert [r[0] for r in rows] == list(range(1, clients + 1))  # agenda order, numbers
    week = header.index("Program week")
    assert all(isinstance(r[week], int) for r in rows)
    assert sheet.freeze_panes == "C2"
    assert _formulas(sheet) == []
    audited = _audit(e2e_database, "export-review-agenda")[len(before) :]
    assert sorted(c for c, _ in audited) == sorted(r[1] for r in rows)
    assert {outcome for _, outcome in audited} == {"ok"}


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "phone"])
def test_an_imports_rejected_rows_download_as_a_spreadsheet_and_the_download_is_audited(
    open_page, e2e_database, phone
):
    page = open_page("/admin_imports", phone=phone)
    sign_in(page, "admin")
    stated = page.get_by_text(re.compile(r"^\d+ rejected rows?, kept with")).inner_text()
    count = int(stated.split()[0])
    before = _audit(e2e_database, "export-quarantine")
    page.get_by_role(
        "button", name="Download the rejected rows (XLSX)"
    ).scroll_into_view_if_needed()
    wait_idle(page)
    page.screenshot(path=str(SHOTS / f"quarantine-xlsx-{PHONE['width'] if phone else 1280}.png"))
    name, workbook = _download(page, "Download the rejected rows (XLSX)")
    import_id = re.fullmatch(r"import-(\d+)-rejected-rows\.xlsx", name).group(1)
    sheet = workbook["Rejected rows"]
    assert [c.value for c in sheet[1]] == ["Row", "Why it was rejected", "As it was in the file"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == count
    assert all(isinstance(r[0], int) and r[1] for r in rows)
    assert sheet.freeze_panes == "A2"
    assert _formulas(sheet) == []
    assert _audit(e2e_database, "export-quarantine")[len(before) :] == [(import_id, "ok")]
