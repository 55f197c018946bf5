"""The program settings file: defaults with reasons, the demo program, clear errors."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from measures.catalog import load_catalog
from measures.config import ConfigError, table_keys
from measures.program import ProgramConfig, defaults_path
from tests.measures.test_catalog import EXAMPLE, SINGLE_ITEM

DEMO = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "demo_program.toml"


def test_the_defaults_file_matches_the_library_defaults():
    loaded = ProgramConfig.from_toml(None)
    built = ProgramConfig()
    assert loaded.readiness == dataclasses.replace(
        built.readiness, policy_source="program_defaults.toml"
    )
    assert loaded.expected_response == built.expected_response
    assert loaded.schedule == built.schedule


def test_every_key_is_in_the_defaults_file_with_a_comment():
    text = defaults_path().read_text()
    config = ProgramConfig()
    tables: dict[str, object] = {
        "readiness": config.readiness,
        "schedule": config.schedule,
        "expected_response": config.expected_response,
    }
    tables |= {
        f"readiness.{k}": getattr(config.readiness, k)
        for k in table_keys(config.readiness)
        if dataclasses.is_dataclass(getattr(config.readiness, k))
    }
    tables |= {f"schedule.{k}": v for k, v in config.schedule.instruments.items()}
    for name, default in tables.items():
        section = text.split(f"[{name}]\n", 1)[1].split("\n[", 1)[0]
        for key in table_keys(default):  # type: ignore[arg-type]
            if dataclasses.is_dataclass(getattr(default, key)):
                continue
            line = re.search(rf"^(# )?{key} =(.*)$", section, re.MULTILINE)
            assert line, f"[{name}] {key} is missing from program_defaults.toml"
            assert "#" in line.group(2), f"[{name}] {key} has no comment giving its reason"
            if getattr(default, key) is None:
                assert line.group(1), f"[{name}] {key} is empty by default: comment it out"
                assert "not set" in line.group(2) or "not used" in line.group(2)


def test_empty_policy_settings_stay_empty_by_default():
    config = ProgramConfig.from_toml(None)
    assert config.readiness.min_weeks.weeks is None
    assert config.readiness.attendance.attendance_min is None
    assert config.readiness.craving.craving_nrs_max is None
    assert config.readiness.self_efficacy.confidence_nrs_min is None
    assert config.schedule.program_days is None
    assert all(s.grace_days == 0 for s in config.schedule.instruments.values())


def test_the_demo_program_sets_its_policy_and_says_it_is_fictional():
    assert "NOT clinical guidance" in DEMO.read_text()
    config = ProgramConfig.from_toml(DEMO)
    assert config.source == DEMO
    assert config.readiness.min_weeks.weeks == 4
    assert config.readiness.attendance.attendance_min == 0.75
    assert config.readiness.craving.craving_nrs_max == 3
    assert config.readiness.self_efficacy.confidence_nrs_min == 7
    assert config.readiness.policy.label == "Program policy (demo_program.toml)"
    assert config.readiness.mood.cutoff is None
    assert config.schedule.instruments["phq9"].every_days == 7


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(text)
    return path


def test_unknown_keys_name_the_key_and_the_file(tmp_path):
    path = write(tmp_path, "[readiness.mood]\ncutof = 8\n")
    with pytest.raises(ConfigError) as error:
        ProgramConfig.from_toml(path)
    assert str(error.value).startswith(f"{path}: [readiness.mood] unknown key 'cutof'")


def test_unknown_sections_wrong_values_and_instruments_are_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown section\(s\) readines"):
        ProgramConfig.from_toml(write(tmp_path, "[readines]\n"))
    with pytest.raises(ConfigError, match="attendance_min should be a number, not the text '75%'"):
        ProgramConfig.from_toml(write(tmp_path, '[readiness.attendance]\nattendance_min = "75%"\n'))
    with pytest.raises(ConfigError, match="no instrument definition for k10"):
        ProgramConfig.from_toml(write(tmp_path, "[schedule.k10]\nevery_days = 7\n"))
    with pytest.raises(ConfigError, match=r"program\.toml: "):
        ProgramConfig.from_toml(write(tmp_path, "[readiness\n"))


def test_a_program_file_changes_only_what_it_names(tmp_path):
    path = write(tmp_path, "[readiness.anxiety]\ncutoff = 8\n[schedule.who5]\nevery_days = 28\n")
    config = ProgramConfig.from_toml(path)
    assert config.readiness.anxiety.cutoff == 8
    assert config.readiness.anxiety.window_days is None
    assert config.readiness.mood.cutoff is None
    assert config.schedule.instruments["who5"].every_days == 28
    assert config.schedule.instruments["who5"].min_interval_days == 14


def test_every_catalog_instrument_is_scheduled_and_the_phq2_is_off():
    config = ProgramConfig.from_toml(None)
    assert set(config.schedule.instruments) == set(load_catalog().ids)
    assert not config.schedule.instruments["phq2"].enabled
    assert "the PHQ-9 is asked weekly" in defaults_path().read_text()


def test_a_programs_own_instrument_is_due_daily_if_a_daily_rating_else_at_admission(tmp_path):
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "example.toml").write_text(EXAMPLE)
    (folder / "rating.toml").write_text(SINGLE_ITEM)
    catalog = load_catalog(folder)
    schedule = ProgramConfig.from_toml(None, catalog=catalog).schedule.instruments
    assert schedule["example_scale"].cadence == "at admission"
    assert schedule["example_scale"].at_admission
    assert schedule["example_rating"].cadence == "every program day"
    program = write(tmp_path, "[schedule.example_rating]\ngrace_days = 1\n")
    changed = ProgramConfig.from_toml(program, catalog=catalog).schedule.instruments
    assert changed["example_rating"].cadence == "every program day"  # from its default
    assert changed["example_rating"].grace_days == 1
