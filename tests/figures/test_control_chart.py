"""The quarterly control chart shows the shares, the limits and the signals."""

from __future__ import annotations

import polars as pl

from dashboard.cohorts.statistics import p_chart
from dashboard.figures.control_chart import control_chart_figure


def _chart(events: list[int], n: list[int]):
    blocks = [f"2026 Q{i + 1}" for i in range(len(events))]
    frame = pl.DataFrame({"block": blocks, "events": events, "n": n})
    return p_chart(frame, subgroup="block", events="events", total="n")


def test_a_quarter_beyond_its_limits_is_a_labelled_signal_and_an_empty_one_has_no_point():
    figure = control_chart_figure(_chart([20, 22, 0, 45], [50, 50, 0, 50]), title="Completed")
    traces = {trace.name: trace for trace in figure.data}
    centre = 87 / 150 * 100
    assert f"centre line ({centre:.0f}%)" in traces
    share = traces["share"]
    assert list(share.y) == [40.0, 44.0, None, 90.0]
    assert share.hovertext[2] == "2026 Q3: no episodes"
    assert [(a.x, a.text) for a in figure.layout.annotations] == [("2026 Q3", "no episodes")]
    assert share.hovertext[3] == "2026 Q4: 45 of 50 (90%)"
    assert list(traces["signal"].x) == ["2026 Q4"]
    assert list(traces["signal"].text) == ["signal"]
    upper = traces["control limits"].y
    assert upper[0] < 100
    assert upper[2] is None


def test_no_episodes_at_all_is_said_instead_of_an_empty_chart():
    figure = control_chart_figure(_chart([0], [0]), title="Completed")
    assert figure.data == ()
    assert figure.layout.annotations[0].text == "no episodes in any subgroup"
