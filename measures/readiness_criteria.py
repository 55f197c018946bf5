"""Readiness criteria as rules: thresholds resolved once, then applied to each client's facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from measures.catalog import Catalog
from measures.change import DETERIORATED, IMPROVED, NO_CHANGE
from measures.config import NOT_SET
from measures.definition import Caseness, CasenessRule, Instrument, Score
from measures.formatting import counted, num
from measures.readiness_config import (
    MIN_TREND_POINTS,
    Attendance,
    BamComposite,
    Craving,
    Criterion,
    MinWeeks,
    ReadinessConfig,
    Safety,
    SelfEfficacy,
    Symptoms,
)
from measures.readiness_facts import Facts

#: The criteria in the order a review lists them.
CRITERIA = (
    "min_weeks",
    "mood",
    "anxiety",
    "safety",
    "craving",
    "use",
    "self_efficacy",
    "recovery_environment",
    "attendance",
)
#: Where a criterion needs recent data and has none.
NO_RECENT = "not enough recent data"
#: The source of the 14-day safety look-back.
SAFETY_WINDOW_SOURCE = (
    "IOP Outcomes issues 4 and 10 (every safety flag and unknown safety answer of the last "
    "14 days closed by a recorded follow-up that found no elevated risk)"
)
_LABELS = {
    "min_weeks": "Time in IOP",
    "safety": "Safety flags followed up",
    "craving": "Craving",
    "use": "No recent substance use",
    "self_efficacy": "Confidence to stay abstinent",
    "recovery_environment": "Recovery supports",
    "attendance": "Attendance",
}


@dataclass(frozen=True)
class Outcome:
    """A criterion's verdict at one review, with its plain-language evidence."""

    label: str
    met: bool | None
    value: str
    source: str
    note: str | None = None
    no_recent_data: bool = False


Check = Callable[[Facts], Outcome]


@dataclass(frozen=True)
class Rule:
    """One enabled criterion, its thresholds resolved: apply it to a client's facts."""

    key: str
    label: str
    criterion: Criterion
    measures: tuple[str, ...]
    check: Check

    def apply(self, facts: Facts) -> Outcome:
        """The criterion's outcome, or "not applicable" for the client's track."""
        inapplicable = _not_applicable(self.criterion, facts, self.measures)
        if inapplicable:
            return Outcome(self.label, None, "", "", note=inapplicable)
        return self.check(facts)


def prepare_rules(config: ReadinessConfig, catalog: Catalog) -> tuple[Rule, ...]:
    """The enabled criteria of ``config`` as rules, in review order.

    Cut-offs, reliable-change thresholds and recall periods come from the
    instrument definitions unless the program's file overrides them; each
    outcome's source names the citation or the program's file.
    """
    rules = []
    for key in CRITERIA:
        criterion: Criterion = getattr(config, key)
        if not criterion.enabled:
            continue
        if isinstance(criterion, Symptoms):
            kind = "Mood" if key == "mood" else "Anxiety"
            label = f"{kind} ({catalog[criterion.measure].abbreviation})"
        else:
            label = _LABELS[key]
        check, measures = _checker(label, criterion, config.policy, catalog)
        rules.append(Rule(key, label, criterion, measures, check))
    return tuple(rules)


def _checker(
    label: str, criterion: Criterion, policy: str, catalog: Catalog
) -> tuple[Check, tuple[str, ...]]:
    if isinstance(criterion, Symptoms):
        return _symptoms(label, criterion, policy, catalog), (criterion.measure,)
    if isinstance(criterion, Craving):
        return _craving(label, criterion, policy, catalog), ("pacs", "craving_nrs")
    if isinstance(criterion, SelfEfficacy):
        return _self_efficacy(label, criterion, policy, catalog), ("confidence_nrs",)
    if isinstance(criterion, BamComposite):
        return _bam(label, criterion, policy, catalog), ("bam_r",)
    if isinstance(criterion, Safety):
        return _safety(label, criterion, policy, catalog), ()
    if isinstance(criterion, Attendance):
        return _attendance(label, criterion, policy), ()
    if isinstance(criterion, MinWeeks):
        return _min_weeks(label, criterion, policy), ()
    msg = f"no rule for {type(criterion).__name__}"  # pragma: no cover - a coding error
    raise TypeError(msg)  # pragma: no cover


def _track_words(track: str) -> str:
    """``co_occurring`` as "co-occurring", ``mental_health`` as "mental health"."""
    return track.replace("co_", "co-").replace("_", " ")


def _not_applicable(criterion: Criterion, facts: Facts, measures: tuple[str, ...]) -> str | None:
    if criterion.tracks is None:
        return None
    if facts.track is not None:
        if facts.track in criterion.tracks:
            return None
        tracks = ", ".join(_track_words(t) for t in criterion.tracks)
        return f"not applicable to the {_track_words(facts.track)} track (used for: {tracks})"
    if any(measure in measures for measure, _ in facts.series):
        return None
    return "not applicable: track not recorded and none of its measures given in this episode"


def _window_text(days: int, facts: Facts) -> str:
    return f"in the {days} days to {facts.review_on}"


