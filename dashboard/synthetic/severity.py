"""Latent daily states (distress, anxiety, craving, low self-efficacy) from trajectories."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.synthetic.cohort import (
    DETERIORATOR,
    EARLY_DROPOUT,
    RESPONDER,
    SLOW_RESPONDER,
    Cohort,
)
from dashboard.synthetic.schedule import ProgramDays
from dashboard.synthetic.streams import stream

#: Mean and spread of the admission distress (0 = none, 1 = worst) per track.
BASELINE_MEAN = (0.47, 0.60, 0.62)
BASELINE_SD = 0.12
WEEK_NOISE_SD = 0.045
DAY_NOISE_SD = 0.05
#: The demo client: clearly distressed at admission, improving within weeks.
DEMO_BASELINE, DEMO_IMPROVEMENT, DEMO_PACE = 0.66, 0.42, 1.8


@dataclass(frozen=True)
class States:
    """Latent states on every program day, each on a 0 (none) to 1 (worst) scale.

    ``baseline`` is per episode; ``trend`` is the day's distress without noise
    minus the baseline (negative when improving).
    """

    distress: np.ndarray
    anxiety: np.ndarray
    craving: np.ndarray
    low_efficacy: np.ndarray
    trend: np.ndarray
    baseline: np.ndarray


def latent_states(cohort: Cohort, days: ProgramDays, seed: int) -> States:
    """Distress follows the episode's trajectory; the other states move with it.

    Depression and anxiety share the distress level (anxiety offset per client);
    craving starts from a client level and falls or rises with distress; low
    self-efficacy is mostly a trait and moves slowly with distress.
    """
    rng = stream(seed, "severity")
    episodes = cohort.episodes
    count = len(episodes)
    track = episodes.track.astype(np.int64)
    baseline = np.clip(
        np.asarray(BASELINE_MEAN)[track] + rng.normal(0.0, BASELINE_SD, count), 0.15, 0.9
    )
    baseline[cohort.demo_episode] = DEMO_BASELINE
    amount, pace, midpoint, slope = _trajectory_parameters(cohort, baseline, rng)
    trajectory = episodes.trajectory[days.episode]
    weeks = days.offset / 7.0
    pace_d, amount_d = pace[days.episode], amount[days.episode]
    saturating = 1.0 - np.exp(-weeks / pace_d)
    logistic = _normalised_logistic(weeks, midpoint[days.episode])
    trend = np.select(
        [trajectory == RESPONDER, trajectory == SLOW_RESPONDER, trajectory == DETERIORATOR],
        [-amount_d * saturating, -amount_d * logistic, amount_d * saturating],
        default=slope[days.episode] * weeks,
    )
    week_noise = rng.normal(0.0, WEEK_NOISE_SD, (count, int(days.week.max(initial=0)) + 1))
    shared = week_noise[days.episode, days.week]
    base = baseline[days.episode]
    distress = base + trend + shared + rng.normal(0.0, DAY_NOISE_SD, len(days))
    anxiety_offset = rng.normal(0.0, 0.1, count)[days.episode]
    anxiety = distress + anxiety_offset + rng.normal(0.0, 0.04, len(days))
    craving_level = rng.normal(0.5, 0.15, count)[days.episode]
    craving = craving_level + 1.1 * trend + 0.6 * shared + rng.normal(0.0, 0.07, len(days))
    efficacy_level = rng.normal(0.58, 0.12, count)[days.episode]
    low_efficacy = efficacy_level + 0.5 * trend + rng.normal(0.0, 0.03, len(days))
    return States(
        distress=_unit(distress),
        anxiety=_unit(anxiety),
        craving=_unit(craving),
        low_efficacy=_unit(low_efficacy),
        trend=trend,
        baseline=baseline,
    )


def _trajectory_parameters(
    cohort: Cohort, baseline: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per episode: size of the change, its pace (weeks), a slow response's midpoint, a drift."""
    trajectory = cohort.episodes.trajectory
    count = len(trajectory)
    amount = np.select(
        [trajectory == RESPONDER, trajectory == SLOW_RESPONDER, trajectory == DETERIORATOR],
        [
            rng.uniform(0.22, 0.42, count),
            rng.uniform(0.15, 0.32, count),
            rng.uniform(0.15, 0.30, count),
        ],
        default=0.0,
    )
    amount = np.minimum(amount, np.maximum(baseline - 0.08, 0.0))
    pace = np.where(
        trajectory == DETERIORATOR, rng.uniform(2.0, 4.0, count), rng.uniform(1.5, 3.0, count)
    )
    midpoint = rng.uniform(4.0, 7.0, count)
    slope = np.where(
        trajectory == EARLY_DROPOUT, rng.normal(0.01, 0.01, count), rng.normal(0.0, 0.006, count)
    )
    amount[cohort.demo_episode], pace[cohort.demo_episode] = DEMO_IMPROVEMENT, DEMO_PACE
    return amount, pace, midpoint, slope


def _normalised_logistic(weeks: np.ndarray, midpoint: np.ndarray) -> np.ndarray:
    """0 at admission rising to about 1: a response that starts after a few weeks."""
    start = 1.0 / (1.0 + np.exp(midpoint / 1.2))
    value = 1.0 / (1.0 + np.exp(-(weeks - midpoint) / 1.2))
    return np.asarray((value - start) / (1.0 - start))


def _unit(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(values, 0.0, 1.0))
