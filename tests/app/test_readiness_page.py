"""Client progress and My progress: what the readiness tab and the expected range say."""

from __future__ import annotations

import html
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


def _unescaped(text: str) -> str:
    """Markdown as it reads: without the backslashes that keep it from being markup."""
    return html.unescape(text.replace("\\", ""))


#: A checklist line: the state in colour, its symbol and word, then the criterion.
LINE = re.compile(
    r"^:(?:green\[\*\*✓ Met|red\[\*\*✗ Not met|orange\[\*\*○ Not evaluated"
    r"|gray\[\*\*– Not applicable)\*\*\] · \*\*"
)


def test_the_readiness_tab_names_the_program_setting_it_misses(
    app_db, without_attendance_minimum, open_app
):
    at = _progress(open_app)
    texts = [_unescaped(m.value) for m in at.markdown]
    attendance = next(t for t in texts if "· **Attendance**" in t)
    assert attendance.startswith(":orange[**○ Not evaluated**] · **Attendance**: attended ")
    assert attendance.endswith(
        "program minimum not set by the program) (set [readiness.attendance] attendance_min "
        "in the program file)"
    )
    warnings = [w.value for w in at.warning]
    assert any(
        "Not evaluated until the program sets `[readiness.attendance] attendance_min`" in w
        for w in warnings
    )
    status = next(t for t in texts if t.startswith("**Status: "))
    assert not status.startswith("**Status: ready.**")


def test_the_readiness_tab_is_a_checklist_with_short_citations_and_sources_at_the_end(
    open_app,
):
    at = _progress(open_app)
    lines = [_unescaped(m.value) for m in at.markdown if LINE.match(_unescaped(m.value))]
    assert len(lines) == 9  # every criterion of the demo program, each a line
    mood = next(line for line in lines if "**Mood (PHQ-9)**" in line)
    assert mood.startswith(":green[**✓ Met**] · **Mood (PHQ-9)**: PHQ-9 ")
    cited = [_unescaped(c.value) for c in at.caption if c.value.startswith("Sources: ")]
    assert (
        "Sources: Kroenke et al. 2001, The PHQ-9; NHS Talking Therapies, PHQ-9 outcomes; "
        "Jacobson & Truax 1991, Clinical significance"
    ) in cited
    assert "Sources: Program policy (demo_program.toml)" in cited
    shown = " ".join([*lines, *cited, *(_unescaped(c.value) for c in at.caption)])
    assert "http" not in shown  # addresses only in the Sources section
    assert "issue" not in shown.lower()
    (sources,) = [e for e in at.expander if e.label == "Sources"]
    listed = _unescaped(sources.markdown[0].value)
    assert listed.count("- **Kroenke et al. 2001, The PHQ-9**: Kroenke K, Spitzer RL") == 1
    assert "<https://studylib.net/doc/25788761/kroenke2001-article-thephq-9>" in listed
    assert "**NCQA HEDIS, Depression Remission or Response (DRR-E)**: NCQA HEDIS" in listed


def test_the_tables_of_client_progress_show_blanks_plain_dates_and_names(app_db, open_app):
    from dashboard.review.actions import record_decision
    from tests.conftest import viewer_of

    record_decision(
        app_db, viewer_of(app_db, "clinician"), episode_id="E0234", decision="continue", note=""
    )
    at = _progress(open_app)
    tables = {tuple(t.value.columns): t.value for t in at.dataframe}
    administrations = next(t for c, t in tables.items() if "Items answered" in c)
    decisions = next(t for c, t in tables.items() if "Decision" in c)
    for table in (administrations, decisions):
        assert not table.isna().to_numpy().any()
        cells = " ".join(str(v) for v in table.to_numpy().ravel())
        assert "None" not in cells
        assert "00:00" not in cells
    assert set(administrations["Band"]) >= {"", "Mild"}  # a daily rating has no band
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", administrations["When"].iloc[-1])
    assert (decisions["By"].tolist(), decisions["Note"].tolist()) == (["Demo Clinician"], [""])


def test_the_readiness_tab_shows_phq9_response_and_remission_so_far(open_app):
    at = _progress(open_app)
    line = next(m.value for m in at.markdown if m.value.startswith(f"**{RESPONSE_TITLE}**"))
    assert re.fullmatch(
        rf"\*\*{re.escape(RESPONSE_TITLE)}\*\*: PHQ-9 \d+ at the start, \d+ now "
        r"\(\d+% (lower|higher)\): (no )?response so far \(at least 50% lower\); "
        r"(no )?remission so far \(below 5\)\.",
        line,
    )
    rule = next(c.value for c in at.caption if c.value.startswith("Response: the latest PHQ-9"))
    assert rule.endswith(
        "Sources: NCQA HEDIS, Depression Remission or Response (DRR-E); MN Community "
        "Measurement, NQF 0710, 1884, 1885."
    )


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
