"""Scores explained to clients in plain words, at about a 6th-8th grade reading level."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from dashboard import clock
from dashboard.checkin.explain import (
    LIMITS,
    attendance_streaks,
    measure_sentences,
    reading_grade,
)
from dashboard.checkin.notes import coping_summary, coping_words, trigger_summary, trigger_words
from dashboard.checkin.steps import checkin_size
from dashboard.review.record import load_client_record
from dashboard.store.engine import read
from measures import load_catalog
from measures.change import DETERIORATED
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


def test_a_worse_score_is_told_without_promising_what_the_team_will_do(demo_engine):
    record = _record(demo_engine)
    worse = dataclasses.replace(
        record,
        change=record.change.with_columns(pl.lit(DETERIORATED).alias("change_class")),
    )
    mood = measure_sentences(worse, load_catalog())["phq9"]
    assert "more than day-to-day ups and downs" in mood
    assert "It is worth talking about with your team." in mood
    assert "Your team will" not in mood
    assert reading_grade(mood) <= 8.5


def test_the_check_in_and_notes_texts_keep_the_reading_level():
    notes = pl.DataFrame(
        {
            "triggers": [
                [{"category": "social", "text": ""}, {"category": "own words", "text": "payday"}]
            ],
            "coping": [
                [
                    {"action": "Called or texted someone", "helped": "yes"},
                    {"action": "Exercise or a walk", "helped": ""},
                ]
            ],
        }
    )
    texts = [
        checkin_size(["craving_nrs", "phq9", "gad7"], load_catalog()).words(),
        trigger_words(trigger_summary(notes)),
        *coping_words(coping_summary(notes)),
    ]
    grades = [reading_grade(t) for t in texts]
    assert max(grades) <= 8.5, list(zip(grades, texts, strict=True))
