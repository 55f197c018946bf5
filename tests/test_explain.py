"""Scores explained to clients in plain words, at about a 6th-8th grade reading level."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard import clock
from dashboard.checkin.explain import (
    LIMITS,
    attendance_streaks,
    measure_sentences,
    reading_grade,
)
from dashboard.review.record import load_client_record
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of


def _record(engine):
    with read(engine) as connection:
        return load_client_record(
            connection,
            viewer_of(engine, "client"),
            "C0215",
            catalog=load_catalog(),
            as_of=clock.today(),
        )


def test_the_demo_clients_mood_explanation_says_what_changed_and_what_it_means(demo_engine):
    texts = measure_sentences(_record(demo_engine), load_catalog())
    mood = texts["phq9"]
    assert mood.startswith("Your low mood score (PHQ-9) has gone down from 18 to")
    assert "more than day-to-day ups and downs" in mood
    assert "lower is better" in mood


def test_explanations_read_at_about_a_6th_to_8th_grade_level(demo_engine):
    texts = [*measure_sentences(_record(demo_engine), load_catalog()).values(), LIMITS]
    grades = [reading_grade(t) for t in texts]
    assert max(grades) <= 8.5, list(zip(grades, texts, strict=True))


def test_ratings_without_a_published_threshold_do_not_claim_reliable_change(demo_engine):
    craving = measure_sentences(_record(demo_engine), load_catalog())["craving_nrs"]
    assert "no set rule" in craving
    assert "more than day-to-day" not in craving


def test_attendance_streaks_count_program_days_in_a_row():
    attendance = pl.DataFrame(
        {
            "session_on": [dt.date(2026, 11, d) for d in (2, 2, 4, 6, 9, 11)],
            "attended": [True, False, True, False, True, True],
        }
    )
    assert attendance_streaks(attendance) == (2, 2)
