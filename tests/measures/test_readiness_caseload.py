"""Readiness over the whole caseload as polars expressions gives today's per-client results.

The per-client engine of main 40de92a is kept in ``tests/measures/reference`` as the
oracle: on hypothesis-made caseloads and program settings, every client's status, reason
and every criterion's verdict, value, note, sources and settings are the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measures import load_catalog
from measures.readiness import CRITERION_COLUMNS, Readiness, assess_caseload
from measures.readiness_config import (
    Attendance,
    BamComposite,
    Craving,
    MinWeeks,
    ReadinessConfig,
    Safety,
    SelfEfficacy,
    Symptoms,
)
from tests.measures.reference import readiness as reference

CATALOG = load_catalog()
AS_OF = dt.date(2026, 11, 20)
TRACKS = ("substance_use", "mental_health", "co_occurring")
#: Instruments with safety items: an administration is a flag, or unknown where
#: ``critical`` is null.
SAFETY_MEASURES = ("phq9", "cssrs_screen")
#: Measures the criteria may read (the program chooses mood's and anxiety's).
MEASURES = (
    "phq9",
    "phq8",
    "who5",
    "pcl5",
    "gad7",
    "phq2",
    "pacs",
    "craving_nrs",
    "confidence_nrs",
    "bam_r",
    "cssrs_screen",
)
SCHEMAS = {
    "scored": {
        "client_id": pl.String,
        "measure": pl.String,
        "administered_at": pl.Datetime("us"),
        "score": pl.Float64,
        "critical": pl.Boolean,
        "use": pl.Float64,
        "protective": pl.Float64,
    },
    "episodes": {"client_id": pl.String, "admitted_on": pl.Date, "track": pl.String},
    "attendance": {"client_id": pl.String, "session_on": pl.Date, "attended": pl.Boolean},
    "flags": {
        "client_id": pl.String,
        "administered_at": pl.Datetime("us"),
        "measure": pl.String,
        "kind": pl.String,
    },
    "follow_ups": {
        "client_id": pl.String,
        "measure": pl.String,
        "kind": pl.String,
        "flagged_on": pl.Date,
        "recorded_at": pl.Datetime("us"),
        "closes": pl.Boolean,
        "elevated": pl.Boolean,
    },
}

# scores as instruments give them, and values whose text is hard to write exactly
scores = st.one_of(
    st.integers(0, 27).map(float),
    st.sampled_from([0.15, 0.25, 2.25, 2.35, 9.95, 10.05, 12.5, 14.999, 49.5, 50.0]),
    st.floats(0, 100, allow_nan=False, allow_infinity=False),
)
days_before = st.integers(-3, 60)
maybe_tracks = st.one_of(st.none(), st.lists(st.sampled_from(TRACKS), min_size=1, max_size=3))
windows = st.one_of(st.none(), st.integers(1, 35))


def _tracks(chosen: list[str] | None) -> tuple[str, ...] | None:
    return tuple(dict.fromkeys(chosen)) if chosen else None


@st.composite
def configs(draw: st.DrawFn) -> ReadinessConfig:
    """Program settings: thresholds set or left empty, windows, tracks, criteria off."""
    on = st.booleans() if draw(st.booleans()) else st.just(True)
    mood_measure, mood_window = draw(
        st.sampled_from([("phq9", None), ("phq8", None), ("who5", None), ("pcl5", 14)])
    )
    return ReadinessConfig(
        review_interval_days=draw(st.integers(1, 14)),
        min_weeks=MinWeeks(
            enabled=draw(on),
            weeks=draw(st.one_of(st.none(), st.sampled_from([0.5, 2, 4, 4.5]))),
            tracks=_tracks(draw(maybe_tracks)),
        ),
        mood=Symptoms(
            enabled=draw(on),
            measure=mood_measure,
            cutoff=draw(st.one_of(st.none(), st.sampled_from([8.0, 10.0, 45.0]))),
            reliable_change=draw(st.one_of(st.none(), st.sampled_from([3.0, 6.0]))),
            window_days=draw(windows) or mood_window,
        ),
        anxiety=Symptoms(
            enabled=draw(on),
            measure=draw(st.sampled_from(["gad7", "phq2"])),
            window_days=draw(windows),
            tracks=_tracks(draw(maybe_tracks)),
        ),
        craving=Craving(
            enabled=draw(on),
            pacs_cutoff=draw(st.one_of(st.none(), st.sampled_from([10.0, 15.0]))),
            pacs_window_days=draw(windows),
            craving_nrs_max=draw(st.one_of(st.none(), st.sampled_from([2.5, 3.0, 5.0]))),
            window_days=draw(st.integers(1, 21)),
            trend_points=draw(st.integers(3, 8)),
            tracks=_tracks(draw(maybe_tracks)) or Craving().tracks,
        ),
        self_efficacy=SelfEfficacy(
            enabled=draw(on),
            confidence_nrs_min=draw(st.one_of(st.none(), st.sampled_from([5.0, 7.0, 7.5]))),
            window_days=draw(st.integers(1, 21)),
            trend_points=draw(st.integers(3, 8)),
        ),
        safety=Safety(
            enabled=draw(on),
            window_days=draw(st.sampled_from([14, 1, 7, 21])),
            tracks=_tracks(draw(maybe_tracks)) if draw(st.booleans()) else None,
        ),
        use=BamComposite(
            enabled=draw(on),
            cutoff=draw(st.one_of(st.none(), st.just(2.0))),
            window_days=draw(windows),
        ),
        recovery_environment=BamComposite(
            enabled=draw(on),
            asam_dimension=6,
            score="protective",
            cutoff=draw(st.one_of(st.none(), st.just(10.0))),
            window_days=draw(windows),
        ),
        attendance=Attendance(
            enabled=draw(on),
            attendance_min=draw(st.one_of(st.none(), st.sampled_from([0.5, 0.75, 0.8]))),
            window_days=draw(st.integers(1, 21)),
        ),
        policy_source=draw(st.sampled_from(["program.toml", "demo_program.toml"])),
    )


@st.composite
def series(draw: st.DrawFn, client: str, measure: str) -> list[dict[str, object]]:
    """A client's scores on one measure: mostly recent, drifting from a start value."""
    days = draw(st.lists(st.one_of(st.integers(0, 16), days_before), max_size=12, unique=True))
    rated = measure.endswith("_nrs")
    start = draw(st.integers(0, 10) if rated else st.integers(0, 27))
    step = draw(st.sampled_from([-2, -1, 0, 0, 1]))
    rows = []
    for index, day in enumerate(sorted(days, reverse=True)):
        value = float(min(10, max(0, start + step * index))) if rated else float(start - index)
        if not rated and draw(st.booleans()):
            value = draw(st.one_of(st.none(), scores))
        rows.append(
            {
                "client_id": client,
                "measure": measure,
                # one administration per instant, as the store keeps them
                "administered_at": _at(day, 36000 + index),
                "score": value,
                "critical": draw(st.one_of(st.none(), st.booleans()))
                if measure in SAFETY_MEASURES
                else False,
                "use": draw(st.one_of(st.none(), st.sampled_from([0.0, 0.0, 1.0, 3.0]))),
                "protective": draw(st.one_of(st.none(), st.integers(8, 24).map(float))),
            }
        )
    return rows


