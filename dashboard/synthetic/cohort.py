"""Sites, tracks, clinicians, clients and their episodes, each with a trajectory type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from dashboard.synthetic.names import (
    CLIENT_FAMILY,
    CLIENT_GIVEN,
    CLINICIAN_FAMILY,
    CLINICIAN_GIVEN,
    fictional_names,
    padded_ids,
)
from dashboard.synthetic.streams import day_number, months_before, stream, weekday

SITES = ("Riverside", "Hillcrest")
SITE_SHARES = (0.55, 0.45)
TRACKS = ("substance_use", "mental_health", "co_occurring")
TRACK_SHARES = (0.35, 0.28, 0.37)
#: Track codes whose clients are asked about craving, confidence and substance use.
SUBSTANCE_TRACKS = (0, 2)
TRAJECTORIES = ("responder", "slow_responder", "non_responder", "deteriorator", "early_dropout")
TRAJECTORY_SHARES = (0.40, 0.20, 0.17, 0.08, 0.15)
RESPONDER, SLOW_RESPONDER, NON_RESPONDER, DETERIORATOR, EARLY_DROPOUT = range(5)
DISCHARGE_REASONS = ("completed", "stepped_down", "left_early", "stepped_up", "other")
COMPLETED, STEPPED_DOWN, LEFT_EARLY, STEPPED_UP, OTHER = range(5)
#: Discharge reason shares per trajectory (rows in TRAJECTORIES order).
REASON_SHARES = np.array(
    [
        [0.75, 0.22, 0.00, 0.00, 0.03],
        [0.55, 0.28, 0.12, 0.00, 0.05],
        [0.35, 0.10, 0.30, 0.20, 0.05],
        [0.25, 0.00, 0.25, 0.45, 0.05],
        [0.00, 0.00, 1.00, 0.00, 0.00],
    ]
)
#: Planned length in weeks after admission (inclusive range) per discharge reason.
WEEKS_BY_REASON = ((6, 12), (6, 11), (3, 8), (2, 8), (2, 10))
#: Completers' length in weeks per trajectory: fast responders finish sooner.
COMPLETED_WEEKS = ((6, 10), (8, 12), (6, 12), (6, 10), (6, 12))
DROPOUT_DAYS = (7, 21)
DAYS_PER_WEEK_SHARES = {3: 0.35, 4: 0.35, 5: 0.30}
ADMISSION_MONTHS = 18
#: Admissions grow over the window: the density rises linearly by this factor.
ADMISSION_GROWTH = 3.0
READMISSION_SHARE = 0.35
CLIENTS_PER_CLINICIAN = 30
#: The demo client is this many days into an active episode at as_of.
DEMO_DAYS_IN = 40


@dataclass(frozen=True)
class Episodes:
    """Episodes as aligned arrays, in admission order (index = episode number - 1).

    Days are day numbers (days since 1970-01-01); ``planned_end`` may be after
    as_of, in which case the episode is still active.
    """

    client: np.ndarray
    site: np.ndarray
    track: np.ndarray
    trajectory: np.ndarray
    reason: np.ndarray
    clinician: np.ndarray
    admitted: np.ndarray
    planned_end: np.ndarray
    weekdays: np.ndarray
    readmission: np.ndarray

    def __len__(self) -> int:
        return len(self.client)

    def take(self, order: np.ndarray) -> Episodes:
        """The episodes at ``order`` (an index array)."""
        return Episodes(**{name: value[order] for name, value in vars(self).items()})


@dataclass(frozen=True)
class Cohort:
    """Everyone in the synthetic program and their episodes."""

    as_of: int
    client_ids: pl.Series
    client_names: pl.Series
    clinicians: pl.DataFrame
    episodes: Episodes
    episode_ids: pl.Series
    demo_episode: int

    def discharged(self) -> np.ndarray:
        """Whether each episode ended on or before as_of."""
        return self.episodes.planned_end <= self.as_of


def build_cohort(*, clients: int, seed: int, as_of: dt.date) -> Cohort:
    """Clinicians, clients and episodes admitted over the 18 months before ``as_of``."""
    rng, names = stream(seed, "cohort"), stream(seed, "names")
    today = day_number(as_of)
    per_site = max(4, round(clients / CLIENTS_PER_CLINICIAN / len(SITES)))
    clinicians = _clinicians(per_site, names)
    site = rng.choice(len(SITES), clients, p=SITE_SHARES).astype(np.int8)
    admitted = np.sort(_admission_days(clients, as_of, rng))
    primary = _plan_episodes(
        client=np.arange(clients, dtype=np.int32),
        site=site,
        track=rng.choice(len(TRACKS), clients, p=TRACK_SHARES).astype(np.int8),
        admitted=admitted,
        clinician=_clinician_at(site, per_site, rng),
        readmission=False,
        rng=rng,
    )
    demo = int(np.argmin(np.abs(admitted - (today - DEMO_DAYS_IN))))
    primary = _make_demo(primary, demo)
    readmitted = _readmissions(primary, today=today, per_site=per_site, rng=rng)
    episodes = _concat(primary, readmitted)
    order = np.lexsort((episodes.client, episodes.admitted))
    episodes = episodes.take(order)
    return Cohort(
        as_of=today,
        client_ids=padded_ids("C", clients, width=4),
        client_names=fictional_names(CLIENT_GIVEN, CLIENT_FAMILY, clients, names),
        clinicians=clinicians,
        episodes=episodes,
        episode_ids=padded_ids("E", len(episodes), width=4),
        demo_episode=int(np.flatnonzero(order == demo)[0]),
    )


def episode_frame(cohort: Cohort) -> pl.DataFrame:
    """``episodes.csv``: one row per episode; discharge columns blank while active."""
    episodes = cohort.episodes
    discharged = cohort.discharged()
    reason = pl.Series(DISCHARGE_REASONS).gather(episodes.reason)
    return pl.DataFrame(
        {
            "client_id": cohort.client_ids.gather(episodes.client),
            "display_name": cohort.client_names.gather(episodes.client),
            "site": pl.Series(SITES).gather(episodes.site),
            "track": pl.Series(TRACKS).gather(episodes.track),
            "clinician_id": cohort.clinicians["clinician_id"].gather(episodes.clinician),
            "episode_id": cohort.episode_ids,
            "admitted_on": _dates(episodes.admitted),
            "discharged_on": _dates(episodes.planned_end).set(pl.Series(~discharged), None),
            "discharge_reason": reason.set(pl.Series(~discharged), None),
        }
    )


def care_level_frame(cohort: Cohort) -> pl.DataFrame:
    """``care_levels.csv``: IOP on admission, then PHP (stepped up) or OP (stepped down)."""
    episodes = cohort.episodes
    index = np.arange(len(episodes))
    admission = pl.DataFrame(
        {
            "episode": index,
            "changed_on": episodes.admitted,
            "level_of_care": "iop",
            "reason": np.where(episodes.readmission, "readmission", "admission"),
        }
    )
    discharged = cohort.discharged()
    changes = []
    for reason, level, text in (
        (STEPPED_UP, "php", "stepped up to partial hospitalization"),
        (STEPPED_DOWN, "op", "stepped down to outpatient"),
    ):
        chosen = index[discharged & (episodes.reason == reason)]
        changes.append(
            pl.DataFrame(
                {
                    "episode": chosen,
                    "changed_on": episodes.planned_end[chosen],
                    "level_of_care": level,
                    "reason": text,
                },
                schema=admission.schema,
            )
        )
    rows = pl.concat([admission, *changes]).sort("changed_on", "episode")
    return rows.select(
        cohort.client_ids.gather(episodes.client[rows["episode"].to_numpy()]).alias("client_id"),
        cohort.episode_ids.gather(rows["episode"]).alias("episode_id"),
        _dates(rows["changed_on"].to_numpy()).alias("changed_on"),
        "level_of_care",
        "reason",
    )


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _clinicians(per_site: int, rng: np.random.Generator) -> pl.DataFrame:
    count = per_site * len(SITES)
    return pl.DataFrame(
        {
            "clinician_id": padded_ids("CL", count, width=2),
            "display_name": fictional_names(
                CLINICIAN_GIVEN, CLINICIAN_FAMILY, count, rng, title="Dr. "
            ),
            "site": pl.Series(SITES).gather(np.repeat(np.arange(len(SITES)), per_site)),
        }
    )


def _clinician_at(site: np.ndarray, per_site: int, rng: np.random.Generator) -> np.ndarray:
    """A random clinician of each site (clinicians are numbered site by site)."""
    chosen = site.astype(np.int64) * per_site + rng.integers(0, per_site, len(site))
    return np.asarray(chosen, dtype=np.int32)


def _admission_days(count: int, as_of: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Weekdays in the 18 months before as_of, more of them recently (a growing program).

    Stratified: one admission in each of ``count`` equal slices of the
    distribution, so the number still in treatment at as_of varies little.
    """
    first = day_number(months_before(as_of, ADMISSION_MONTHS))
    span = day_number(as_of) - first + 1
    # inverse CDF of a density rising linearly from 1 to ADMISSION_GROWTH
    slope = ADMISSION_GROWTH - 1.0
    area = 1.0 + slope / 2.0
    target = (np.arange(count) + rng.random(count)) / count * area
    position = (-1.0 + np.sqrt(1.0 + 2.0 * slope * target)) / slope
    days = first + np.minimum((position * span).astype(np.int64), span - 1)
    day_of_week = weekday(days)
    return np.asarray(days - np.maximum(day_of_week - 4, 0), dtype=np.int32)


