"""The figure builders, checked on the Plotly figures they return for demo clients."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest

from dashboard import clock
from dashboard.figures import (
    attendance_figure,
    item_heatmap,
    trajectory_figure,
    weekly_attendance,
)
from dashboard.figures.overlays import care_label
from dashboard.figures.weeks import episode_weeks
from dashboard.review.record import ClientRecord, load_client_record
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
DEMO_CLIENT = "C0215"  # no safety flags; PHQ-9, GAD-7, WHO-5, PACS and daily ratings
FLAGGED = "C0230"  # two PHQ-9 item 9 endorsements, neither acknowledged
MISSING_ITEM = "C0149"  # one PHQ-9 with item 4 unanswered (prorated)


@pytest.fixture(scope="module")
def records(demo_engine) -> dict[str, ClientRecord]:
    viewer = viewer_of(demo_engine, "clinician")
    with read(demo_engine) as connection:
        return {
            client: load_client_record(
                connection, viewer, client, catalog=CATALOG, as_of=clock.today()
            )
            for client in (DEMO_CLIENT, FLAGGED, MISSING_ITEM)
        }


def shapes(fig: go.Figure, prefix: str) -> list:
    return [s for s in fig.layout.shapes if (s.name or "").startswith(prefix)]


def annotations(fig: go.Figure, prefix: str) -> list:
    return [a for a in fig.layout.annotations if (a.name or "").startswith(prefix)]


def trace(fig: go.Figure, name: str):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def phq9(record: ClientRecord) -> pl.DataFrame:
    return record.scores.filter(pl.col("measure") == "phq9").sort("administered_at")


def test_phq9_bands_are_shaded_and_labelled_in_order(records):
    fig = trajectory_figure(records[DEMO_CLIENT], "phq9", catalog=CATALOG)
    labels = ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"]
    rects = shapes(fig, "band: ")
    assert [s.name for s in rects] == [f"band: {label}" for label in labels]
    assert [a.text for a in annotations(fig, "band: ")] == labels
    assert rects[0].y0 == 0
    assert rects[-1].y1 == 27
    assert [s.y1 for s in rects[:-1]] == [4.5, 9.5, 14.5, 19.5]
    assert len({s.fillcolor for s in rects}) == len(labels)


def test_no_bands_are_invented_where_none_are_published(records):
    for measure in ("craving_nrs", "pacs"):
        fig = trajectory_figure(records[DEMO_CLIENT], measure, catalog=CATALOG)
        assert shapes(fig, "band: ") == []
        assert annotations(fig, "band: ") == []


def test_caseness_line_sits_at_the_cutoff_with_its_rule_in_words(records):
    phq = trajectory_figure(records[DEMO_CLIENT], "phq9", catalog=CATALOG)
    who = trajectory_figure(records[DEMO_CLIENT], "who5", catalog=CATALOG)
    (line,) = shapes(phq, "cut-off")
    assert (line.y0, line.y1, line.line.dash) == (10, 10, "dash")
    assert annotations(phq, "cut-off")[0].text == "Clinical cut-off: 10 or more"
    (line,) = shapes(who, "cut-off")
    assert (line.y0, line.y1) == (50, 50)
    assert annotations(who, "cut-off")[0].text == "Clinical cut-off: 50 or less"
    craving = trajectory_figure(records[DEMO_CLIENT], "craving_nrs", catalog=CATALOG)
    assert shapes(craving, "cut-off") == []


def test_reliable_change_band_is_baseline_plus_minus_the_threshold(records):
    record = records[DEMO_CLIENT]
    baseline = phq9(record)["score"][0]
    fig = trajectory_figure(record, "phq9", catalog=CATALOG)
    (band,) = shapes(fig, "reliable change")
    assert (band.y0, band.y1) == (max(0, baseline - 6), min(27, baseline + 6))
    assert annotations(fig, "reliable change")[0].text == (
        "within reliable change of the first score (±6)"
    )
    pacs = trajectory_figure(record, "pacs", catalog=CATALOG)
    assert shapes(pacs, "reliable change") == []


def test_safety_markers_appear_exactly_at_endorsed_administrations(records):
    record = records[FLAGGED]
    endorsed = phq9(record).filter(pl.col("item_9") > 0)
    assert endorsed.height >= 1
    fig = trajectory_figure(record, "phq9", catalog=CATALOG)
    markers = trace(fig, "safety item endorsed")
    assert list(markers.x) == endorsed["week"].to_list()
    assert list(markers.y) == endorsed["score"].to_list()
    assert markers.marker.symbol == "triangle-up"
    value = endorsed["item_9"][0]
    anchor = CATALOG["phq9"].item("item_9").option_label(value)
    assert f"PHQ-9 item 9 answered {value} ({anchor}): no follow-up yet" in markers.text[0]
    clean = trajectory_figure(records[DEMO_CLIENT], "phq9", catalog=CATALOG)
    assert "safety item endorsed" not in [t.name for t in clean.data]


def test_safety_marker_says_how_the_flag_was_followed_up(records):
    record = records[FLAGGED]
    flags = record.flags.with_columns(
        pl.lit(1, pl.UInt32).alias("follow_ups"),
        pl.lit("contacted").alias("action"),
        pl.lit("no_current_risk").alias("outcome"),
        pl.lit("dr_lee").alias("followed_up_by"),
        pl.lit(dt.datetime(2026, 11, 24, 9, 30)).alias("followed_up_at"),
        pl.lit(True).alias("closed"),
    )
    fig = trajectory_figure(dataclasses.replace(record, flags=flags), "phq9", catalog=CATALOG)
    assert all(
        text.endswith(
            "closed: Contacted the client: No current risk found by dr_lee on 24 Nov 2026"
        )
        for text in trace(fig, "safety item endorsed").text
    )


def test_score_line_hover_tells_date_score_band_and_notes(records):
    fig = trajectory_figure(records[MISSING_ITEM], "phq9", catalog=CATALOG)
    line = trace(fig, "PHQ-9 total")
    assert line.mode == "lines+markers"
    assert line.hovertemplate == "%{text}<extra></extra>"
    assert len(line.text) == len(line.x)
    assert any("Band: " in text for text in line.text)
    assert any("prorated: 1 missing item(s)" in text for text in line.text)


def test_axes_are_program_weeks_and_the_score_range(records):
    record = records[DEMO_CLIENT]
    fig = trajectory_figure(record, "phq9", catalog=CATALOG)
    admitted = record.episode["admitted_on"]
    assert fig.layout.xaxis.title.text == f"Program week<br>(from {admitted:%d %b %Y})"
    # each week's number in the middle of its span, a grid line where each week starts
    weeks = range(1, record.program_week + 1)
    assert list(fig.layout.xaxis.tickvals) == [w + 0.5 for w in weeks]
    assert list(fig.layout.xaxis.ticktext) == [str(w) for w in weeks]
    assert list(fig.layout.xaxis.minor.tickvals) == [*weeks, record.program_week + 1]
    low, high = fig.layout.yaxis.range
    assert low < 0 < 27 < high
    assert high - low < 27 * 1.1
    assert fig.layout.title.text == "PHQ-9 total"
    assert fig.layout.title.subtitle.text == "by program week, higher is worse"
    who = trajectory_figure(record, "who5", catalog=CATALOG)
    assert who.layout.title.subtitle.text.endswith("higher is better")


def test_care_level_changes_are_labelled_lines(records):
    fig = trajectory_figure(records[DEMO_CLIENT], "phq9", catalog=CATALOG)
    (line,) = shapes(fig, "care: ")
    assert line.name == "care: Admitted to IOP"
    assert line.x0 == 1.0
    assert care_label("op", "stepped down to outpatient", "iop") == "Stepped down to OP"
    assert care_label("php", "stepped up to partial hospitalization", "iop") == (
        "Stepped up to PHP"
    )
    assert care_label("iop", "readmission", None) == "Readmitted to IOP"


EXPECTED = pl.DataFrame(
    {
        "measure": ["phq9"] * 3 + ["gad7"],
        "week": [1, 2, 3, 1],
        "p10": [10.0, 8.0, 6.0, 5.0],
        "p50": [16.0, 13.0, 11.0, 9.0],
        "p90": [22.0, 20.0, 18.0, 15.0],
        "n_episodes": [37, 30, 24, 40],
        "n_clients": [36, 29, 24, 39],
        "reference_track": ["co_occurring", "co_occurring", "all", "all"],
    }
)
BAND = "clients like this one, middle 80%<br>(all episodes with a score that week, n = 24–37)"


def test_expected_range_is_drawn_mid_week_where_there_is_one(records):
    record = records[DEMO_CLIENT]
    assert "clients like this one, median" not in [
        t.name for t in trajectory_figure(record, "phq9", catalog=CATALOG).data
    ]
    fig = trajectory_figure(dataclasses.replace(record, expected=EXPECTED), "phq9", catalog=CATALOG)
    ribbon = trace(fig, BAND)
    median = trace(fig, "clients like this one, median")
    assert list(ribbon.x) == [1.5, 2.5, 3.5]
    assert list(ribbon.y) == [22.0, 20.0, 18.0]
    assert ribbon.fill == "tonexty"
    assert list(median.y) == [16.0, 13.0, 11.0]
    assert median.line.dash == "dash"


def test_the_expected_range_says_who_is_in_it_and_how_many(records):
    record = dataclasses.replace(records[DEMO_CLIENT], expected=EXPECTED)
    ribbon = trace(trajectory_figure(record, "phq9", catalog=CATALOG), BAND)
    assert ribbon.text[0] == (
        "Week 1: 37 co-occurring-track episodes<br>that started in the same band and have a "
        "score that week<br>middle 80% 10–22, median 16"
    )
    assert ribbon.text[2].startswith("Week 3: 24 episodes (all tracks)<br>that started")


def test_a_client_sees_the_expected_range_in_plain_words(records):
    record = dataclasses.replace(records[DEMO_CLIENT], expected=EXPECTED)
    fig = trajectory_figure(record, "phq9", catalog=CATALOG, for_client=True)
    ribbon = trace(fig, "most people here who started where you did<br>(24 to 36 people)")
    assert ribbon.text[0] == (
        "Week 1: most people here who started<br>where you did (36 people) scored 10–22"
    )
    words = " ".join([*(t.name or "" for t in fig.data), *ribbon.text]).lower()
    for jargon in ("percentile", "median", "episode", "track", "80%", "n ="):
        assert jargon not in words


def test_a_clients_own_chart_leaves_the_teams_reading_aids_to_the_team(records):
    record = dataclasses.replace(records[DEMO_CLIENT], expected=EXPECTED)
    team = trajectory_figure(record, "phq9", catalog=CATALOG)
    assert shapes(team, "reliable change")
    assert shapes(team, "cut-off")
    mine = trajectory_figure(record, "phq9", catalog=CATALOG, for_client=True)
    assert shapes(mine, "reliable change") == shapes(mine, "cut-off") == []
    assert annotations(mine, "reliable change") == annotations(mine, "cut-off") == []
    assert [a.text for a in annotations(mine, "band: ")] == [
        a.text for a in annotations(team, "band: ")
    ]
    words = mine.to_json().lower()
    for jargon in ("within reliable change", "clinical cut-off", "middle 80%"):
        assert jargon not in words


def test_daily_ratings_are_light_points_and_a_seven_day_mean(records):
    record = records[DEMO_CLIENT]
    fig = trajectory_figure(record, "craving_nrs", catalog=CATALOG)
    points, mean = trace(fig, "daily rating"), trace(fig, "7-day average")
    assert points.mode == "markers"
    assert points.opacity < 1
    ratings = record.scores.filter(pl.col("measure") == "craving_nrs").sort("administered_at")
    last = ratings["administered_at"][-1]
    window = ratings.filter(pl.col("administered_at") > last - dt.timedelta(days=7))
    assert mean.y[-1] == pytest.approx(window["score"].mean())


def test_empty_figure_says_there_are_no_scores_yet(records):
    fig = trajectory_figure(records[DEMO_CLIENT], "phq2", catalog=CATALOG)
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == ["No PHQ-2 scores in this episode yet"]
    heat = item_heatmap(records[DEMO_CLIENT], "phq2", catalog=CATALOG)
    assert heat.layout.annotations[0].text == "No PHQ-2 scores in this episode yet"


def test_heatmap_has_a_row_per_item_with_item_one_on_top(records):
    record = records[DEMO_CLIENT]
    fig = item_heatmap(record, "phq9", catalog=CATALOG)
    heat = fig.data[0]
    assert isinstance(heat, go.Heatmap)
    assert len(heat.z) == 9
    assert len(heat.z[0]) == phq9(record).height
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[0].replace("<br>", " ") == "1 Little interest or pleasure"
    assert labels[8].replace("<br>", " ") == "9 Thoughts of death or self-harm (safety item)"
    assert all(len(line) <= 24 for label in labels for line in label.split("<br>"))
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.title.text == "PHQ-9 answers by item"
    assert fig.layout.title.subtitle.text == "which symptoms drive the score"
    ticks = list(fig.layout.xaxis.ticktext)
    assert all(re.fullmatch(r"\d\d \w{3}<br>week \d+", t) for t in ticks)
    # a cell's tooltip gives its column's date and week as the axis writes them
    for column, tick in enumerate(ticks):
        day, week = tick.split("<br>")
        assert heat.customdata[0][column].startswith(f"{day} 2026 · {week}<br>")
    assert [s.name for s in fig.layout.shapes] == ["safety item"]
    assert len(item_heatmap(record, "gad7", catalog=CATALOG).data[0].z) == 7


def test_heatmap_shows_a_dash_for_a_missing_answer(records):
    record = records[MISSING_ITEM]
    rows = phq9(record)
    column = rows["item_4"].to_list().index(None)
    fig = item_heatmap(record, "phq9", catalog=CATALOG)
    heat = fig.data[0]
    assert heat.z[3][column] is None
    assert heat.text[3][column] == "–"
    assert (
        sum(cell == "–" for row in heat.text for cell in row)
        == rows.select(pl.sum_horizontal(pl.col(f"item_{n}").is_null() for n in range(1, 10)))
        .to_series()
        .sum()
    )
    hatched = trace(fig, "not answered")
    assert hatched.fillpattern.shape == "/"
    legend = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert "0 Not at all" in legend
    assert "3 Nearly every day" in legend


def test_attendance_counts_program_days_per_week(records):
    record = records[DEMO_CLIENT]
    weeks = weekly_attendance(record.attendance)
    days = record.attendance["session_on"].n_unique()
    assert weeks["scheduled"].sum() == days
    assert (weeks["attended"] + weeks["missed"] == weeks["scheduled"]).all()
    fig = attendance_figure(record)
    attended, missed = trace(fig, "days attended"), trace(fig, "days missed")
    assert list(missed.y) == weeks["missed"].to_list()
    assert list(attended.y) == weeks["attended"].to_list()
    assert all(t in ("", str(n)) for t, n in zip(attended.text, attended.y, strict=True))
    assert attended.textangle == 0  # never turned on its side
    assert fig.layout.uniformtext.minsize >= 12  # hidden rather than shrunk illegibly
    assert fig.layout.barmode == "stack"
    rate = trace(fig, "share of days attended")
    assert all(re.fullmatch(r"\d+%", t) for t in rate.text)
    assert list(attended.x) == [w + 0.5 for w in weeks["week"]]  # in the middle of its week
    empty = attendance_figure(dataclasses.replace(record, attendance=record.attendance.head(0)))
    assert empty.layout.annotations[0].text == "No attendance recorded in this episode yet"


def test_every_figure_is_plain_white_with_words_and_no_undefined_hover(records):
    record = records[FLAGGED]
    figures = [
        trajectory_figure(record, "phq9", catalog=CATALOG),
        trajectory_figure(record, "craving_nrs", catalog=CATALOG),
        trajectory_figure(record, "phq2", catalog=CATALOG),
        item_heatmap(record, "gad7", catalog=CATALOG),
        attendance_figure(record),
    ]
    for fig in figures:
        assert fig.layout.template == pio.templates["plotly_white"]
        assert fig.layout.title.text
        assert fig.layout.legend.orientation == "h"
        # against the figure's bottom edge: Plotly keeps the tick labels clear of it
        assert (fig.layout.legend.yref, fig.layout.legend.y) == ("container", 0)
        assert fig.layout.legend.yanchor == "bottom"
        assert "undefined" not in fig.to_json()
        for t in fig.data:
            if t.hovertemplate and "%{text}" in t.hovertemplate:
                assert len(t.text) == len(t.x)
        if fig.data and not isinstance(fig.data[0], go.Heatmap):  # its columns say their dates
            assert fig.layout.xaxis.title.text
            assert fig.layout.yaxis.title.text


def _charts(record: ClientRecord) -> list[go.Figure]:
    """Every chart of Client progress drawn on the week axis, as the page draws them."""
    from dashboard.figures.checkins import triggers_figure

    present = set(record.scores["measure"].unique().to_list())
    figures = []
    for instrument in CATALOG.where(lambda d: d.charted):
        if instrument.id not in present:
            continue
        scores = [s.id for s in instrument.subscales] if instrument.primary is None else ["score"]
        figures += [
            trajectory_figure(record, instrument.id, score_id=s, catalog=CATALOG) for s in scores
        ]
    last = record.scores["administered_at"].max()
    notes = pl.DataFrame(  # one check-in with a trigger and what helped
        {
            "submitted_at": [last],
            "triggers": [[{"category": "social", "text": "a party"}]],
            "coping": [[{"action": "called my sponsor", "helped": "yes"}]],
        }
    )
    return [*figures, attendance_figure(record), triggers_figure(record, notes, catalog=CATALOG)]


@pytest.mark.parametrize("client", [DEMO_CLIENT, FLAGGED])
def test_every_chart_of_an_episode_spans_the_same_weeks(records, client):
    record = records[client]
    figures = _charts(record)
    assert len(figures) >= 8
    weeks = episode_weeks(record)
    assert weeks.last == record.program_week  # to the end of the review's week
    for fig in figures:
        axes = [fig.layout[name] for name in fig.layout if name.startswith("xaxis")]
        for axis in axes:
            assert tuple(axis.range) == weeks.range, fig.layout.title.text
    with_expected = dataclasses.replace(record, expected=EXPECTED)  # a range running on
    fig = trajectory_figure(with_expected, "phq9", catalog=CATALOG)
    assert tuple(fig.layout.xaxis.range) == weeks.range


def test_every_tooltip_names_the_day_as_the_axis_does_and_the_week_it_is_drawn_in(records):
    record = dataclasses.replace(records[FLAGGED], expected=EXPECTED)
    day = r"\d\d [A-Z][a-z]{2} \d{4}"
    checked = 0
    for fig in _charts(record):
        labels = dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext, strict=True))
        for t in fig.data:
            hovers = next((h for h in (t.customdata, t.text, t.hovertext) if h is not None), None)
            if t.hoverinfo == "skip" or hovers is None or t.x is None or not len(t.x):
                continue
            for x, hover in zip(t.x, hovers, strict=True):
                found = re.match(rf"({day}) · week (\d+)(?:<br>|$)|Week (\d+)", str(hover))
                assert found, (t.name, hover)
                week = int(found.group(2) or found.group(3))
                assert week == int(x)  # the week whose span the point is drawn in
                assert labels[week + 0.5] == str(week)  # ... and labelled under it
                checked += 1
    assert checked > 50


def test_titles_fit_a_phone_width_chart(records):
    record = records[DEMO_CLIENT]
    figures = [*_charts(record), item_heatmap(record, "phq9", catalog=CATALOG)]
    titles = [fig.layout.title.text for fig in figures]
    assert "BAM-R Protective factors" in titles
    for title in titles:
        assert all(len(line) <= 30 for line in title.split("<br>")), title
    for fig in figures:
        subtitle = fig.layout.title.subtitle.text
        assert all(len(line) <= 44 for line in subtitle.split("<br>")), subtitle
        lines = fig.layout.title.text.count("<br>") + 1
        below = subtitle.count("<br>") + 1 if subtitle else 0
        assert fig.layout.margin.t >= 30 * lines + 20 * below + 28  # room above the plot
