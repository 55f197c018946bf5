"""Read one REDCap field's raw value as the answer to one instrument item."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from measures.definition import Item

#: A whole number as REDCap writes one (no answer has more than a few digits).
_WHOLE = re.compile(r"[+-]?\d{1,15}(?:\.0*)?")
_TAG = re.compile(r"<[^>]*>")


def label_key(text: str) -> str:
    """A choice label reduced for comparison: no HTML tags, case or extra spaces.

    >>> label_key(" <b>Not  at all</b>")
    'not at all'
    """
    return " ".join(_TAG.sub("", text).split()).casefold()


def allowed_text(item: Item) -> str:
    """The answers an item accepts, as the validation messages write them."""
    if item.values:
        return " or ".join(str(v) for v in item.values)
    return f"{item.min}-{item.max}"


@dataclass(frozen=True)
class ItemReader:
    """Reads one REDCap field as the answer to one instrument item."""

    name: str
    item: Item
    instrument: str
    scores: Mapping[str, int] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()

    def read(self, value: str) -> tuple[int | None, str | None]:
        """``(score, None)``, ``(None, None)`` for a missing-value code, or ``(None, reason)``.

        >>> from measures import load_catalog
        >>> item = load_catalog()["phq9"].item("item_1")
        >>> reader = ItemReader("no_interest", item, "PHQ-9", {"0": 0, "1": 1},
        ...                     {"not at all": "0", "several days": "1"})
        >>> reader.read("1")
        (1, None)
        >>> reader.read("Not at all")
        (None, "no_interest holds 'Not at all', a choice label: export raw data, not labels")
        """
        if value in self.missing:
            return None, None
        if self.scores is not None:
            if value not in self.scores:
                if label_key(value) in self.labels:
                    reason = "a choice label: export raw data, not labels"
                else:
                    reason = f"not one of its choice codes ({', '.join(self.scores)})"
                return None, f"{self.name} holds '{value}', {reason}"
            score = self.scores[value]
        elif _WHOLE.fullmatch(value):
            score = int(float(value))
        else:
            return None, f"{self.name} holds '{value}', not a whole number"
        if score not in self.item.allowed_values:
            return None, (
                f"{self.name} ({self.item.id}) is {score}; "
                f"{self.instrument} answers are {allowed_text(self.item)}"
            )
        return score, None
