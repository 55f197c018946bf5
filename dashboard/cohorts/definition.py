"""A cohort: a named filter over episodes, by calendar block and by category."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from dashboard.privacy.periods import Granularity, block_span
from dashboard.store.registry import track_name
from dashboard.store.tables import CLIENT_ATTRIBUTES, DISCHARGE_REASONS, LEVELS_OF_CARE

#: Which date of an episode places it in the cohort's period.
PeriodOf = Literal["admitted", "discharged"]
#: The categories a cohort may filter on (each a column of the episodes frame), in the
#: order a definition is read out.
CATEGORIES = (
    "site",
    "track",
    "clinician",
    "discharge_reason",
    "level_of_care",
    *CLIENT_ATTRIBUTES,
)
_WORDS = {
    "site": "site",
    "track": "track",
    "clinician": "clinician",
    "discharge_reason": "discharge reason",
    "level_of_care": "level of care at admission",
    "age_band": "age band",
    "gender": "gender",
    "primary_substance": "primary substance",
    "payer": "payer",
}


@dataclass(frozen=True, kw_only=True)
class Cohort:
    """Episodes admitted (or discharged) in one calendar block, narrowed by categories.

    ``categories`` maps a category of :data:`CATEGORIES` to the values kept (any of
    them); a category not named keeps every episode. Periods are whole calendar blocks
    only, never free day ranges (see :mod:`dashboard.privacy.periods`).

    Examples
    --------
    >>> cohort = Cohort(
    ...     name="Co-occurring, Q3",
    ...     granularity=Granularity.QUARTER,
    ...     block="2026 Q3",
    ...     categories={"track": ("co_occurring",)},
    ... )
    >>> cohort.describe()
    'Episodes discharged in 2026 Q3; track: Co-occurring'
    """

    name: str
    granularity: Granularity
    block: str
    period_of: PeriodOf = "discharged"
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            msg = "a cohort needs a name"
            raise ValueError(msg)
        if self.period_of not in ("admitted", "discharged"):
            msg = f"period_of must be 'admitted' or 'discharged', not {self.period_of!r}"
            raise ValueError(msg)
        try:
            block_span(self.block, Granularity(self.granularity))
        except ValueError:
            msg = f"{self.block!r} is not a {Granularity(self.granularity).value} block"
            raise ValueError(msg) from None
        unknown = sorted(set(self.categories) - set(CATEGORIES))
        if unknown:
            msg = f"unknown cohort categor{'y' if len(unknown) == 1 else 'ies'}: " + ", ".join(
                unknown
            )
            raise ValueError(msg)
        empty = sorted(name for name, values in self.categories.items() if not values)
        if empty:
            msg = f"no value chosen for {', '.join(empty)}: choose one or leave it out"
            raise ValueError(msg)
        for name, known in (
            ("discharge_reason", DISCHARGE_REASONS),
            ("level_of_care", LEVELS_OF_CARE),
        ):
            unknown_values = set(self.categories.get(name, ())) - set(known)
            if unknown_values:
                msg = f"unknown {_WORDS[name]}(s): {', '.join(sorted(unknown_values))}"
                raise ValueError(msg)

    def describe(self) -> str:
        """The definition in words, shown with every figure drawn from the cohort."""
        parts = [f"Episodes {self.period_of} in {self.block}"]
        parts += [
            f"{_WORDS[name]}: {', '.join(_shown(name, v) for v in self.categories[name])}"
            for name in CATEGORIES
            if name in self.categories
        ]
        return "; ".join(parts)

    def span(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the cohort's block."""
        return block_span(self.block, Granularity(self.granularity))

    def episode_filter(self) -> pl.Expr:
        """An expression keeping the cohort's episodes of a frame with the columns
        ``admitted_on``, ``discharged_on`` and those of the categories it names.

        Examples
        --------
        >>> import datetime as dt
        >>> frame = pl.DataFrame({
        ...     "admitted_on": [dt.date(2026, 7, 1)] * 3,
        ...     "discharged_on": [dt.date(2026, 8, 1), None, dt.date(2026, 10, 2)],
        ...     "track": ["co_occurring"] * 3,
        ... })
        >>> cohort = Cohort(name="Q3", granularity=Granularity.QUARTER, block="2026 Q3")
        >>> frame.filter(cohort.episode_filter()).height
        1
        """
        first, last = self.span()
        on = pl.col(f"{self.period_of}_on")
        kept = on.is_between(first, last)
        for name, values in self.categories.items():
            kept = kept & pl.col(name).is_in(list(values))
        return kept

    def to_json(self) -> str:
        """The definition as JSON, for saving (:meth:`from_json` reads it back)."""
        content = dataclasses.asdict(self)
        content["granularity"] = Granularity(self.granularity).value
        content["categories"] = {k: list(v) for k, v in sorted(self.categories.items())}
        return json.dumps(content, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Cohort:
        """A saved definition; a definition that cannot be read says why.

        Examples
        --------
        >>> cohort = Cohort(name="All 2026", granularity=Granularity.YEAR, block="2026")
        >>> Cohort.from_json(cohort.to_json()) == cohort
        True
        """
        try:
            content = json.loads(text)
            kinds = [g.value for g in Granularity]
            if content["granularity"] not in kinds:
                msg = f"{content['granularity']!r} is not a calendar block: {', '.join(kinds)}"
                raise ValueError(msg)
            return cls(
                name=str(content["name"]),
                granularity=Granularity(content["granularity"]),
                block=str(content["block"]),
                period_of=content.get("period_of", "discharged"),
                categories={
                    str(k): tuple(str(v) for v in values)
                    for k, values in content.get("categories", {}).items()
                },
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            msg = f"not a saved cohort definition ({type(exc).__name__}: {exc})"
            raise ValueError(msg) from None


def _shown(category: str, value: str) -> str:
    """A category's value as the pages name it (a track by its name, a code in words)."""
    if category == "track":
        return track_name(value)
    if category in ("discharge_reason", "level_of_care"):
        return value.replace("_", " ")
    return value
