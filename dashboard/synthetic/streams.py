"""Independent seeded random streams and day-number arithmetic shared by the generator."""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np

EPOCH = dt.date(1970, 1, 1)
#: 1970-01-01 was a Thursday: ``(day + 3) % 7`` is the weekday, Monday = 0.
_EPOCH_WEEKDAY = 3


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator of its own for one concern, so a change elsewhere leaves it alone.

    Examples
    --------
    >>> a = stream(7, "phq9").integers(0, 100, 3)
    >>> b = stream(7, "phq9").integers(0, 100, 3)
    >>> bool((a == b).all())
    True
    """
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (polars' Date representation).

    >>> day_number(dt.date(1970, 1, 2))
    1
    """
    return (day - EPOCH).days


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 of day numbers.

    >>> weekday(np.array([day_number(dt.date(2026, 11, 23))])).tolist()
    [0]
    """
    return (days + _EPOCH_WEEKDAY) % 7


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` earlier (clamped to the month's end).

    >>> months_before(dt.date(2026, 11, 26), 18)
    datetime.date(2025, 5, 26)
    """
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    msg = f"no valid day {months} months before {day}"  # pragma: no cover
    raise ValueError(msg)  # pragma: no cover