@dataclass(frozen=True)
class _Part:
    met: bool | None
    text: str
    source: str = ""
    missing: bool = False


def _relation(cut: Caseness, value: float) -> str:
    """Where ``value`` lies against the cut-off: "at or above 10", "below 10"."""
    if cut.is_case(value):
        side = "at or above" if cut.rule == ">=" else "at or below"
    else:
        side = "below" if cut.rule == ">=" else "above"
    return f"{side} {num(cut.cutoff)}"


def _cut(
    instrument: Instrument, score: Score, override: float | None, policy: str
) -> Caseness | None:
    """The cut-off to apply, its ``source`` the full text shown (not a citation key)."""
    name = instrument.abbreviation if score.primary else score.label
    if override is not None:
        rule: CasenessRule = (
            score.caseness.rule if score.caseness else ("<=" if score.higher_is_better else ">=")
        )
        return Caseness(override, rule, f"{name} cut-off: {policy}")
    if score.caseness is None:
        return None
    case = score.caseness
    source = f"{name} cut-off {case.rule}{num(case.cutoff)}: {instrument.cite(case.source)}"
    return Caseness(case.cutoff, case.rule, source)


def _reliable(
    instrument: Instrument, score: Score, override: float | None, policy: str
) -> tuple[float, str] | None:
    if override is not None:
        return override, f"{instrument.abbreviation} reliable change: {policy}"
    rc = score.reliable_change
    if rc is None:
        return None
    threshold = rc.threshold
    cite = instrument.cite(rc.source)
    return threshold, f"{instrument.abbreviation} reliable change {num(threshold)}: {cite}"


def _window(instrument: Instrument, override: int | None) -> int:
    days = override or instrument.recall_period_days
    if days is None:
        msg = f"{instrument.abbreviation} has no recall period: set window_days for it"
        raise ValueError(msg)
    return days


def _combine(label: str, parts: list[_Part], *, hint: str) -> Outcome:
    """Met when every part with data is met; no recent data when no part could be evaluated."""
    verdicts = [p.met for p in parts if p.met is not None]
    met = None if not verdicts else all(verdicts)
    missing = met is None and any(p.missing for p in parts)
    sources = "; ".join(dict.fromkeys(p.source for p in parts if p.source))
    note = f"{NO_RECENT}: {hint}" if missing else (NOT_SET if met is None else None)
    return Outcome(label, met, "; ".join(p.text for p in parts), sources, note, missing)


@dataclass(frozen=True)
class _Latest:
    """The latest value of one score within ``window`` days, against its cut-off."""

    instrument: Instrument
    score: Score
    cut: Caseness | None
    window: int
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
            return _Part(None, f"{name} {num(value)} on {on} (no cut-off)"), value
        band = self.score.band_of(value) if self.with_band else None
        meaning = f": {band[0].lower()}{band[1:]}" if band else ""
        text = f"{name} {num(value)} on {on} ({_relation(self.cut, value)}{meaning})"
        return _Part(not self.cut.is_case(value), text, self.cut.source), value


def _symptoms(label: str, criterion: Symptoms, policy: str, catalog: Catalog) -> Check:
    instrument = catalog[criterion.measure]
    score = instrument.score("score")
    cut = _cut(instrument, score, criterion.cutoff, policy)
    latest = _Latest(instrument, score, cut, _window(instrument, criterion.window_days))
    reliable = _reliable(instrument, score, criterion.reliable_change, policy)
    hint = f"give the {instrument.abbreviation}"

    def check(facts: Facts) -> Outcome:
        level, value = latest.part(facts)
        if value is None or level.met is None:
            return _combine(label, [level], hint=hint)
        series = facts.series[instrument.id, score.column]
        change = value - series.first.value
        better = change if score.higher_is_better else -change
        improved = worse = False
        if series.n < 2:
            text = "first score of the episode, no change yet"
        elif reliable is None:
            text = "no reliable-change threshold"
        else:
            improved, worse = better >= reliable[0], better <= -reliable[0]
            word = IMPROVED if improved else DETERIORATED if worse else NO_CHANGE
            text = f"change from {num(series.first.value)}: {word}"
        met = (level.met or improved) and not worse
        sources = "; ".join(s for s in (level.source, reliable[1] if reliable else "") if s)
        return Outcome(label, met, f"{level.text}; {text}", sources)

    return check


def _craving(label: str, criterion: Craving, policy: str, catalog: Catalog) -> Check:
    pacs = catalog["pacs"]
    score = pacs.score("score")
    cut = _cut(pacs, score, criterion.pacs_cutoff, policy)
    latest = _Latest(pacs, score, cut, _window(pacs, criterion.pacs_window_days))
    ratings = _Ratings(
        catalog["craving_nrs"],
        criterion.window_days,
        criterion.craving_nrs_max,
        f"Craving 0-10 craving_nrs_max: {policy}",
    )

    def check(facts: Facts) -> Outcome:
        parts = [latest.part(facts)[0], *ratings.parts(facts)]
        return _combine(label, parts, hint="give the PACS or the daily craving rating")

    return check


