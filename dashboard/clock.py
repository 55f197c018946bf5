"""Today's date and the time: the system's, or a day pinned by IOP_TODAY for demos and tests."""

from __future__ import annotations

import datetime as dt
import os

#: Set to a date (``YYYY-MM-DD``) to run the app as if it were that day, at the
#: current time of day. Tests pin it so that a weekday rule (daily ratings on
#: program days) reads the same on a Saturday; the app shows a banner whenever it is set.
PIN_VARIABLE = "IOP_TODAY"


def pinned_day() -> dt.date | None:
    """The day IOP_TODAY pins, or None when the system clock rules.

    >>> import os
    >>> os.environ[PIN_VARIABLE] = "2026-11-26"
    >>> pinned_day()
    datetime.date(2026, 11, 26)
    >>> del os.environ[PIN_VARIABLE]
    """
    value = os.environ.get(PIN_VARIABLE, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{PIN_VARIABLE}={value!r} is not a date: write it as YYYY-MM-DD, or unset it"
        raise ValueError(msg) from None


def today() -> dt.date:
    """Today, or the pinned day.

    >>> today() == (pinned_day() or dt.date.today())
    True
    """
    return pinned_day() or dt.date.today()


def now() -> dt.datetime:
    """Now (local, naive), moved to the pinned day when one is set; the time of day is real.

    >>> now().date() == today()
    True
    """
    moment = dt.datetime.now()
    day = pinned_day()
    if day is None:
        return moment
    return dt.datetime.combine(day, moment.time())
