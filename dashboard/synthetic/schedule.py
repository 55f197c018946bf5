"""Program days, attendance, and which measures fall due on which attended day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard.synthetic.cohort import EARLY_DROPOUT, LEFT_EARLY, SUBSTANCE_TRACKS, Cohort
from dashboard.synthetic.streams import stream, weekday


@dataclass(frozen=True)
class Cadence:
    """How often a measure is due: every attended day (0) or every n weeks."""

    every_weeks: int
    substance_tracks_only: bool


#: Measures in the order they are given on a day (and sorted in the output).
SCHEDULE: dict[str, Cadence] = {
    "mood_nrs": Cadence(0, substance_tracks_only=False),
    "craving_nrs": Cadence(0, substance_tracks_only=True),
    "confidence_nrs": Cadence(0, substance_tracks_only=True),
    "phq9": Cadence(1, substance_tracks_only=False),
    "gad7": Cadence(1, substance_tracks_only=False),
    "pacs": Cadence(1, substance_tracks_only=True),
    "who5": Cadence(2, substance_tracks_only=False),
    "gse": Cadence(2, substance_tracks_only=False),
    "bam_r": Cadence(4, substance_tracks_only=True),
}
MEASURES = tuple(SCHEDULE)
SESSION_TYPES = ("group", "individual", "family")
#: Mean attendance per trajectory (in TRAJECTORIES order) and its spread between clients.
ATTENDANCE_MEAN = (0.91, 0.87, 0.80, 0.78, 0.72)
ATTENDANCE_SD = 0.05
INDIVIDUAL_SESSION_SHARE = 0.45
FAMILY_SESSION_SHARE = 0.08
#: Chance a whole day's (or week's) battery is skipped, and one measure of it.
SKIPPED_DAILY_BATTERY = 0.04
SKIPPED_WEEKLY_BATTERY = 0.06
SKIPPED_MEASURE = 0.03
SKIPPED_AT_ADMISSION = 0.01


@dataclass(frozen=True)
class ProgramDays:
    """Every scheduled program day up to as_of, as aligned arrays in (episode, day) order.

    ``week`` counts calendar weeks (Monday-Sunday) from the admission week (0).
    """

    episode: np.ndarray
    day: np.ndarray
    offset: np.ndarray
    week: np.ndarray
    attended: np.ndarray

    def __len__(self) -> int:
        return len(self.episode)


@dataclass(frozen=True)
class Due:
    """Administrations that were given: a program-day index and a measure code each."""

    day: np.ndarray
    measure: np.ndarray


def program_days(cohort: Cohort, seed: int) -> ProgramDays:
    """The weekdays of each episode's pattern from admission to discharge (or as_of)."""
    episodes = cohort.episodes
    last = np.minimum(episodes.planned_end, cohort.as_of)
    spans = (last - episodes.admitted + 1).astype(np.int64)
    episode = np.repeat(np.arange(len(episodes), dtype=np.int32), spans)
    offset = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    day = episodes.admitted[episode] + offset
    day_of_week = weekday(day)
    scheduled = (day_of_week < 5) & episodes.weekdays[episode, np.minimum(day_of_week, 4)]
    episode, offset, day = episode[scheduled], offset[scheduled], day[scheduled]
    first_monday = episodes.admitted - weekday(episodes.admitted)
    week = ((day - first_monday[episode]) // 7).astype(np.int16)
    attended = _attendance(cohort, episode, offset, day, stream(seed, "attendance"))
    return ProgramDays(episode, day.astype(np.int32), offset.astype(np.int32), week, attended)


def _attendance(
    cohort: Cohort,
    episode: np.ndarray,
    offset: np.ndarray,
    day: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Attended or not: a client's own rate, fading out before leaving early."""
    episodes = cohort.episodes
    mean = np.asarray(ATTENDANCE_MEAN)[episodes.trajectory.astype(np.int64)]
    rate = np.clip(mean + rng.normal(0.0, ATTENDANCE_SD, len(episodes)), 0.5, 0.98)
    rate[cohort.demo_episode] = 0.95
    length = (episodes.planned_end - episodes.admitted + 1)[episode]
    left_early = (episodes.reason == LEFT_EARLY)[episode]
    dropout = (episodes.trajectory == EARLY_DROPOUT)[episode]
    fade = np.ones(len(episode))
    fade = np.where(dropout, (1.0 - offset / length) ** 1.3, fade)
    fade = np.where(left_early & ~dropout, np.clip((length - offset) / 12.0, 0.1, 1.0), fade)
    attended = rng.random(len(episode)) < rate[episode] * fade
    attended |= offset == 0
    last_day = day == episodes.planned_end[episode]
    return np.asarray(np.where(last_day, ~left_early, attended), dtype=bool)


def attendance_frame(cohort: Cohort, days: ProgramDays, seed: int) -> pl.DataFrame:
    """``attendance.csv``: a group session every program day, some individual and family."""
    rng = stream(seed, "sessions")
    key = days.episode.astype(np.int64) * 1024 + days.week
    first_of_week = np.concatenate([[True], key[1:] != key[:-1]])
    last_of_week = np.concatenate([key[1:] != key[:-1], [True]])
    individual = np.flatnonzero(first_of_week & (rng.random(len(days)) < INDIVIDUAL_SESSION_SHARE))
    family = np.flatnonzero(last_of_week & (rng.random(len(days)) < FAMILY_SESSION_SHARE))
    row_day = np.concatenate([np.arange(len(days)), individual, family])
    session = np.repeat(np.arange(3, dtype=np.int8), [len(days), len(individual), len(family)])
    client = cohort.episodes.client[days.episode[row_day]]
    order = np.lexsort((session, client, days.day[row_day]))
    row_day, session, client = row_day[order], session[order], client[order]
    return pl.DataFrame(
        {
            "client_id": cohort.client_ids.gather(client),
            "episode_id": cohort.episode_ids.gather(days.episode[row_day]),
            "session_on": pl.Series(days.day[row_day]).cast(pl.Date),
            "session_type": pl.Series(SESSION_TYPES).gather(session),
            "attended": days.attended[row_day],
        }
    )


def due_measures(cohort: Cohort, days: ProgramDays, instruments: Sequence[str], seed: int) -> Due:
    """The administrations actually given: due by cadence and track, minus skipped ones.

    Daily ratings fall on every attended day; weekly, two-weekly and four-weekly
    measures on the first attended day of a due week (week 0 is the admission week).
    """
    battery = stream(seed, "battery")
    skipped_day = battery.random(len(days)) < SKIPPED_DAILY_BATTERY
    skipped_week = battery.random(len(days)) < SKIPPED_WEEKLY_BATTERY
    attended = np.flatnonzero(days.attended)
    key = days.episode[attended].astype(np.int64) * 1024 + days.week[attended]
    weekly = attended[np.concatenate([[True], key[1:] != key[:-1]])]
    substance = np.isin(cohort.episodes.track, SUBSTANCE_TRACKS)[days.episode]
    chosen_days, chosen_measures = [], []
    for code, measure in enumerate(MEASURES):
        if measure not in instruments:
            continue
        cadence = SCHEDULE[measure]
        if cadence.every_weeks == 0:
            candidates = attended[~skipped_day[attended]]
        else:
            due_week = days.week[weekly] % cadence.every_weeks == 0
            candidates = weekly[due_week]
            candidates = candidates[(days.week[candidates] == 0) | ~skipped_week[candidates]]
        if cadence.substance_tracks_only:
            candidates = candidates[substance[candidates]]
        skip_chance = np.where(days.offset[candidates] == 0, SKIPPED_AT_ADMISSION, SKIPPED_MEASURE)
        given = stream(seed, f"given:{measure}").random(len(candidates)) >= skip_chance
        chosen_days.append(candidates[given])
        chosen_measures.append(np.full(int(given.sum()), code, dtype=np.int8))
    if not chosen_days:
        return Due(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8))
    return Due(np.concatenate(chosen_days), np.concatenate(chosen_measures))
