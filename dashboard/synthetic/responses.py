"""Item responses of every instrument, derived from the latent states, with missing items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dashboard.synthetic.cohort import DETERIORATOR, Cohort
from dashboard.synthetic.schedule import MEASURES, Due, ProgramDays
from dashboard.synthetic.severity import States
from dashboard.synthetic.streams import stream
from measures import Catalog

#: The item value standing for "unanswered" (blank in the CSV).
MISSING = -128
#: Chance a multi-item administration has one missing item, and three to five.
ONE_MISSING = 0.015
SEVERAL_MISSING = 0.002
ITEM_NOISE = 0.15
#: PHQ-9 item 9: share of episodes with some risk per track, more for deteriorators.
ITEM9_RISK_BY_TRACK = (0.05, 0.09, 0.09)
ITEM9_RISK_DETERIORATOR = 0.25
ITEM9_BACKGROUND = 0.004


@dataclass(frozen=True)
class Rows:
    """The states and context of each administration of one instrument."""

    episode: np.ndarray
    trajectory: np.ndarray
    track: np.ndarray
    week: np.ndarray
    admission: np.ndarray
    distress: np.ndarray
    anxiety: np.ndarray
    craving: np.ndarray
    low_efficacy: np.ndarray
    trend: np.ndarray
    episodes: int

    def __len__(self) -> int:
        return len(self.episode)

    def per_episode(self, values: np.ndarray) -> np.ndarray:
        """Values drawn once per episode, looked up for each row."""
        return np.asarray(values[self.episode])


@dataclass(frozen=True)
class Responses:
    """Administrations of every instrument: program-day index, measure code and items."""

    day: np.ndarray
    measure: np.ndarray
    items: np.ndarray


def respond(
    cohort: Cohort, days: ProgramDays, states: States, due: Due, catalog: Catalog, seed: int
) -> Responses:
    """Items for every due administration; ``items`` is as wide as the widest instrument."""
    present = sorted({int(code) for code in np.unique(due.measure)})
    width = max((len(catalog[MEASURES[code]].items) for code in present), default=1)
    parts_day, parts_measure, parts_items = [], [], []
    for code in present:
        measure = MEASURES[code]
        day = due.day[due.measure == code]
        rows = _rows(cohort, days, states, day)
        rng = stream(seed, f"items:{measure}")
        items = GENERATORS[measure](rows, rng)
        items = _with_missing_items(items, catalog, measure, rng)
        padded = np.full((len(day), width), MISSING, dtype=np.int8)
        padded[:, : items.shape[1]] = items
        parts_day.append(day)
        parts_measure.append(np.full(len(day), code, dtype=np.int8))
        parts_items.append(padded)
    if not present:
        empty = np.zeros(0, dtype=np.int64)
        return Responses(empty, empty.astype(np.int8), np.zeros((0, width), dtype=np.int8))
    return Responses(
        np.concatenate(parts_day), np.concatenate(parts_measure), np.concatenate(parts_items)
    )


def ordinal(
    latent: np.ndarray,
    offsets: tuple[float, ...],
    rng: np.random.Generator,
    *,
    low: int,
    high: int,
    noise: float = ITEM_NOISE,
) -> np.ndarray:
    """One column per offset: ``latent + offset + noise`` cut into ``low..high`` equal bins.

    Examples
    --------
    >>> ordinal(np.array([0.0, 0.99]), (0.0,), np.random.default_rng(0), low=0, high=3,
    ...         noise=0.0).ravel().tolist()
    [0, 3]
    """
    levels = high - low + 1
    shape = (len(latent), len(offsets))
    value = latent[:, None] + np.asarray(offsets)[None, :] + rng.normal(0.0, noise, shape)
    return np.asarray(low + np.clip(np.floor(value * levels), 0, levels - 1), dtype=np.int8)


def _rows(cohort: Cohort, days: ProgramDays, states: States, day: np.ndarray) -> Rows:
    episode = days.episode[day]
    return Rows(
        episode=episode,
        trajectory=cohort.episodes.trajectory[episode],
        track=cohort.episodes.track[episode],
        week=days.week[day],
        admission=days.offset[day] == 0,
        distress=states.distress[day],
        anxiety=states.anxiety[day],
        craving=states.craving[day],
        low_efficacy=states.low_efficacy[day],
        trend=states.trend[day],
        episodes=len(cohort.episodes),
    )


def _mood(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    return ordinal(1.0 - rows.distress, (0.0,), rng, low=0, high=10, noise=0.07)


def _craving(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    return ordinal(rows.craving, (0.0,), rng, low=0, high=10, noise=0.08)


def _confidence(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    doubt = 0.65 * rows.craving + 0.35 * rows.distress
    return ordinal(1.0 - doubt, (0.05,), rng, low=0, high=10, noise=0.08)


def _phq9(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    """Items 1-8 from distress; item 9 endorsed by some at-risk clients when distressed."""
    risk_share = np.asarray(ITEM9_RISK_BY_TRACK)[rows.track.astype(np.int64)]
    risk_share = np.where(rows.trajectory == DETERIORATOR, ITEM9_RISK_DETERIORATOR, risk_share)
    at_risk = rows.per_episode(rng.random(rows.episodes)) < risk_share
    offsets = (0.02, 0.04, 0.10, 0.12, 0.0, 0.02, 0.0, -0.15)
    items = ordinal(rows.distress, offsets, rng, low=0, high=3)
    chance = np.where(at_risk, np.clip(1.8 * (rows.distress - 0.3), 0.02, 0.6), ITEM9_BACKGROUND)
    endorsed = rng.random(len(rows)) < chance
    level = rng.choice([1, 2, 3], len(rows), p=[0.7, 0.22, 0.08])
    item9 = np.where(endorsed, level, 0).astype(np.int8)
    return np.column_stack([items, item9])


def _gad7(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    offsets = (0.08, 0.05, 0.08, 0.05, -0.10, 0.05, -0.05)
    return ordinal(rows.anxiety, offsets, rng, low=0, high=3)


def _pacs(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    offsets = (0.0, -0.05, 0.03, -0.08, 0.0)
    return ordinal(rows.craving, offsets, rng, low=0, high=6, noise=0.13)


def _who5(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    offsets = (0.02, 0.0, -0.04, -0.08, 0.03)
    return ordinal(0.9 - rows.distress, offsets, rng, low=0, high=5, noise=0.13)


def _gse(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    offsets = (0.05, -0.03, -0.05, 0.0, 0.0, 0.06, -0.06, 0.02, 0.03, 0.0)
    return ordinal(1.0 - rows.low_efficacy, offsets, rng, low=1, high=4, noise=0.14)


def _bam_r(rows: Rows, rng: np.random.Generator) -> np.ndarray:
    """17 items 0-4: substance use days, risk factors, protective factors; item 14 is 0 or 4."""
    count, episodes = len(rows), rows.episodes
    profile = rows.per_episode(rng.choice(3, episodes, p=[0.45, 0.30, 0.25]))
    alcohol_days, drug_days = _use_days(rows, profile, rng)
    heavy_days = np.maximum(alcohol_days - rng.choice(3, count, p=[0.4, 0.4, 0.2]), 0)
    drug_classes = np.where(rng.random(count) < 0.25, drug_days, MISSING)
    traits = {
        name: rows.per_episode(rng.normal(mean, sd, episodes))
        for name, mean, sd in (
            ("physical", 0.0, 0.1),
            ("meetings", 0.3, 0.2),
            ("spirit", 0.35, 0.25),
            ("work", 0.4, 0.3),
            ("support", 0.0, 0.15),
            ("arguments", 0.0, 0.1),
        )
    }
    income = rows.per_episode(rng.random(episodes) < 0.6) ^ (rng.random(count) < 0.04)

    def item(latent: np.ndarray) -> np.ndarray:
        return ordinal(latent, (0.0,), rng, low=0, high=4)[:, 0]

    columns = [
        item(0.15 + 0.7 * rows.distress + traits["physical"]),
        item(rows.distress + 0.05),
        item((rows.distress + rows.anxiety) / 2 + 0.05),
        alcohol_days,
        heavy_days,
        drug_days,
        drug_classes,
        item(rows.craving),
        item(1.0 - (0.7 * rows.craving + 0.3 * rows.distress)),
        item(traits["meetings"] - 0.4 * rows.trend),
        item(0.8 * rows.craving + 0.05),
        item(traits["spirit"]),
        item(traits["work"] - 0.3 * rows.trend),
        np.where(income, 4, 0),
        item(rows.distress - 0.1 + traits["arguments"]),
        item(0.95 - rows.distress + traits["support"]),
        item(0.4 - 1.2 * rows.trend),
    ]
    return np.column_stack(columns).astype(np.int8)


def _use_days(
    rows: Rows, profile: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Past-30-day use bins: most used before admission; later some, more when not improving.

    ``profile`` is 0 alcohol, 1 drugs, 2 both.
    """
    count = len(rows)
    later_chance = np.asarray([0.10, 0.20, 0.45, 0.55, 0.50])[rows.trajectory.astype(np.int64)]
    used = rng.random(count) < np.where(rows.admission, 0.85, later_chance)
    bins = np.arange(1, 5)
    heavy = rng.choice(bins, (count, 2), p=[0.15, 0.25, 0.25, 0.35])
    light = rng.choice(bins, (count, 2), p=[0.6, 0.25, 0.1, 0.05])
    days = np.where(rows.admission[:, None], heavy, light)
    both = profile == 2
    alcohol = used & (profile != 1) & (~both | (rng.random(count) < 0.75))
    drugs = used & (profile != 0) & (~both | ~alcohol | (rng.random(count) < 0.75))
    return np.where(alcohol, days[:, 0], 0), np.where(drugs, days[:, 1], 0)