def _plan_episodes(
    *,
    client: np.ndarray,
    site: np.ndarray,
    track: np.ndarray,
    admitted: np.ndarray,
    clinician: np.ndarray,
    readmission: bool,
    rng: np.random.Generator,
) -> Episodes:
    """Trajectory, discharge reason, weekly pattern and planned end of new episodes."""
    count = len(client)
    trajectory = _shuffled_shares(TRAJECTORY_SHARES, count, rng)
    cumulative = REASON_SHARES.cumsum(axis=1)[trajectory]
    reason = (rng.random(count)[:, None] > cumulative).sum(axis=1).astype(np.int8)
    reason = np.minimum(reason, len(DISCHARGE_REASONS) - 1)
    weekdays = _weekly_pattern(admitted, rng)
    ranges = np.array(WEEKS_BY_REASON)[reason]
    ranges = np.where((reason == COMPLETED)[:, None], np.array(COMPLETED_WEEKS)[trajectory], ranges)
    # whole weeks after admission fall on the admission weekday, always a program day,
    # so the last program day on or before the target stays within the range
    length = rng.integers(7 * ranges[:, 0], 7 * ranges[:, 1] + 1)
    dropout = trajectory == EARLY_DROPOUT
    length[dropout] = rng.integers(DROPOUT_DAYS[0], DROPOUT_DAYS[1] + 1, int(dropout.sum()))
    return Episodes(
        client=client.astype(np.int32),
        site=site.astype(np.int8),
        track=track.astype(np.int8),
        trajectory=trajectory,
        reason=reason,
        clinician=clinician.astype(np.int32),
        admitted=admitted.astype(np.int32),
        planned_end=_last_program_day(admitted + length, weekdays),
        weekdays=weekdays,
        readmission=np.full(count, readmission),
    )


