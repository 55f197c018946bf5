"""The director's cohort page in a real browser: define and save cohorts by track, compare
them with intervals and differences, the definitions beside, withheld figures, the chart;
on a laptop and on a phone."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.conftest import SHOTS, grid_rows_when, sign_in, wait_idle

with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LAPTOP = 1280


def _save(page: Page, name: str, track: str | None) -> None:
    wait_idle(page)
    field = page.get_by_label("Name", exact=True)
    field.fill(name)
    expect(field).to_have_value(name)
    if track is not None:
        tracks = page.get_by_test_id("stMultiSelect").filter(has_text="Tracks (none chosen: all)")
        box = tracks.get_by_role("combobox")
        chosen = tracks.get_by_role("button", name=f"Remove {track}", exact=True)
        for _ in range(3):  # a click on the list while it slides open can miss its option
            box.click()
            box.press_sequentially(track)
            page.get_by_role("option", name=track, exact=True).click()
            page.keyboard.press("Escape")
            with contextlib.suppress(AssertionError):
                expect(chosen).to_be_visible(timeout=5_000)
            if chosen.is_visible():
                break
            box.fill("")
        expect(chosen).to_be_visible()
    save = page.get_by_role("button", name="Save cohort")
    save.click()
    for _ in range(2):
        # The form clears its fields the moment it sends. A click while the section above is
        # still sliding open now and then misses the button (the name stays, nothing runs):
        # only then click again, so a cohort is never saved twice.
        with contextlib.suppress(AssertionError):
            expect(field).to_have_value("", timeout=20_000)
        wait_idle(page)
        if field.input_value() == "":
            break
        print(f"the click on Save cohort for {name!r} did not reach the form: clicked again")
        save.click()
    expect(page.get_by_text(f"Saved “{name}”", exact=False)).to_be_visible(timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize("width", [LAPTOP, 390])
def test_the_director_saves_two_tracks_and_compares_them(open_own_page, width):
    page = open_own_page("/cohorts", width=width)
    sign_in(page, "director")
    expect(page.get_by_role("heading", name="Cohorts", level=1)).to_be_visible()
    define = page.get_by_text("Define a cohort")
    # the first run counts the program and builds every release: slow on a busy machine
    expect(define).to_be_visible(timeout=180_000)
    wait_idle(page)
    define.click()
    _save(page, "All tracks 2026", None)
    _save(page, "Co-occurring 2026", "Co-occurring")
    expect(page.get_by_role("heading", name="Definitions")).to_be_visible()
    expect(
        page.get_by_role("listitem").filter(
            has_text="Co-occurring 2026: Episodes discharged in 2026; track: Co-occurring."
        )
    ).to_be_visible()
    rows = grid_rows_when(page, lambda rows: bool(rows) and "Figure" in rows[0])
    by_figure = {r["Figure"]: r for r in rows}
    assert by_figure["Episodes"]["All tracks 2026"].replace(",", "").isdigit()
    assert by_figure["Episodes"]["Co-occurring 2026"].replace(",", "").isdigit()
    assert any(v == "withheld" for r in rows for v in r.values())
    if width == LAPTOP:  # a phone draws the columns in view only
        difference = "Co-occurring 2026 minus All tracks 2026"
        assert any(" pts (" in r[difference] for r in rows)
    expect(page.get_by_role("heading", name="Beside published rates")).to_be_visible()
    expect(page.get_by_role("button", name="Download the comparison (CSV)")).to_be_visible()
    for kind, magic in (("XLSX", b"PK"), ("PDF", b"%PDF")):
        button = page.get_by_role("button", name=f"Download the report ({kind})")
        expect(button).to_be_visible()
        if width != LAPTOP:
            continue
        with page.expect_download(timeout=180_000) as download:
            button.click()
        name = download.value.suggested_filename
        assert name == f"cohorts-all-tracks-2026-co-occurring-2026.{kind.lower()}"
        with open(download.value.path(), "rb") as file:
            assert file.read(len(magic)) == magic
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"cohorts-{width}.png", full_page=True)
    page.get_by_role("heading", name="Side by side").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"cohorts-table-{width}.png")
    page.get_by_role("heading", name="Beside published rates").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"cohorts-benchmarks-{width}.png")
    expect(
        page.get_by_role("heading", name="Completed or stepped down by quarter: All tracks 2026")
    ).to_be_visible()
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    expect(
        chart.get_by_text("signal", exact=False).or_(chart.locator(".scatterlayer"))
    ).to_be_visible()
    page.screenshot(path=SHOTS / f"cohorts-chart-{width}.png")
    page.get_by_role("button", name="Download the report (PDF)").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"cohorts-downloads-{width}.png")