def _at(days: int, seconds: int = 36000) -> dt.datetime:
    return dt.datetime.combine(AS_OF - dt.timedelta(days=days), dt.time()) + dt.timedelta(
        seconds=seconds
    )


@st.composite
def caseloads(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    """A few clients with scores, ratings, attendance, safety flags and follow-ups."""
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in SCHEMAS}
    clients = [f"C{n}" for n in range(draw(st.integers(1, 5)))]
    for client in clients:
        rows["episodes"].append(
            {
                "client_id": client,
                "admitted_on": AS_OF - dt.timedelta(days=draw(st.integers(-2, 70))),
                "track": draw(st.sampled_from([None, "co_occurring", *TRACKS, "other"])),
            }
        )
        given = st.lists(st.sampled_from(MEASURES), min_size=1, max_size=8, unique=True)
        for measure in draw(given):
            rows["scored"] += draw(series(client, measure))
        for days in draw(st.lists(days_before, max_size=20)):
            rows["attendance"].append(
                {
                    "client_id": client,
                    "session_on": AS_OF - dt.timedelta(days=days),
                    "attended": draw(st.booleans()),
                }
            )
        for days in draw(st.lists(st.integers(-1, 30), max_size=4)):
            measure = draw(st.sampled_from([*SAFETY_MEASURES, None]))
            kind = draw(st.sampled_from(["endorsed", "unknown"]))
            rows["flags"].append(
                {
                    "client_id": client,
                    "administered_at": _at(days),
                    "measure": measure,
                    "kind": kind,
                }
            )
            for _ in range(draw(st.integers(0, 2))):
                rows["follow_ups"].append(
                    {
                        "client_id": client,
                        "measure": measure,
                        "kind": kind,
                        "flagged_on": AS_OF - dt.timedelta(days=days),
                        "recorded_at": _at(days - draw(st.integers(0, 10)), 50000),
                        "closes": draw(st.booleans()),
                        "elevated": draw(st.booleans()),
                    }
                )
    return {name: pl.DataFrame(rows[name], schema=SCHEMAS[name]) for name in SCHEMAS}