def _with_missing_items(
    items: np.ndarray, catalog: Catalog, measure: str, rng: np.random.Generator
) -> np.ndarray:
    """Blank one item in a few administrations, three to five in a handful."""
    instrument = catalog[measure]
    askable = np.flatnonzero([not item.optional for item in instrument.items])
    if len(askable) < 2:
        return items
    draw = rng.random(len(items))
    missing = np.where(draw < ONE_MISSING, 1, 0)
    several = (draw >= ONE_MISSING) & (draw < ONE_MISSING + SEVERAL_MISSING)
    missing = np.where(several, rng.integers(3, 6, len(items)), missing)
    affected = np.flatnonzero(missing)
    rank = rng.random((len(affected), len(askable))).argsort(axis=1).argsort(axis=1)
    blank = rank < missing[affected, None]
    items = items.copy()
    block = items[np.ix_(affected, askable)]
    items[np.ix_(affected, askable)] = np.where(blank, MISSING, block)
    return items


GENERATORS: dict[str, Callable[[Rows, np.random.Generator], np.ndarray]] = {
    "mood_nrs": _mood,
    "craving_nrs": _craving,
    "confidence_nrs": _confidence,
    "phq9": _phq9,
    "gad7": _gad7,
    "pacs": _pacs,
    "who5": _who5,
    "gse": _gse,
    "bam_r": _bam_r,
}
