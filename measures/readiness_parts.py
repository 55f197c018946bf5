"""The parts of a readiness criterion as polars expressions over the facts of every review.

The latest score against its cut-off, recent ratings against a program limit and their
trend, and how parts combine into a criterion's verdict. The building blocks of
:mod:`measures.readiness_criteria` (private to it); each expression reads the columns
of :func:`measures.readiness_facts.gather_facts`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import polars as pl

from measures.config import NOT_SET
from measures.definition import Caseness, CasenessRule, Instrument, Score, Source
from measures.formatting import num, num_text
from measures.readiness_config import MIN_TREND_POINTS
from measures.readiness_facts import ratings, series

#: Where a criterion needs recent data and has none.
NO_RECENT = "not enough recent data"
NO_TEXTS = pl.lit([], dtype=pl.List(pl.String))
_REVIEW_ON = pl.col("review_on")


def _text(*pieces: str | pl.Expr) -> pl.Expr:
    """Pieces (text or expressions) joined into one text expression."""
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in pieces])


def _day(column: str | pl.Expr) -> pl.Expr:
    """A date as ``str(date)`` writes it (2026-11-16)."""
    return (pl.col(column) if isinstance(column, str) else column).cast(pl.String)


def _window_text(days: int) -> pl.Expr:
    return _text(f"in the {days} days to ", _day(_REVIEW_ON))


def _texts(*items: pl.Expr) -> pl.Expr:
    """A list of the items that are not null, in order."""
    return pl.concat_list(items).list.drop_nulls() if items else NO_TEXTS


def source_key(source: Source) -> str:
    """A source as one text, for the ``sources`` lists of the frames (:func:`source_of` reads it).

    Two keys are equal exactly when the sources are, so a list keeps each source once.

    Examples
    --------
    >>> key = source_key(Source(label="Kroenke et al. 2001", text="Kroenke K. ..."))
    >>> source_of(key).label
    'Kroenke et al. 2001'
    """
    return json.dumps([source.label, source.text], ensure_ascii=False)


@cache
def source_of(key: str) -> Source:
    """The :class:`~measures.definition.Source` of a :func:`source_key`."""
    label, text = json.loads(key)
    return Source(label=label, text=text)


def _keys(*sources: Source) -> pl.Expr:
    """A constant list of sources (as keys), each once, in order."""
    keys = dict.fromkeys(source_key(s) for s in sources)
    return pl.lit(list(keys), dtype=pl.List(pl.String)) if keys else NO_TEXTS


def _setting(key: str, name: str) -> str:
    """A program setting as the program's file spells it: "[readiness.craving] craving_nrs_max"."""
    return f"[readiness.{key}] {name}"


def _set_note(settings: pl.Expr) -> pl.Expr:
    """ "set [readiness.x] y and ... in the program file" of a list of settings."""
    return _text("set ", settings.list.join(" and "), " in the program file")


@dataclass(frozen=True)
class _Part:
    """One condition of a criterion: met, not met or not evaluated (missing data or setting).

    ``met`` null: not evaluated; ``sources`` a list of source keys; ``setting`` the
    program setting it lacks (null where none); ``present`` False drops the part
    (a condition that does not arise for the row, e.g. a trend without ratings).
    """

    met: pl.Expr
    text: pl.Expr
    sources: pl.Expr = NO_TEXTS
    missing: pl.Expr = field(default_factory=lambda: pl.lit(False))
    setting: pl.Expr = field(default_factory=lambda: pl.lit(None, pl.String))
    present: pl.Expr = field(default_factory=lambda: pl.lit(True))


