"""Client progress and My progress: what the readiness tab and the expected range say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from measures.change import RESPONSE_TITLE
from tests.app.conftest import DEMO_PROGRAM

DEMO_CLIENT = "C0215"


@pytest.fixture
def without_attendance_minimum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo program's file with its attendance minimum left out."""
    text = DEMO_PROGRAM.read_text(encoding="utf-8")
    program = tmp_path / "program.toml"
    program.write_text(re.sub(r"(?m)^attendance_min = .*$", "", text), encoding="utf-8")
    monkeypatch.setenv("IOP_PROGRAM_CONFIG", str(program))
    return program


def _progress(open_app):
    at = open_app("clinician")
    at.session_state["client_id"] = DEMO_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert not at.exception, at.exception
    return at


def test_the_readiness_tab_names_the_program_setting_it_misses(
    app_db, without_attendance_minimum, open_app
):
    at = _progress(open_app)
    texts = [m.value for m in at.markdown]
    attendance = next(t for t in texts if t.startswith("- **Attendance**"))
    assert attendance.startswith(
        "- **Attendance**: Not evaluated: set [readiness.attendance] attendance_min in the "
        "program file. Evidence: attended "
    )
    warnings = [w.value for w in at.warning]
    assert any(
        "Not evaluated until the program sets `[readiness.attendance] attendance_min`" in w
        for w in warnings
    )
    status = next(t for t in texts if t.startswith("**Status: "))
    assert not status.startswith("**Status: ready.**")


def test_the_readiness_tab_shows_phq9_response_and_remission_so_far(open_app):
    at = _progress(open_app)
    line = next(m.value for m in at.markdown if m.value.startswith(f"**{RESPONSE_TITLE}**"))
    assert re.fullmatch(
        rf"\*\*{re.escape(RESPONSE_TITLE)}\*\*: PHQ-9 \d+ at the start, \d+ now "
        r"\(\d+% (lower|higher)\): (no )?response so far \(at least 50% lower\); "
        r"(no )?remission so far \(below 5\)\.",
        line,
    )
    assert any("NCQA HEDIS Depression Remission or Response" in c.value for c in at.caption)


def _legends(at) -> list[str]:
    names = []
    for chart in at.get("plotly_chart"):
        names += [trace.get("name", "") for trace in json.loads(chart.proto.spec)["data"]]
    return names


def test_the_expected_range_names_its_group_and_size_for_the_team(open_app):
    legends = _legends(_progress(open_app))
    bands = [n for n in legends if n.startswith("clients like this one, middle 80%")]
    assert bands
    assert all(
        re.search(r"<br>\(all episodes with a score that week, n = \d+(–\d+)?\)$", n) for n in bands
    ), bands


def test_my_progress_says_how_many_people_the_range_rests_on_in_plain_words(open_app):
    at = open_app("client", "my_progress")
    legends = _legends(at)
    bands = [n for n in legends if n.startswith("most people here who started where you did")]
    assert bands
    assert all(re.search(r"\(\d+( to \d+)? people\)$", n) for n in bands), bands
    said = " ".join(m.value for m in at.markdown)
    assert re.search(r"most people here who started where you did \(\d+ people\) scored", said)
    for jargon in ("percentile", "episode", "median"):
        assert jargon not in " ".join([*legends, said]).lower()
