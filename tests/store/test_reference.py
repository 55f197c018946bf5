"""The program's expected-response ranges: the same whatever the size of the reads."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.program_settings import APP_SECTIONS
from dashboard.review import reference
from dashboard.store.engine import read
from measures import load_catalog
from measures.program import ProgramConfig

PROGRAM = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "demo_program.toml"


def test_ranges_do_not_depend_on_how_many_episodes_are_read_at_once(demo_engine, monkeypatch):
    catalog = load_catalog()
    program = ProgramConfig.from_toml(PROGRAM, catalog=catalog, other_sections=APP_SECTIONS)
    with read(demo_engine) as connection:
        whole = reference.program_reference(connection, catalog, program.expected_response)
        monkeypatch.setattr(reference, "EPISODES_PER_READ", 7)
        batched = reference.program_reference(connection, catalog, program.expected_response)
    assert whole.ranges.height > 0
    for before, after in ((whole.ranges, batched.ranges), (whole.gaps, batched.gaps)):
        columns = before.columns
        assert_frame_equal(before.sort(columns), after.sort(columns))
    assert whole.ranges.filter(pl.col("measure") == "phq9").height > 0
