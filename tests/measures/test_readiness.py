"""Step-down readiness on hand-made episodes: what the treatment team would see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl
import pytest

from measures import Catalog
from measures.config import ConfigError
from measures.readiness import (
    CORE_CRITERIA,
    CriterionResult,
    assess_caseload,
    assess_readiness,
    readiness_status,
)
from measures.readiness_config import ReadinessConfig

ADMITTED = dt.date(2026, 10, 12)  # a Monday
AS_OF = dt.date(2026, 11, 20)  # a Friday; the previous weekly review is 2026-11-13
MONDAYS = [ADMITTED + dt.timedelta(weeks=w) for w in range(6)]  # 10-12 ... 11-16
PROGRAM_DAYS = [
    ADMITTED + dt.timedelta(days=d) for d in range(40) if d % 7 in (0, 2, 4)
]  # Mon/Wed/Fri up to 11-20
POLICY = {
    "min_weeks": {"weeks": 4},
    "attendance": {"attendance_min": 0.75},
    "craving": {"craving_nrs_max": 3},
    "self_efficacy": {"confidence_nrs_min": 7},
}
DEMO_POLICY = ReadinessConfig.from_mapping(POLICY, policy_source="demo_program.toml")
SCHEMA = {
    "measure": pl.String,
    "administered_at": pl.Datetime("us"),
    "score": pl.Float64,
    "critical": pl.Boolean,
    "use": pl.Float64,
    "protective": pl.Float64,
}


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10))


def row(measure: str, day: dt.date, score: float | None = None, **extra: object) -> dict:
    return {
        "measure": measure,
        "administered_at": at(day),
        "score": score,
        "critical": False,
    } | extra


def weekly(measure: str, values: list[float]) -> list[dict]:
    return [row(measure, day, v) for day, v in zip(MONDAYS, values, strict=False)]


def daily(measure: str, value_in_week: Callable[[int], float]) -> list[dict]:
    return [row(measure, day, value_in_week((day - ADMITTED).days // 7)) for day in PROGRAM_DAYS]


def doing_well(*, phq9: list[float] | None = None, drop: tuple[str, ...] = ()) -> list[dict]:
    """A co-occurring client improving steadily: every criterion met at both reviews."""
    rows = [
        *weekly("phq9", phq9 or [16, 14, 12, 10, 9, 8]),
        *weekly("gad7", [12, 11, 9, 8, 7, 6]),
        *weekly("pacs", [18, 16, 14, 12, 10, 8]),
        row("bam_r", MONDAYS[0], use=0.0, protective=14.0),
        row("bam_r", MONDAYS[4], use=0.0, protective=16.0),
        *daily("craving_nrs", lambda w: max(1.0, 5.0 - w)),
        *daily("confidence_nrs", lambda w: min(9.0, 5.0 + w)),
    ]
    return [r for r in rows if r["measure"] not in drop]


def scored(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def attendance(attended: Callable[[dt.date], bool] = lambda day: True) -> pl.DataFrame:
    return pl.DataFrame(
        {"session_on": PROGRAM_DAYS, "attended": [attended(d) for d in PROGRAM_DAYS]},
        schema={"session_on": pl.Date, "attended": pl.Boolean},
    )


def flags(*raised: dt.date, acknowledged: dt.date | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "administered_at": [at(d) for d in raised],
            "acknowledged_at": [at(acknowledged) if acknowledged else None] * len(raised),
        },
        schema={"administered_at": pl.Datetime("us"), "acknowledged_at": pl.Datetime("us")},
    )


def assess(
    rows: list[dict],
    *,
    as_of: dt.date = AS_OF,
    track: str | None = "co_occurring",
    config: ReadinessConfig = DEMO_POLICY,
    attended: pl.DataFrame | None = None,
    safety: pl.DataFrame | None = None,
    follow_ups: pl.DataFrame | None = None,
    catalog: Catalog,
):
    return assess_readiness(
        scored(rows),
        admitted_on=ADMITTED,
        attendance=attendance() if attended is None else attended,
        safety_flags=flags() if safety is None else safety,
        follow_ups=follow_ups,
        as_of=as_of,
        track=track,
        config=config,
        catalog=catalog,
    )


def test_ready_when_every_criterion_is_met_at_two_consecutive_reviews(catalog):
    result = assess(doing_well(), catalog=catalog)
    assert result.status == "ready"
    assert result.reason == (
        "All 9 criteria met at this review and at the previous one (2026-11-13)."
    )
    assert all(c.met and c.met_at_previous_review for c in result.criteria)
    mood = result.criterion("mood")
    assert mood.value == "PHQ-9 8 on 2026-11-16 (below 10); change from 16: reliably improved"
    assert [s.label for s in mood.sources] == [
        "Kroenke et al. 2001, The PHQ-9",
        "NHS Talking Therapies, PHQ-9 outcomes",
        "Jacobson & Truax 1991, Clinical significance",
    ]
    assert mood.sources[0].text.startswith("Kroenke K, Spitzer RL, Williams JBW. The PHQ-9")
    assert mood.sources[1].text.startswith("NHS Talking Therapies (IAPT) outcome definitions")
    assert [s.label for s in result.criterion("attendance").sources] == [
        "Program policy (demo_program.toml)"
    ]
    # each source once, in checklist order
    labels = [s.label for s in result.sources]
    assert len(labels) == len(set(labels))
    assert labels[:2] == ["Program policy (demo_program.toml)", "Kroenke et al. 2001, The PHQ-9"]
    assert result.criterion("craving").value == (
        "PACS 8 on 2026-11-16 (below 15); Craving 0-10 mean 1 over 6 ratings since "
        "2026-11-09 (at or below the program maximum 3); trend 0 a week (not rising)"
    )
    assert result.criterion("attendance").value == (
        "attended 6 of 6 program days in the 14 days to 2026-11-20 (100%; program minimum 75%)"
    )
    assert result.criterion("min_weeks").value == (
        "5.6 weeks in IOP since admission on 2026-10-12 (program minimum 4)"
    )


def test_each_criterion_informs_its_asam_dimension(catalog):
    result = assess(doing_well(), catalog=catalog)
    dimensions = {c.id: c.asam_dimension for c in result.criteria}
    assert dimensions == {
        "min_weeks": 4,
        "mood": 3,
        "anxiety": 3,
        "safety": 3,
        "craving": 5,
        "use": 5,
        "self_efficacy": 4,
        "recovery_environment": 6,
        "attendance": 4,
    }
    groups = result.by_dimension()
    assert list(groups) == [3, 4, 5, 6]
    assert groups[6][0].asam_name == "Recovery environment"
    assert [c.id for c in groups[5]] == ["craving", "use"]


def test_approaching_when_met_at_this_review_only(catalog):
    result = assess(doing_well(phq9=[16, 15, 14, 13, 12, 8]), catalog=catalog)
    assert result.status == "approaching"
    assert result.reason == (
        "All 9 criteria met now, but not all at the previous review (2026-11-13): "
        "Mood (PHQ-9) not met then."
    )
    mood = result.criterion("mood")
    assert mood.met is True
    assert mood.met_at_previous_review is False


def test_approaching_when_all_but_one_criterion_is_met(catalog):
    half = attendance(lambda day: day.day % 2 == 0)
    result = assess(doing_well(), attended=half, catalog=catalog)
    assert result.status == "approaching"
    assert result.reason == "All but one of 9 criteria met; not met: Attendance."
    assert result.criterion("attendance").value == (
        "attended 3 of 6 program days in the 14 days to 2026-11-20 (50%; program minimum 75%)"
    )


def test_not_ready_when_the_one_unmet_criterion_is_safety(catalog):
    result = assess(doing_well(), safety=flags(dt.date(2026, 11, 18)), catalog=catalog)
    assert result.status == "not ready"
    assert result.reason == "Not met: Safety flags followed up."
    safety = result.criterion("safety")
    assert safety.met is False
    assert safety.value == (
        "1 safety flag without a closing follow-up in the 14 days to 2026-11-20, latest 2026-11-18"
    )
    assert [s.label for s in safety.sources] == ["IOP Outcomes, safety follow-up rule"]
    assert "issue" not in " ".join(s.text for s in safety.sources)


def test_the_safety_criterion_cites_the_safety_item_behind_the_flag_once(catalog):
    rows = [
        r | {"critical": r["administered_at"] == at(MONDAYS[5])} if r["measure"] == "phq9" else r
        for r in doing_well()
    ]
    safety = assess(rows, catalog=catalog).criterion("safety")
    assert safety.met is False
    assert [s.label for s in safety.sources] == [
        "IOP Outcomes, safety follow-up rule",
        "Psychiatric Services 2013 and 2016, PHQ-9 item 9",
    ]
    assert safety.sources[1].text.startswith("PHQ-9 item 9 and subsequent suicide attempt")


def test_an_acknowledgement_does_not_close_a_flag(catalog):
    acknowledged = flags(dt.date(2026, 11, 10), acknowledged=dt.date(2026, 11, 17))
    result = assess(doing_well(), safety=acknowledged, catalog=catalog)
    safety = result.criterion("safety")
    assert safety.met is False
    assert result.status == "not ready"


def test_flags_older_than_14_days_do_not_count(catalog):
    result = assess(doing_well(), safety=flags(dt.date(2026, 11, 6)), catalog=catalog)
    assert result.criterion("safety").met is True
    assert result.criterion("safety").met_at_previous_review is False


def test_not_ready_when_two_criteria_are_unmet(catalog):
    rows = doing_well()
    rows.append(row("bam_r", dt.date(2026, 11, 18), use=2.0, protective=10.0))
    result = assess(rows, catalog=catalog)
    assert result.status == "not ready"
    assert result.reason == "Not met: No recent substance use, Recovery supports."
    use = result.criterion("use")
    assert use.value == "BAM-R Use 2 on 2026-11-18 (at or above 1: use reported)"
    assert [s.label for s in use.sources] == ["Blueprint (EHR vendor), BAM cut-offs"]
    assert use.sources[0].text.startswith("Composite cut-offs Use >=1, Risk >=12")
    support = result.criterion("recovery_environment")
    assert (
        support.value
        == "BAM-R Protective factors 10 on 2026-11-18 (at or below 12: low protection)"
    )
    assert support.asam_dimension == 6


def test_not_enough_data_without_a_recent_phq9(catalog):
    result = assess(doing_well(phq9=[16, 14, 12, 10]), catalog=catalog)
    assert result.status == "not enough data"
    assert result.reason == "Not enough recent data for: Mood (PHQ-9)."
    mood = result.criterion("mood")
    assert mood.met is None
    assert mood.no_recent_data
    assert mood.value == "no PHQ-9 in the 14 days to 2026-11-20 (last on 2026-11-02)"
    assert mood.note == "not enough recent data: give the PHQ-9"


def test_not_enough_data_names_unmet_criteria_too(catalog):
    result = assess(
        doing_well(phq9=[16, 14, 12, 10]), safety=flags(dt.date(2026, 11, 19)), catalog=catalog
    )
    assert result.reason == (
        "Not enough recent data for: Mood (PHQ-9); not met: Safety flags followed up."
    )


def test_reliable_deterioration_fails_mood_even_below_caseness(catalog):
    mood = assess(doing_well(phq9=[2, 2, 3, 4, 6, 9]), catalog=catalog).criterion("mood")
    assert mood.met is False
    assert mood.value == "PHQ-9 9 on 2026-11-16 (below 10); change from 2: reliably deteriorated"


def test_reliable_improvement_still_above_the_cut_off_is_improving_not_met(catalog):
    # Jacobson & Truax: clinically significant change needs the cut-off crossed
    result = assess(doing_well(phq9=[22, 20, 18, 16, 15, 13]), catalog=catalog)
    mood = result.criterion("mood")
    assert mood.met is False
    assert mood.improving
    assert mood.verdict == "Improving, still above the cut-off"
    assert (
        mood.value == "PHQ-9 13 on 2026-11-16 (at or above 10); change from 22: reliably improved"
    )
    assert mood.sources[-1].text.startswith("Jacobson NS, Truax P. Clinical significance")
    assert result.status == "approaching"


def test_a_phq9_of_18_after_reliable_improvement_keeps_the_status_at_approaching(catalog):
    result = assess(doing_well(phq9=[26, 25, 23, 21, 20, 18]), catalog=catalog)
    assert result.status == "approaching"
    assert result.reason == (
        "All but one of 9 criteria met; improving, still above the cut-off: Mood (PHQ-9)."
    )
    assert result.criterion("mood").verdict == "Improving, still above the cut-off"


def test_improving_on_mood_and_anxiety_still_above_both_cut_offs_is_not_ready(catalog):
    rows = [r for r in doing_well(phq9=[26, 25, 23, 21, 20, 18]) if r["measure"] != "gad7"]
    rows += weekly("gad7", [19, 18, 17, 16, 15, 14])
    result = assess(rows, catalog=catalog)
    assert result.status == "not ready"
    assert result.reason == ("Improving, still above the cut-off: Mood (PHQ-9), Anxiety (GAD-7).")


def test_a_case_without_reliable_improvement_is_not_met(catalog):
    mood = assess(doing_well(phq9=[14, 13, 13, 12, 12, 11]), catalog=catalog).criterion("mood")
    assert mood.met is False
    assert (
        mood.value == "PHQ-9 11 on 2026-11-16 (at or above 10); change from 14: no reliable change"
    )


def test_gad7_caseness_comes_from_its_definition_not_the_nhs_paired_rule(catalog):
    rows = [r for r in doing_well() if r["measure"] != "gad7"]
    rows += weekly("gad7", [12, 11, 10, 9, 9, 9])
    anxiety = assess(rows, catalog=catalog).criterion("anxiety")
    assert anxiety.met is True
    assert anxiety.value.startswith("GAD-7 9 on 2026-11-16 (below 10)")
    assert anxiety.sources[0].label == "Spitzer et al. 2006, The GAD-7"


def test_a_program_cutoff_replaces_the_definition_and_is_cited_as_policy(catalog):
    config = ReadinessConfig.from_mapping({"anxiety": {"cutoff": 8}})
    rows = [r for r in doing_well() if r["measure"] != "gad7"]
    rows += weekly("gad7", [12, 11, 10, 9, 9, 9])
    anxiety = assess(rows, config=config, catalog=catalog).criterion("anxiety")
    assert anxiety.met is False
    assert (
        anxiety.value == "GAD-7 9 on 2026-11-16 (at or above 8); change from 12: no reliable change"
    )
    assert anxiety.sources[0].label == "Program policy (program.toml)"
    assert anxiety.sources[0].text.startswith("Set by the program in its program file")


def test_substance_criteria_do_not_apply_to_a_mental_health_client(catalog):
    rows = doing_well(drop=("pacs", "bam_r", "craving_nrs", "confidence_nrs"))
    result = assess(rows, track="mental_health", catalog=catalog)
    craving = result.criterion("craving")
    assert craving.met is None
    assert not craving.no_recent_data
    assert craving.note == (
        "not applicable to the mental health track (used for: substance use, co-occurring)"
    )
    assert result.status == "ready"


def test_substance_criteria_need_data_when_the_track_is_unknown(catalog):
    rows = doing_well(drop=("pacs", "bam_r", "craving_nrs", "confidence_nrs"))
    result = assess(rows, track=None, catalog=catalog)
    assert result.criterion("use").note == (
        "not applicable: track not recorded and none of its measures given in this episode"
    )
    assert result.status == "ready"


def test_craving_needs_the_pacs_and_the_daily_rating(catalog):
    result = assess(doing_well(drop=("pacs",)), catalog=catalog)
    craving = result.criterion("craving")
    assert craving.met is None
    assert craving.verdict == "Not enough recent data: give the PACS and the daily craving rating"
    assert result.status == "not enough data"
    assert result.reason == "Not enough recent data for: Craving."


def test_a_substance_use_client_without_craving_data_has_not_enough_data(catalog):
    result = assess(doing_well(drop=("pacs", "craving_nrs")), catalog=catalog)
    craving = result.criterion("craving")
    assert craving.no_recent_data
    assert craving.value == (
        "no PACS in the 7 days to 2026-11-20; no Craving 0-10 ratings in the 14 days to 2026-11-20"
    )
    assert result.status == "not enough data"


def test_policy_settings_left_empty_are_not_evaluated_and_keep_the_status_from_ready(catalog):
    result = assess(doing_well(), config=ReadinessConfig(), catalog=catalog)
    assert result.status == "not ready"
    assert result.missing_settings == (
        "[readiness.min_weeks] weeks",
        "[readiness.craving] craving_nrs_max",
        "[readiness.self_efficacy] confidence_nrs_min",
        "[readiness.attendance] attendance_min",
    )
    assert result.reason == (
        "Not evaluated: Time in IOP (set [readiness.min_weeks] weeks in the program file), "
        "Craving (set [readiness.craving] craving_nrs_max in the program file), "
        "Confidence to stay abstinent (set [readiness.self_efficacy] confidence_nrs_min in "
        "the program file), Attendance (set [readiness.attendance] attendance_min in the "
        "program file)."
    )
    attendance = result.criterion("attendance")
    assert attendance.met is None
    assert attendance.verdict == (
        "Not evaluated: set [readiness.attendance] attendance_min in the program file"
    )
    assert attendance.value == (
        "attended 6 of 6 program days in the 14 days to 2026-11-20 "
        "(100%; program minimum not set by the program)"
    )
    craving = result.criterion("craving")
    assert craving.met is None
    assert "(program maximum not set by the program)" in craving.value


def test_high_craving_and_low_confidence_with_the_library_defaults_are_never_ready(catalog):
    # with no program thresholds, a flat trend alone used to meet both criteria
    rows = doing_well(drop=("craving_nrs", "confidence_nrs"))
    rows += daily("craving_nrs", lambda w: 9.0) + daily("confidence_nrs", lambda w: 1.0)
    result = assess(rows, config=ReadinessConfig(), catalog=catalog)
    assert result.status != "ready"
    assert result.status == "not ready"
    craving, confidence = result.criterion("craving"), result.criterion("self_efficacy")
    assert (craving.met, confidence.met) == (None, None)
    assert craving.verdict == (
        "Not evaluated: set [readiness.craving] craving_nrs_max in the program file"
    )
    assert confidence.value == (
        "Confidence 0-10 mean 1 over 6 ratings since 2026-11-09 (program minimum not set by "
        "the program); trend 0 a week (not falling)"
    )
    with_policy = assess(rows, catalog=catalog)
    assert with_policy.criterion("craving").met is False
    assert with_policy.criterion("self_efficacy").met is False
    assert with_policy.status == "not ready"


def test_one_threshold_left_empty_keeps_a_client_who_meets_the_rest_at_approaching(catalog):
    policy = {k: v for k, v in POLICY.items() if k != "attendance"}
    config = ReadinessConfig.from_mapping(policy, policy_source="demo_program.toml")
    result = assess(doing_well(), config=config, catalog=catalog)
    assert result.status == "approaching"
    assert result.reason == (
        "All but one of 9 criteria met; not evaluated: Attendance (set [readiness.attendance] "
        "attendance_min in the program file)."
    )
    assert result.missing_settings == ("[readiness.attendance] attendance_min",)


def criterion(id: str, met: bool | None, **extra: object) -> CriterionResult:
    label = {"safety": "Safety flags followed up"}.get(id, id.replace("_", " ").capitalize())
    return CriterionResult(id, label, 3, met, "", (), met_at_previous_review=met, **extra)


def test_every_criterion_is_core():
    assert set(CORE_CRITERIA) == {
        "min_weeks",
        "mood",
        "anxiety",
        "safety",
        "craving",
        "use",
        "self_efficacy",
        "recovery_environment",
        "attendance",
    }


def test_a_safety_criterion_that_cannot_be_evaluated_blocks_ready_and_approaching():
    others = tuple(criterion(c, True) for c in CORE_CRITERIA if c != "safety")
    unknown = criterion("safety", None, note="item 9 not asked")
    status, reason = readiness_status((*others, unknown), previous_review=AS_OF)
    assert (status, reason) == (
        "not ready",
        "Not evaluated: Safety flags followed up (item 9 not asked).",
    )
    no_data = criterion("safety", None, note="not enough recent data", no_recent_data=True)
    status, reason = readiness_status((*others, no_data), previous_review=AS_OF)
    assert (status, reason) == (
        "not enough data",
        "Not enough recent data for: Safety flags followed up.",
    )


def test_a_criterion_that_does_not_apply_never_blocks():
    met = tuple(criterion(c, True) for c in CORE_CRITERIA if c != "craving")
    other_track = criterion("craving", None, note="not applicable to the track", applicable=False)
    status, reason = readiness_status((*met, other_track), previous_review=AS_OF)
    assert status == "ready"
    assert reason.startswith("All 8 criteria met")


def test_craving_rising_is_not_met_even_when_low(catalog):
    rows = [r for r in doing_well() if r["measure"] != "craving_nrs"]
    values = [0, 1, 1, 2, 2, 3]
    rows += [row("craving_nrs", d, v) for d, v in zip(PROGRAM_DAYS[-6:], values, strict=True)]
    craving = assess(rows, catalog=catalog).criterion("craving")
    assert craving.met is False
    assert craving.value.endswith(
        "mean 1.5 over 6 ratings since 2026-11-09 (at or below the program maximum 3); "
        "trend +1.7 a week (rising)"
    )


def test_craving_mean_above_the_program_maximum_is_not_met(catalog):
    rows = [r for r in doing_well() if r["measure"] != "craving_nrs"]
    rows += [row("craving_nrs", d, 5.0) for d in PROGRAM_DAYS]
    craving = assess(rows, catalog=catalog).criterion("craving")
    assert craving.met is False
    assert "mean 5 over 6 ratings since 2026-11-09 (above the program maximum 3)" in craving.value


def test_confidence_falling_is_not_met(catalog):
    rows = [r for r in doing_well() if r["measure"] != "confidence_nrs"]
    values = [10, 9, 9, 8, 8, 7]
    rows += [row("confidence_nrs", d, v) for d, v in zip(PROGRAM_DAYS[-6:], values, strict=True)]
    confidence = assess(rows, catalog=catalog).criterion("self_efficacy")
    assert confidence.met is False
    assert confidence.value == (
        "Confidence 0-10 mean 8.5 over 6 ratings since 2026-11-09 (at or above the program "
        "minimum 7); trend -1.7 a week (falling)"
    )
    assert confidence.asam_dimension == 4


def test_too_few_ratings_for_a_trend_is_not_enough_data(catalog):
    rows = [r for r in doing_well() if r["measure"] != "confidence_nrs"]
    rows += [row("confidence_nrs", d, 8.0) for d in PROGRAM_DAYS[-2:]]
    result = assess(rows, catalog=catalog)
    confidence = result.criterion("self_efficacy")
    assert confidence.met is None
    assert confidence.no_recent_data
    assert confidence.value.endswith("; trend needs 3 ratings")
    assert confidence.verdict == "Not enough recent data: give the daily confidence rating"
    assert result.status == "not enough data"


def test_a_bam_r_older_than_its_recall_period_is_not_recent(catalog):
    rows = [r for r in doing_well() if r["measure"] != "bam_r"]
    rows.append(row("bam_r", MONDAYS[0], use=0.0, protective=14.0))
    use = assess(rows, catalog=catalog).criterion("use")
    assert use.no_recent_data
    assert use.value == "no BAM-R Use in the 30 days to 2026-11-20 (last on 2026-10-12)"


def test_time_in_iop_below_the_program_minimum(catalog):
    config = ReadinessConfig.from_mapping({"min_weeks": {"weeks": 6}}, base=DEMO_POLICY)
    result = assess(doing_well(), config=config, catalog=catalog)
    assert result.criterion("min_weeks").met is False
    assert result.status == "approaching"


def test_a_past_review_uses_only_the_data_up_to_that_date(catalog):
    late = [*doing_well(), row("bam_r", dt.date(2026, 11, 18), use=3.0, protective=8.0)]
    earlier = assess(late, as_of=dt.date(2026, 11, 13), catalog=catalog)
    assert earlier.criterion("use").met is True
    assert earlier.criterion("mood").value.startswith("PHQ-9 9 on 2026-11-09")


def test_scores_before_admission_are_not_the_baseline(catalog):
    rows = [row("phq9", ADMITTED - dt.timedelta(days=3), 27.0), *doing_well()]
    mood = assess(rows, catalog=catalog).criterion("mood")
    assert "change from 16" in mood.value


def test_an_unanswered_item_9_is_unknown_and_not_safe(catalog):
    rows = [*doing_well(), row("phq9", dt.date(2026, 11, 18), 7.0, critical=None)]
    safety = assess(rows, catalog=catalog).criterion("safety")
    assert safety.met is False
    assert safety.value == (
        "1 safety answer unknown in the 14 days to 2026-11-20 (a safety item unanswered, "
        "or a total only): ask in person and record the follow-up"
    )


def test_attendance_counts_program_days_not_sessions(catalog):
    days = attendance()
    extra = pl.DataFrame({"session_on": [PROGRAM_DAYS[-1]], "attended": [False]})
    result = assess(doing_well(), attended=pl.concat([days, extra]), catalog=catalog)
    assert result.criterion("attendance").value.startswith("attended 6 of 6 program days")


def test_disabled_criteria_are_left_out(catalog):
    config = ReadinessConfig.from_mapping({"self_efficacy": {"enabled": False}})
    result = assess(doing_well(), config=config, catalog=catalog)
    assert "self_efficacy" not in [c.id for c in result.criteria]


def test_unknown_config_keys_are_rejected():
    with pytest.raises(ConfigError, match=r"\[readiness.craving\] unknown key 'craving_max'"):
        ReadinessConfig.from_mapping({"craving": {"craving_max": 3}})
    with pytest.raises(ConfigError, match="asam_dimension should be 1 to 6, not 7"):
        ReadinessConfig.from_mapping({"use": {"asam_dimension": 7}})
    with pytest.raises(ConfigError, match=r"attendance_min is a share of program days"):
        ReadinessConfig.from_mapping({"attendance": {"attendance_min": 75}})


def test_a_client_without_any_data_has_not_enough_data(catalog):
    empty = pl.DataFrame(schema={"measure": pl.String, "administered_at": pl.Datetime("us")})
    result = assess_readiness(
        empty,
        admitted_on=ADMITTED,
        attendance=pl.DataFrame(schema={"session_on": pl.Date, "attended": pl.Boolean}),
        safety_flags=pl.DataFrame(schema={"administered_at": pl.Datetime("us")}),
        as_of=AS_OF,
        config=DEMO_POLICY,
        catalog=catalog,
    )
    assert result.status == "not enough data"
    assert result.reason == (
        "Not enough recent data for: Mood (PHQ-9), Anxiety (GAD-7), Attendance."
    )
    assert result.criterion("attendance").value == (
        "no scheduled program days recorded in the 14 days to 2026-11-20"
    )


def test_one_episode_per_client_in_a_caseload(catalog):
    episodes = pl.DataFrame({"client_id": ["C1", "C1"], "admitted_on": [ADMITTED, AS_OF]})
    empty = pl.DataFrame(schema={"client_id": pl.String})
    with pytest.raises(ValueError, match="one current episode per client: C1 has 2"):
        assess_caseload(empty, episodes, empty, empty, as_of=AS_OF, catalog=catalog)


def caseload(n: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    base = scored(doing_well())
    ids = [f"C{i:03d}" for i in range(n)]
    frames = [base.with_columns(pl.lit(c).alias("client_id")) for c in ids]
    days = [attendance().with_columns(pl.lit(c).alias("client_id")) for c in ids]
    episodes = pl.DataFrame(
        {"client_id": ids, "admitted_on": [ADMITTED] * n, "track": ["co_occurring"] * n}
    )
    raised = flags(dt.date(2026, 11, 18)).with_columns(pl.lit(ids[0]).alias("client_id"))
    return pl.concat(frames), episodes, pl.concat(days), raised


def test_caseload_matches_one_client_at_a_time(catalog):
    rows, episodes, days, raised = caseload(3)
    results = assess_caseload(
        rows, episodes, days, raised, as_of=AS_OF, config=DEMO_POLICY, catalog=catalog
    )
    assert [r.status for r in results.values()] == ["not ready", "ready", "ready"]
    single = assess(doing_well(), catalog=catalog)
    assert results["C001"].criteria == single.criteria


def test_a_caseload_of_300_clients_is_assessed_client_by_client(catalog):
    """Speed is measured by `make bench`, never asserted here; this checks the result."""
    inputs = caseload(300)
    results = assess_caseload(*inputs, as_of=AS_OF, config=DEMO_POLICY, catalog=catalog)
    assert len(results) == 300
    assert all(
        r.status in ("ready", "approaching", "not ready", "not enough data")
        for r in results.values()
    )
