"""The parts of a readiness criterion: the latest score against its cut-off, recent ratings.

The building blocks of :mod:`measures.readiness_criteria` (private to it).
"""

from __future__ import annotations

from dataclasses import dataclass

from measures.config import NOT_SET
from measures.definition import Caseness, CasenessRule, Instrument, Score, Source
from measures.formatting import num
from measures.readiness_config import MIN_TREND_POINTS
from tests.measures.reference.readiness_facts import Facts


def _window_text(days: int, facts: Facts) -> str:
    return f"in the {days} days to {facts.review_on}"


def _setting(key: str, name: str) -> str:
    """A program setting as the program's file spells it: "[readiness.craving] craving_nrs_max"."""
    return f"[readiness.{key}] {name}"


def _set_note(settings: tuple[str, ...]) -> str:
    return f"set {' and '.join(settings)} in the program file"


@dataclass(frozen=True)
class _Part:
    """One condition of a criterion: met, not met or not evaluated (missing data or setting)."""

    met: bool | None
    text: str
    sources: tuple[Source, ...] = ()
    missing: bool = False
    setting: str | None = None


def _relation(cut: Caseness, value: float) -> str:
    """Where ``value`` lies against the cut-off: "at or above 10", "below 10"."""
    if cut.is_case(value):
        side = "at or above" if cut.rule == ">=" else "at or below"
    else:
        side = "below" if cut.rule == ">=" else "above"
    return f"{side} {num(cut.cutoff)}"


@dataclass(frozen=True)
class _Cut:
    """The cut-off applied (the definition's or the program's) and the source it comes from."""

    rule: Caseness
    source: Source


def _cut(
    instrument: Instrument, score: Score, override: float | None, policy: Source
) -> _Cut | None:
    """The cut-off to apply: the program's where it sets one, else the definition's."""
    if override is not None:
        rule: CasenessRule = (
            score.caseness.rule if score.caseness else ("<=" if score.higher_is_better else ">=")
        )
        return _Cut(Caseness(override, rule, "program"), policy)
    if score.caseness is None:
        return None
    return _Cut(score.caseness, instrument.source(score.caseness.source))


def _reliable(
    instrument: Instrument, score: Score, override: float | None, policy: Source
) -> tuple[float, Source] | None:
    """The reliable-change threshold to apply and its source (the program's or published)."""
    if override is not None:
        return override, policy
    rc = score.reliable_change
    if rc is None:
        return None
    return rc.threshold, instrument.source(rc.source)


def _window(instrument: Instrument, override: int | None) -> int:
    days = override or instrument.recall_period_days
    if days is None:
        msg = f"{instrument.abbreviation} has no recall period: set window_days for it"
        raise ValueError(msg)
    return days


@dataclass(frozen=True)
class _Latest:
    """The latest value of one score within ``window`` days, against its cut-off."""

    instrument: Instrument
    score: Score
    cut: _Cut | None
    window: int
    setting: str
    with_band: bool = False

    def part(self, facts: Facts) -> tuple[_Part, float | None]:
        series = facts.series.get((self.instrument.id, self.score.column))
        name = self.instrument.abbreviation if self.score.primary else self.score.label
        if series is None or (facts.review_on - series.last.on).days >= self.window:
            last = f" (last on {series.last.on})" if series else ""
            text = f"no {name} {_window_text(self.window, facts)}{last}"
            return _Part(None, text, missing=True), None
        value, on = series.last.value, series.last.on
        if self.cut is None:
            text = f"{name} {num(value)} on {on} (no cut-off)"
            return _Part(None, text, setting=self.setting), value
        band = self.score.band_of(value) if self.with_band else None
        meaning = f": {band[0].lower()}{band[1:]}" if band else ""
        text = f"{name} {num(value)} on {on} ({_relation(self.cut.rule, value)}{meaning})"
        return _Part(not self.cut.rule.is_case(value), text, (self.cut.source,)), value


@dataclass(frozen=True)
class _Ratings:
    """Recent 0-10 ratings: mean against the program's limit, and a trend not getting worse."""

    instrument: Instrument
    window: int
    limit: float | None
    source: Source
    setting: str

    def parts(self, facts: Facts) -> list[_Part]:
        name = self.instrument.abbreviation
        ratings = facts.ratings.get(self.instrument.id)
        if ratings is None:
            return [
                _Part(None, f"no {name} ratings {_window_text(self.window, facts)}", missing=True)
            ]
        better = self.instrument.higher_is_better
        kind = "minimum" if better else "maximum"
        mean = f"{name} mean {num(ratings.mean)} over {ratings.n} ratings since {ratings.since}"
        if self.limit is None:
            level = _Part(None, f"{mean} (program {kind} {NOT_SET})", setting=self.setting)
        else:
            ok = ratings.mean >= self.limit if better else ratings.mean <= self.limit
            side = (
                ("at or above" if ok else "below") if better else ("at or below" if ok else "above")
            )
            text = f"{mean} ({side} the program {kind} {num(self.limit)})"
            level = _Part(ok, text, (self.source,))
        slope = ratings.slope_per_week
        if slope is None or ratings.n < MIN_TREND_POINTS:
            return [level, _Part(None, f"trend needs {MIN_TREND_POINTS} ratings", missing=True)]
        steady = slope >= 0 if better else slope <= 0
        word = (
            ("not falling" if steady else "falling")
            if better
            else ("not rising" if steady else "rising")
        )
        sign = "+" if slope > 0 else ""
        return [level, _Part(steady, f"trend {sign}{num(slope)} a week ({word})")]