def _self_efficacy(label: str, criterion: SelfEfficacy, policy: str, catalog: Catalog) -> Check:
    ratings = _Ratings(
        catalog["confidence_nrs"],
        criterion.window_days,
        criterion.confidence_nrs_min,
        f"Confidence 0-10 confidence_nrs_min: {policy}",
    )

    def check(facts: Facts) -> Outcome:
        return _combine(label, ratings.parts(facts), hint="give the daily confidence rating")

    return check


@dataclass(frozen=True)
class _Ratings:
    """Recent 0-10 ratings: mean against the program's limit, and a trend not getting worse."""

    instrument: Instrument
    window: int
    limit: float | None
    source: str

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
            level = _Part(None, f"{mean} (program {kind} {NOT_SET})")
        else:
            ok = ratings.mean >= self.limit if better else ratings.mean <= self.limit
            side = (
                ("at or above" if ok else "below") if better else ("at or below" if ok else "above")
            )
            level = _Part(ok, f"{mean} ({side} the program {kind} {num(self.limit)})", self.source)
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


def _safety(label: str, criterion: Safety, policy: str, catalog: Catalog) -> Check:
    window_source = SAFETY_WINDOW_SOURCE if criterion.window_days == 14 else policy
    cited = {i.id: _safety_sources(i) for i in catalog if i.critical_items}

    def check(facts: Facts) -> Outcome:
        # the sources of the safety items behind this client's flags, not every one's
        sources = [window_source, *(s for m in facts.safety_measures for s in cited.get(m, ()))]
        source = "; ".join(dict.fromkeys(sources))
        window = _window_text(criterion.window_days, facts)
        parts = []
        if facts.flags:
            flags = counted(facts.flags, "safety flag")
            parts.append(
                f"{flags} without a closing follow-up {window}, latest {facts.last_flag_on}"
            )
        if facts.safety_unknown:
            unknown = counted(facts.safety_unknown, "safety answer")
            parts.append(
                f"{unknown} unknown {window} (a safety item unanswered, or a total only): "
                "ask in person and record the follow-up"
            )
        if facts.safety_elevated:
            elevated = counted(facts.safety_elevated, "safety flag")
            parts.append(f"{elevated} {window} followed up with elevated risk")
        if not parts:
            parts.append(
                f"every safety flag {window} closed by a follow-up"
                if facts.safety_raised
                else f"no safety flag {window}"
            )
        met = not (facts.flags or facts.safety_unknown or facts.safety_elevated)
        return Outcome(label, met, "; ".join(parts), source)

    return check


def _safety_sources(instrument: Instrument) -> list[str]:
    """ "PHQ-9 item 9 follow-up: <citation>", one per source of the safety items."""
    by_source: dict[str, list[str]] = {}
    for critical in instrument.critical_items:
        by_source.setdefault(critical.source, []).append(critical.item.removeprefix("item_"))
    return [
        f"{instrument.abbreviation} item{'s' if len(numbers) > 1 else ''} "
        f"{', '.join(numbers)} follow-up: {instrument.cite(source)}"
        for source, numbers in by_source.items()
    ]


def _bam(label: str, criterion: BamComposite, policy: str, catalog: Catalog) -> Check:
    bam = catalog["bam_r"]
    score = bam.score(criterion.score)
    cut = _cut(bam, score, criterion.cutoff, policy)
    latest = _Latest(bam, score, cut, _window(bam, criterion.window_days), with_band=True)

    def check(facts: Facts) -> Outcome:
        return _combine(label, [latest.part(facts)[0]], hint="give the BAM-R")

    return check


def _attendance(label: str, criterion: Attendance, policy: str) -> Check:
    minimum = criterion.attendance_min

    def check(facts: Facts) -> Outcome:
        window = _window_text(criterion.window_days, facts)
        if facts.scheduled_days == 0:
            value = f"no scheduled program days recorded {window}"
            if minimum is None:
                return Outcome(label, None, value, "", NOT_SET)
            return Outcome(label, None, value, policy, f"{NO_RECENT}: record attendance", True)
        share = facts.attended_days / facts.scheduled_days
        value = (
            f"attended {facts.attended_days} of {facts.scheduled_days} program days {window} "
            f"({share:.0%}"
        )
        if minimum is None:
            return Outcome(label, None, f"{value}; program minimum {NOT_SET})", "", NOT_SET)
        return Outcome(label, share >= minimum, f"{value}; program minimum {minimum:.0%})", policy)

    return check


def _min_weeks(label: str, criterion: MinWeeks, policy: str) -> Check:
    def check(facts: Facts) -> Outcome:
        weeks = (facts.review_on - facts.admitted_on).days / 7
        value = f"{num(round(weeks, 1))} weeks in IOP since admission on {facts.admitted_on}"
        if criterion.weeks is None:
            return Outcome(label, None, f"{value} (program minimum {NOT_SET})", "", NOT_SET)
        minimum = f"{value} (program minimum {num(criterion.weeks)})"
        return Outcome(label, weeks >= criterion.weeks, minimum, policy)

    return check
