"""One record read from FHIR: the cells of its administration row and why it is rejected."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.importers.fhir.files import Json

_WALL_CLOCK = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?))?(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$"
)


@dataclass(frozen=True)
class Problem:
    """Why a record is rejected: the column and value concerned, where there is one."""

    reason: str
    column: str | None = None
    value: str | None = None


class Unreadable(ValueError):  # noqa: N818 - reads better at the raise site
    """A value that cannot be read; the record is rejected with this problem."""

    def __init__(self, reason: str, *, column: str | None = None, value: str | None = None) -> None:
        super().__init__(reason)
        self.problem = Problem(reason, column, value)


@dataclass
class Record:
    """The administration row of one FHIR record, filled in as it is read."""

    raw: str
    client_id: str | None = None
    measure: str | None = None
    administered_on: str | None = None
    source_id: str | None = None
    items: dict[str, str] = field(default_factory=dict)
    total: str | None = None
    total_scale: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: What recognised its instrument (one of :data:`~.recognition.EVIDENCE`).
    evidence: str | None = None
    #: Problems that do not reject it (an ordinal that disagrees with its code):
    #: stored with the administration and shown with its scores.
    notes: list[str] = field(default_factory=list)

    def reject(self, reason: str, column: str | None = None, value: str | None = None) -> None:
        """Add a reason the record cannot be used."""
        self.problems.append(Problem(reason, column, value))

    def cells(self) -> dict[str, str | None]:
        """The row's text cells by column name."""
        return {
            "client_id": self.client_id,
            "measure": self.measure,
            "administered_on": self.administered_on,
            "total": self.total,
            "total_scale": self.total_scale,
            "source_id": self.source_id,
            **self.items,
        }

    def total_unread(self, problems: list[Problem]) -> None:
        """A stored total that cannot be read. With item answers read, the administration
        is kept, scored from them, and the total's problem noted on it; without any, the
        total was all there was, and the record is rejected."""
        if not problems:
            return
        if not self.items:
            self.problems.extend(problems)
            return
        self.total = None
        self.total_scale = None
        self.notes.extend(
            f"the stored total was not read ({p.reason}); the score is computed from the answers"
            for p in problems
        )

    def put(self, column: str, value: str | None) -> None:
        """Set an item column or ``total``."""
        if column == "total":
            self.total = value
        elif value is not None:
            self.items[column] = value


def elements(holder: Json, key: str, where: str) -> list[Json]:
    """The objects of the list ``key`` of ``holder`` (none where it is absent).

    Raises :class:`Unreadable` when ``key`` holds something else than a list of
    JSON objects: an answer given as an object instead of a list of them is not
    read as no answer.

    >>> elements({"answer": [{"valueInteger": 1}]}, "answer", "item_1")
    [{'valueInteger': 1}]
    >>> elements({"answer": {"valueInteger": 1}}, "answer", "item_1")
    Traceback (most recent call last):
    ...
    dashboard.importers.fhir.record.Unreadable: item_1: 'answer' is not a list
    """
    value = holder.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"{where}: '{key}' is not a list"
        raise Unreadable(msg)
    if not all(isinstance(v, Mapping) for v in value):
        msg = f"{where}: '{key}' holds something that is not a JSON object"
        raise Unreadable(msg)
    return value


def compact(resource: Json) -> str:
    """The resource as one line of JSON."""
    # default=str: a number no score can be (OutOfRange) is kept as its text
    return json.dumps(resource, separators=(",", ":"), ensure_ascii=False, default=str)


def wall_clock(text: str) -> str:
    """A FHIR date/dateTime/instant as written, without fraction and UTC offset.

    >>> [wall_clock(t) for t in ("2019-08-21T20:36:57.544Z", "2025-03-03T10:15:00-05:00",
    ...                          "2025-03-03", "2025-03")]
    ['2019-08-21T20:36:57', '2025-03-03T10:15:00', '2025-03-03', '2025-03']
    """
    match = _WALL_CLOCK.match(text.strip())
    if match is None:
        return text.strip()
    day, time = match.groups()
    return day if time is None else f"{day}T{time}"


def source_id(resource: Json, full_url: str | None) -> str | None:
    """``resourceType/id`` plus ``/_history/version`` where known; the fullUrl without an id."""
    rid = resource.get("id")
    if not isinstance(rid, str) or not rid:
        return full_url
    text = f"{resource.get('resourceType')}/{rid}"
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, Mapping) else None
    return f"{text}/_history/{version}" if version else text


def number_text(value: object) -> str | None:
    """A JSON number as text, whole numbers without '.0'; None for anything else.

    >>> [number_text(v) for v in (2, 2.0, 1.5, "3", True)]
    ['2', '2', '1.5', None, None]
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