@dataclass(frozen=True)
class Outcome:
    """A criterion's verdict at one review, with its evidence, for every row of the facts.

    The fields of :class:`measures.readiness.CriterionResult` as expressions
    (``sources`` a list of :func:`source_key`, each once; ``settings`` a list).
    """

    met: pl.Expr
    value: pl.Expr
    sources: pl.Expr = NO_TEXTS
    note: pl.Expr = field(default_factory=lambda: pl.lit(None, pl.String))
    no_recent_data: pl.Expr = field(default_factory=lambda: pl.lit(False))
    improving: pl.Expr = field(default_factory=lambda: pl.lit(False))
    applicable: pl.Expr = field(default_factory=lambda: pl.lit(True))
    settings: pl.Expr = NO_TEXTS

    def where(self, condition: pl.Expr, other: Outcome) -> Outcome:
        """This outcome where ``condition`` holds, else ``other``."""
        chosen = {
            name: pl.when(condition).then(getattr(self, name)).otherwise(getattr(other, name))
            for name in self.__dataclass_fields__
        }
        return Outcome(**chosen)


def _combine(parts: list[_Part], *, hint: str) -> Outcome:
    """Met only when every part is evaluated and met; not met when any part is not met.

    Otherwise not evaluated (fail closed): the note says what is missing, recent
    data (``no_recent_data``) or a program setting (``settings``).
    """
    not_met = pl.any_horizontal([p.present & p.met.not_().fill_null(False) for p in parts])
    unknown = pl.any_horizontal([p.present & p.met.is_null() for p in parts])
    met = pl.when(not_met).then(False).when(unknown).then(None).otherwise(True)
    missing = met.is_null() & pl.any_horizontal([p.present & p.missing for p in parts])
    settings = _texts(
        *[pl.when(p.present & p.met.is_null()).then(p.setting) for p in parts]
    ).list.unique(maintain_order=True)
    with_settings = met.is_null() & (settings.list.len() > 0)
    note = pl.concat_str(
        pl.when(missing).then(pl.lit(f"{NO_RECENT}: {hint}")),
        pl.when(with_settings).then(_set_note(settings)),
        separator="; ",
        ignore_nulls=True,
    )
    sources = pl.concat_list(
        [pl.when(p.present).then(p.sources).otherwise(NO_TEXTS) for p in parts]
    ).list.unique(maintain_order=True)
    value = pl.concat_str(
        [pl.when(p.present).then(p.text) for p in parts], separator="; ", ignore_nulls=True
    )
    return Outcome(
        met=met,
        value=value,
        sources=sources,
        note=pl.when(missing | with_settings).then(note),
        no_recent_data=missing,
        settings=settings,
    )


def _relation(cut: Caseness, case: pl.Expr) -> pl.Expr:
    """Where a value lies against the cut-off: "at or above 10", "below 10"."""
    on, off = ("at or above", "below") if cut.rule == ">=" else ("at or below", "above")
    return (
        pl.when(case)
        .then(pl.lit(f"{on} {num(cut.cutoff)}"))
        .otherwise(pl.lit(f"{off} {num(cut.cutoff)}"))
    )


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

    def column(self, name: str) -> pl.Expr:
        """A :data:`~measures.readiness_facts.SERIES_FIELDS` fact of this score."""
        return series(self.instrument.id, self.score.column, name)

    @property
    def recent(self) -> pl.Expr:
        """Whether the latest score is inside the window (false where there is none)."""
        age = (_REVIEW_ON - self.column("last_on")).dt.total_days()
        return (age < self.window).fill_null(False)

    def part(self) -> _Part:
        """The part: met where on the healthy side of the cut-off, unevaluated otherwise."""
        name = self.instrument.abbreviation if self.score.primary else self.score.label
        last_on, value = self.column("last_on"), self.column("last_value")
        last = pl.when(last_on.is_not_null()).then(_text(" (last on ", _day(last_on), ")"))
        absent = _text(f"no {name} ", _window_text(self.window), last.otherwise(pl.lit("")))
        shown = _text(f"{name} ", num_text(value), " on ", _day(last_on))
        recent = self.recent
        if self.cut is None:
            text = pl.when(recent).then(_text(shown, " (no cut-off)")).otherwise(absent)
            setting = pl.when(recent).then(pl.lit(self.setting))
            return _Part(pl.lit(None, pl.Boolean), text, missing=~recent, setting=setting)
        case = self.cut.rule.is_case(value)
        meaning = self._meaning(value) if self.with_band else pl.lit("")
        text = _text(shown, " (", _relation(self.cut.rule, case), meaning, ")")
        return _Part(
            met=pl.when(recent).then(~case),
            text=pl.when(recent).then(text).otherwise(absent),
            sources=pl.when(recent).then(_keys(self.cut.source)).otherwise(NO_TEXTS),
            missing=~recent,
        )

    def _meaning(self, value: pl.Expr) -> pl.Expr:
        """ ": <band in lower case>" of the value's severity band, "" outside every band."""
        meaning: pl.Expr = pl.lit("")
        for band in reversed(self.score.bands):
            words = f": {band.label[0].lower()}{band.label[1:]}" if band.label else ""
            meaning = (
                pl.when(value.is_between(band.min, band.max)).then(pl.lit(words)).otherwise(meaning)
            )
        return meaning