def assert_same(found: dict[str, Readiness] | object, expected: dict[str, Readiness]) -> None:
    """Both engines' readiness, client by client and field by field."""
    assert isinstance(found, dict) or hasattr(found, "statuses")
    assert list(found) == list(expected)  # type: ignore[call-overload]
    for client, wanted in expected.items():
        got = found[client]  # type: ignore[index]
        assert (got.status, got.reason) == (wanted.status, wanted.reason), client
        assert (got.as_of, got.previous_review) == (wanted.as_of, wanted.previous_review)
        assert [c.id for c in got.criteria] == [c.id for c in wanted.criteria], client
        for mine, theirs in zip(got.criteria, wanted.criteria, strict=True):
            for field in fields(theirs):
                assert getattr(mine, field.name) == getattr(theirs, field.name), (
                    f"{client} {theirs.id}.{field.name}"
                )
        assert got == wanted


def both(inputs: dict[str, pl.DataFrame], config: ReadinessConfig, as_of: dt.date = AS_OF):
    arguments = (inputs["scored"], inputs["episodes"], inputs["attendance"], inputs["flags"])
    options = {"follow_ups": inputs["follow_ups"], "as_of": as_of, "config": config}
    found = assess_caseload(*arguments, **options, catalog=CATALOG)
    expected = reference.assess_caseload(*arguments, **options, catalog=CATALOG)
    return found, expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=caseloads(), config=configs())
def test_every_field_of_every_client_is_the_same_as_client_by_client(inputs, config):
    found, expected = both(inputs, config)
    assert_same(found, expected)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=caseloads())
def test_the_same_with_the_default_settings_where_nothing_is_set(inputs):
    found, expected = both(inputs, ReadinessConfig())
    assert_same(found, expected)


def test_the_caseload_frames_hold_what_the_objects_say():
    episodes = pl.DataFrame(
        {"client_id": ["C1", "C2"], "admitted_on": [AS_OF - dt.timedelta(days=30)] * 2},
        schema={"client_id": pl.String, "admitted_on": pl.Date},
    )
    none = {name: pl.DataFrame(schema=schema) for name, schema in SCHEMAS.items()}
    result = assess_caseload(
        none["scored"],
        episodes,
        none["attendance"],
        none["flags"],
        as_of=AS_OF,
        catalog=CATALOG,
    )
    assert result.criteria.columns == list(CRITERION_COLUMNS)
    assert result.criteria.height == 2 * len(result["C1"].criteria)
    assert result.statuses.rows() == [(c, result[c].status, result[c].reason) for c in ("C1", "C2")]
    mood = result.criteria.filter(pl.col("id") == "mood").row(0, named=True)
    assert mood["met"] is None
    assert mood["no_recent_data"] is True
    assert mood["value"] == "no PHQ-9 in the 14 days to 2026-11-20"
