"""Every chart of Client progress and My progress, drawn by the real app in Chromium at a
desktop width (1280 px) and a phone width (390 px): nothing runs off the screen, every
title is whole, no legend covers the plot, its tick labels or its axis title, and the
charts of an episode share their weeks. The screenshots are saved in SHOTS.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest

from tests.e2e.conftest import SHOTS, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
#: Tall enough to draw a whole tab: the app scrolls inside its main area.
TALL = 2600
DEMO_CLIENT = "Alder Elk (C0215)"  # the demo client: every measure, weeks of data
#: The tabs of Client progress with charts, and the least each draws.
CHART_TABS = {"Charts": 11, "Symptoms": 2, "Attendance": 1, "Check-ins": 1}

#: Each visible Plotly chart as drawn: its title (as laid out and as in the SVG), and the
#: boxes (px, page coordinates) of the figure, the plot area, the title, the legend, the
#: x-axes' tick labels and titles.
_CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(p => p.offsetParent !== null && p._fullLayout)
  .map(p => {
    const box = el => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return r.width || r.height ? {l: r.left, r: r.right, t: r.top, b: r.bottom} : null;
    };
    const full = p._fullLayout, size = full._size;
    const svg = box(p.querySelector('.main-svg'));
    const axes = '.xaxislayer-above text, .g-xtitle text, .g-x2title text';
    const below = [...p.querySelectorAll(axes)];
    return {
      title: full.title.text,
      drawn: [...p.querySelectorAll('.gtitle')].map(t => t.textContent).join(''),
      range: full.xaxis.range,
      svg: svg,
      plot: {l: svg.l + size.l, r: svg.l + size.l + size.w,
             t: svg.t + size.t, b: svg.t + size.t + size.h},
      titleBox: box(p.querySelector('.gtitle')),
      subtitleBox: box(p.querySelector('.gtitle-subtitle')),
      legend: box(p.querySelector('.legend')),
      below: below.map(box).filter(b => b),
    };
  })"""


def _charts(page: Page) -> list[dict[str, Any]]:
    charts: list[dict[str, Any]] = page.evaluate(_CHARTS)
    return charts


def _fits(page: Page, width: int) -> None:
    """No sideways scrolling."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width


def _check(chart: dict[str, Any], width: int) -> None:
    """One chart: inside the screen, its title whole, its legend clear of everything."""
    svg, name = chart["svg"], chart["title"]
    assert svg["l"] >= 0, name
    assert svg["r"] <= width + 0.5, name
    # the whole title is drawn, and inside the figure
    assert chart["drawn"] == re.sub(r"<[^>]+>", "", name), name  # Streamlit adds <b>
    for part in (chart["titleBox"], chart["subtitleBox"]):
        if part is not None:
            assert svg["l"] <= part["l"], name
            assert part["r"] <= svg["r"] + 0.5, name
            assert part["b"] <= chart["plot"]["t"], name
    for label in chart["below"]:  # tick labels and axis titles whole, inside the figure
        assert svg["l"] - 0.5 <= label["l"], (name, label)
        assert label["r"] <= svg["r"] + 0.5, (name, label)
    legend = chart["legend"]
    if legend is None:
        return
    plot = chart["plot"]
    assert legend["t"] >= plot["b"], name  # below the plot area, never over it
    for label in chart["below"]:  # and below the tick labels and the axis title
        assert legend["t"] >= label["b"] - 0.5, (name, label, legend)
    assert legend["b"] <= svg["b"] + 0.5, name


def _tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)
    page.wait_for_timeout(500)  # Plotly lays a chart out once its tab is shown


def _shot(page: Page, name: str, width: int) -> None:
    """A screenshot of the whole page: the window made as tall as the app's main area."""
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": width, "height": max(TALL, int(height) + 100)})
    page.wait_for_timeout(300)
    page.screenshot(path=SHOTS / name)
    page.set_viewport_size({"width": width, "height": TALL})


def _at_width(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": TALL})
    page.wait_for_timeout(1000)  # the charts are drawn again at the new width
    wait_idle(page)


def test_client_progress_charts_fit_tell_and_share_their_weeks_at_both_widths(open_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page("/", width=WIDTHS[0])
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
    wait_idle(page)
    page.get_by_role("link", name="Client progress").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Client progress", level=1)).to_be_visible()
    wait_idle(page)
    choose = main.get_by_role("combobox").first
    choose.click()
    choose.fill(DEMO_CLIENT)
    page.keyboard.press("Enter")
    expect(main.get_by_role("heading", name=DEMO_CLIENT)).to_be_visible()
    wait_idle(page)
    for width in WIDTHS:
        _at_width(page, width)
        ranges = []
        for tab, least in CHART_TABS.items():
            _tab(page, tab)
            charts = _charts(page)
            assert len(charts) >= least, (tab, width, [c["title"] for c in charts])
            for chart in charts:
                _check(chart, width)
            if tab != "Symptoms":  # a heat map's columns are its answers, not weeks
                ranges += [tuple(c["range"]) for c in charts]
            _fits(page, width)
            _shot(page, f"client-progress-{tab.lower()}-{width}.png", width)
        assert len(set(ranges)) == 1, ranges  # one span of weeks on every chart
        _tab(page, "Readiness")
        main.get_by_text("Sources", exact=True).click()  # the full references
        expect(main.get_by_text("Kroenke K, Spitzer RL", exact=False)).to_be_visible()
        wait_idle(page)
        _fits(page, width)
        _shot(page, f"client-progress-readiness-{width}.png", width)
        main.get_by_text("Sources", exact=True).click()


def test_my_progress_charts_fit_and_tell_at_both_widths(open_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page("/", width=WIDTHS[0])
    sign_in(page, "client")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    wait_idle(page)
    page.get_by_role("link", name="My progress").click()
    expect(main.get_by_role("heading", name="My progress", level=1)).to_be_visible()
    wait_idle(page)
    for width in WIDTHS:
        _at_width(page, width)
        charts = _charts(page)
        assert len(charts) >= 9  # a chart per measure with a total, and attendance
        for chart in charts:
            _check(chart, width)
        assert len({tuple(c["range"]) for c in charts}) == 1
        _fits(page, width)
        _shot(page, f"my-progress-{width}.png", width)
