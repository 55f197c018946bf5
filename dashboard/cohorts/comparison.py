"""Two to four cohorts side by side: each cohort's figure and its difference from the first
(the reference), with a note wherever a figure rests on fewer values than the minimum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.cohorts.statistics import (
    Estimate,
    mean_interval,
    newcombe_difference,
    proportion,
    welch_difference,
)

#: How many cohorts a comparison takes.
FEWEST, MOST = 2, 4


@dataclass(frozen=True)
class Compared:
    """One figure across cohorts: ``figures`` per cohort, ``differences`` of each later
    cohort from the first (None for the first itself), ``notes`` per cohort (None where
    it rests on at least the minimum)."""

    figures: tuple[Estimate, ...]
    differences: tuple[Estimate | None, ...]
    notes: tuple[str | None, ...]


def compare_rates(counts: Sequence[tuple[int, int]], *, minimum: int) -> Compared:
    """Shares (successes, n) per cohort with Wilson intervals, and each later cohort's
    difference from the first with Newcombe's hybrid score interval.

    Examples
    --------
    >>> c = compare_rates([(56, 70), (48, 80)], minimum=20)
    >>> round(c.figures[0].estimate, 3), c.differences[0]
    (0.8, None)
    >>> d = c.differences[1]  # the second minus the first
    >>> round(d.estimate, 4), round(d.low, 4), round(d.high, 4)
    (-0.2, -0.3339, -0.0524)
    >>> compare_rates([(4, 8), (40, 80)], minimum=20).notes[0]
    'rests on 8 episodes, fewer than the minimum of 20'
    """
    _check(len(counts))
    first_k, first_n = counts[0]
    return Compared(
        figures=tuple(proportion(k, n) for k, n in counts),
        differences=(None, *(newcombe_difference(k, n, first_k, first_n) for k, n in counts[1:])),
        notes=tuple(_note(n, minimum, "episodes") for _, n in counts),
    )


def compare_means(samples: Sequence[Sequence[float | None]], *, minimum: int) -> Compared:
    """Means per cohort with t intervals, and each later cohort's difference from the first
    with Welch's interval (e.g. of change scores, one per paired episode).

    Examples
    --------
    >>> c = compare_means([[-4.0, -6.0, -5.0], [-2.0, -1.0, -3.0, -2.0]], minimum=3)
    >>> c.figures[1].estimate, round(c.differences[1].estimate, 2), c.notes
    (-2.0, 3.0, (None, None))
    """
    _check(len(samples))
    clean = [[v for v in sample if v is not None] for sample in samples]
    return Compared(
        figures=tuple(mean_interval(sample) for sample in clean),
        differences=(None, *(welch_difference(sample, clean[0]) for sample in clean[1:])),
        notes=tuple(_note(len(sample), minimum, "paired scores") for sample in clean),
    )


def _check(cohorts: int) -> None:
    if not FEWEST <= cohorts <= MOST:
        msg = f"a comparison takes {FEWEST} to {MOST} cohorts, not {cohorts}"
        raise ValueError(msg)


def _note(n: int, minimum: int, what: str) -> str | None:
    if n >= minimum:
        return None
    return f"rests on {n} {what}, fewer than the minimum of {minimum}"