def _shuffled_shares(shares: tuple[float, ...], count: int, rng: np.random.Generator) -> np.ndarray:
    """Codes in exactly these shares (largest remainders), in random order.

    >>> _shuffled_shares((0.5, 0.5), 4, np.random.default_rng(0)).tolist().count(0)
    2
    """
    exact = np.asarray(shares) * count
    counts = np.floor(exact).astype(np.int64)
    remainder = np.argsort(-(exact - counts), kind="stable")[: count - counts.sum()]
    counts[remainder] += 1
    return rng.permutation(np.repeat(np.arange(len(shares), dtype=np.int8), counts))


def _weekly_pattern(admitted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """3-5 program weekdays (Mon-Fri) per episode, always including the admission day."""
    count = len(admitted)
    per_week = rng.choice(list(DAYS_PER_WEEK_SHARES), count, p=list(DAYS_PER_WEEK_SHARES.values()))
    keys = rng.random((count, 5))
    keys[np.arange(count), weekday(admitted)] = -1.0
    rank = keys.argsort(axis=1).argsort(axis=1)
    return rank < per_week[:, None]


def _last_program_day(target: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """The last program day on or before each ``target`` day."""
    candidates = target[:, None] - np.arange(7)[None, :]
    day_of_week = weekday(candidates)
    padded = np.concatenate([weekdays, np.zeros((len(target), 2), dtype=bool)], axis=1)
    ok = np.take_along_axis(padded, day_of_week, axis=1)
    return np.asarray(candidates[np.arange(len(target)), ok.argmax(axis=1)], dtype=np.int32)


def _make_demo(episodes: Episodes, demo: int) -> Episodes:
    """Make one episode a co-occurring responder about six weeks in: the demo client."""
    track, trajectory, reason = (
        a.copy() for a in (episodes.track, episodes.trajectory, episodes.reason)
    )
    planned_end = episodes.planned_end.copy()
    track[demo], trajectory[demo], reason[demo] = 2, RESPONDER, COMPLETED
    planned_end[demo] = _last_program_day(
        episodes.admitted[demo : demo + 1] + 7 * 12, episodes.weekdays[demo : demo + 1]
    )[0]
    return replace(
        episodes, track=track, trajectory=trajectory, reason=reason, planned_end=planned_end
    )


def _readmissions(
    primary: Episodes, *, today: int, per_site: int, rng: np.random.Generator
) -> Episodes:
    """A second episode for some clients who left early or were stepped up to PHP."""
    count = len(primary)
    gap = np.where(
        primary.reason == STEPPED_UP,
        rng.integers(14, 43, count),
        rng.integers(21, 151, count),
    )
    start = primary.planned_end + gap
    start = start + np.where(weekday(start) >= 5, 7 - weekday(start), 0)
    eligible = (
        np.isin(primary.reason, (LEFT_EARLY, STEPPED_UP))
        & (start <= today - 14)
        & (rng.random(count) < READMISSION_SHARE)
    )
    chosen = np.flatnonzero(eligible)
    same_clinician = rng.random(len(chosen)) < 0.7
    other = _clinician_at(primary.site[chosen], per_site, rng)
    return _plan_episodes(
        client=primary.client[chosen],
        site=primary.site[chosen],
        track=primary.track[chosen],
        admitted=start[chosen],
        clinician=np.where(same_clinician, primary.clinician[chosen], other),
        readmission=True,
        rng=rng,
    )


def _concat(first: Episodes, second: Episodes) -> Episodes:
    return Episodes(
        **{
            name: np.concatenate([value, getattr(second, name)])
            for name, value in vars(first).items()
        }
    )