@dataclass(frozen=True)
class _Ratings:
    """Recent 0-10 ratings: mean against the program's limit, and a trend not getting worse."""

    instrument: Instrument
    window: int
    limit: float | None
    source: Source
    setting: str

    def parts(self) -> list[_Part]:
        """The level and the trend; without ratings, one part saying none were given."""
        name = self.instrument.abbreviation
        n, mean = ratings(self.instrument.id, "n"), ratings(self.instrument.id, "mean")
        slope = ratings(self.instrument.id, "slope_per_week")
        given = n.is_not_null()
        absent = _Part(
            pl.lit(None, pl.Boolean),
            _text(f"no {name} ratings ", _window_text(self.window)),
            missing=pl.lit(True),
        )
        better = self.instrument.higher_is_better
        kind = "minimum" if better else "maximum"
        level_text = _text(
            f"{name} mean ",
            num_text(mean),
            " over ",
            n.cast(pl.String),
            " ratings since ",
            _day(ratings(self.instrument.id, "since")),
        )
        if self.limit is None:
            level = _Part(
                pl.lit(None, pl.Boolean),
                _text(level_text, f" (program {kind} {NOT_SET})"),
                setting=pl.lit(self.setting),
            )
        else:
            ok = mean >= self.limit if better else mean <= self.limit
            sides = ("at or above", "below") if better else ("at or below", "above")
            side = pl.when(ok).then(pl.lit(sides[0])).otherwise(pl.lit(sides[1]))
            limit = f" the program {kind} {num(self.limit)})"
            level = _Part(ok, _text(level_text, " (", side, limit), _keys(self.source))
        steady = slope >= 0 if better else slope <= 0
        words = ("not falling", "falling") if better else ("not rising", "rising")
        word = pl.when(steady).then(pl.lit(words[0])).otherwise(pl.lit(words[1]))
        sign = pl.when(slope > 0).then(pl.lit("+")).otherwise(pl.lit(""))
        fitted = slope.is_not_null() & (n >= MIN_TREND_POINTS)
        trend = _Part(
            met=pl.when(fitted).then(steady),
            text=pl.when(fitted)
            .then(_text("trend ", sign, num_text(slope), " a week (", word, ")"))
            .otherwise(pl.lit(f"trend needs {MIN_TREND_POINTS} ratings")),
            missing=~fitted,
            present=given,
        )
        return [_either(given, level, absent), trend]


def _either(condition: pl.Expr, part: _Part, other: _Part) -> _Part:
    """``part`` where ``condition`` holds, else ``other``."""
    chosen = {
        name: pl.when(condition).then(getattr(part, name)).otherwise(getattr(other, name))
        for name in part.__dataclass_fields__
    }
    return _Part(**chosen)
