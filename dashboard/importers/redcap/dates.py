"""Turn REDCap date and datetime values into ISO 8601 text, never guessing the order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Literal

DateOrder = Literal["ymd", "mdy", "dmy"]

#: What REDCap exports as the survey timestamp of a survey started but not submitted.
NOT_COMPLETED = "[not completed]"

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DAY_MONTH = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_VALIDATION = re.compile(r"(?:date|datetime|datetime_seconds)(?:_(ymd|mdy|dmy))?")
_SPELLED = {"ymd": "Y-M-D", "mdy": "M/D/Y", "dmy": "D/M/Y"}


def date_order(validation: str) -> DateOrder | None:
    """The day and month order of a REDCap date validation type; None for other types.

    >>> date_order("date_mdy"), date_order("datetime_seconds_dmy"), date_order("integer")
    ('mdy', 'dmy', None)
    """
    match = _VALIDATION.fullmatch(validation.strip().lower())
    if match is None:
        return None
    order = match.group(1) or "ymd"
    return "mdy" if order == "mdy" else "dmy" if order == "dmy" else "ymd"


def contradicting_value(values: Iterable[str], order: DateOrder) -> str | None:
    """A value that cannot be in ``order`` but can in the other: the export's format differs.

    REDCap can export every date as M/D/Y or D/M/Y whatever each field's
    validation; one '25/03/2026' in a field validated M/D/Y shows that its
    '03/04/2026' cannot be trusted either.

    >>> contradicting_value(["03/04/2026", "25/03/2026"], "mdy")
    '25/03/2026'
    >>> contradicting_value(["03/04/2026", "12/30/2026"], "mdy") is None
    True
    """
    if order == "ymd":
        return None
    other: DateOrder = "dmy" if order == "mdy" else "mdy"
    for value in values:
        match = _DAY_MONTH.fullmatch(value.strip())
        if match and _build(match, order) is None and _build(match, other) is not None:
            return value.strip()
    return None


def iso_date(
    value: str, field: str, order: DateOrder, *, contradicted_by: str | None = None
) -> tuple[str | None, str | None]:
    """``(ISO text, None)`` for a date REDCap exported, or ``(None, reason)``.

    Dates are read as YYYY-MM-DD[ HH:MM[:SS]]; M/D/Y and D/M/Y only where the
    field's validation says which, and never when the export contradicts it.

    >>> iso_date("2026-03-04 09:15", "phq9_date", "ymd")
    ('2026-03-04 09:15', None)
    >>> iso_date("03/04/2026", "gad7_date", "dmy")
    ('2026-04-03', None)
    >>> iso_date("03/04/2026", "phq9_date", "ymd")[1].split(":")[0]
    "phq9_date holds '03/04/2026'"
    """
    text = value.strip()
    if text == NOT_COMPLETED:
        return None, f"{field} is '{NOT_COMPLETED}': the survey was never submitted"
    iso = _ISO.fullmatch(text)
    if iso:
        built = _build(iso, "iso")
        return (built, None) if built else (None, f"{field} holds '{text}', not a real date")
    match = _DAY_MONTH.fullmatch(text)
    if match is None:
        return None, f"{field} holds '{text}', not a date"
    if order == "ymd":
        return None, (
            f"{field} holds '{text}': not YYYY-MM-DD, and the field's validation (Y-M-D) "
            "does not say whether the day or the month comes first; export dates as YYYY-MM-DD"
        )
    built = _build(match, order)
    if built is None:
        return None, f"{field} holds '{text}', not a {_SPELLED[order]} date as its validation says"
    if contradicted_by is not None:
        return None, (
            f"{field} holds '{text}', but the field also holds '{contradicted_by}', which "
            f"is not {_SPELLED[order]} as its validation says: the export's date format is "
            "unclear; export dates as YYYY-MM-DD"
        )
    return built, None


def _build(match: re.Match[str], order: DateOrder | Literal["iso"]) -> str | None:
    first, second, third, hour, minute, second_of_minute = match.groups()
    if order in ("iso", "ymd"):
        year, month, day = int(first), int(second), int(third)
    elif order == "mdy":
        year, month, day = int(third), int(first), int(second)
    else:
        year, month, day = int(third), int(second), int(first)
    try:
        dt.datetime(year, month, day, int(hour or 0), int(minute or 0), int(second_of_minute or 0))
    except ValueError:
        return None
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if hour is not None:
        text += f" {int(hour):02d}:{minute}"
        if second_of_minute is not None:
            text += f":{second_of_minute}"
    return text
