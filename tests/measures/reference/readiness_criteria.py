"""Readiness criteria as rules: thresholds resolved once, then applied to each client's facts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from measures.catalog import Catalog
from measures.change import DETERIORATED, IMPROVED, NO_CHANGE
from measures.config import NOT_SET
from measures.definition import Instrument, Source
from measures.formatting import counted, num, track_words
from measures.readiness_config import (
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
from tests.measures.reference.readiness_facts import Facts
from tests.measures.reference.readiness_parts import (
    _cut,
    _Latest,
    _Part,
    _Ratings,
    _reliable,
    _set_note,
    _setting,
    _window,
    _window_text,
)

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
#: Mood or anxiety reliably improved but still a case: not met (Jacobson & Truax 1991).
IMPROVING = "improving, still above the cut-off"
#: Why reliable improvement alone does not meet mood or anxiety.
CLINICAL_SIGNIFICANCE_SOURCE = Source(
    label="Jacobson & Truax 1991, Clinical significance",
    text=(
        "Jacobson NS, Truax P. Clinical significance: a statistical approach to defining "
        "meaningful change in psychotherapy research. J Consult Clin Psychol 1991;59:12-19 "
        "(clinically significant change needs the cut-off crossed). "
        "https://info.5y1.org/define-clinical-and-statistical-significance_1_4eb6bd.html"
    ),
)
#: The source of the 14-day safety look-back: the library's own rule, not a published one.
SAFETY_WINDOW_SOURCE = Source(
    label="IOP Outcomes, safety follow-up rule",
    text=(
        "IOP Outcomes' default rule, not a published threshold: every safety flag and unknown "
        "safety answer of the last 14 days closed by a recorded follow-up that found no "
        "elevated risk ([readiness.safety] window_days in the program file changes the days)."
    ),
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
    """A criterion's verdict at one review, with its plain-language evidence.

    ``met`` None: not evaluated (``note`` says why; ``settings`` names the
    program settings it needs, ``no_recent_data`` marks missing data) or not
    applicable to the client (``applicable`` False). ``improving``: not met,
    reliably improved but still above the cut-off.
    """

    label: str
    met: bool | None
    value: str
    sources: tuple[Source, ...]
    note: str | None = None
    no_recent_data: bool = False
    improving: bool = False
    applicable: bool = True
    settings: tuple[str, ...] = ()


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
            return Outcome(self.label, None, "", (), note=inapplicable, applicable=False)
        return self.check(facts)


def prepare_rules(config: ReadinessConfig, catalog: Catalog) -> tuple[Rule, ...]:
    """The enabled criteria of ``config`` as rules, in review order.

    Cut-offs, reliable-change thresholds and recall periods come from the
    instrument definitions unless the program's file overrides them; each
    outcome's sources are the definitions' sources or the program's file.
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
        check, measures = _checker(key, label, criterion, config.policy, catalog)
        rules.append(Rule(key, label, criterion, measures, check))
    return tuple(rules)


def _checker(
    key: str, label: str, criterion: Criterion, policy: Source, catalog: Catalog
) -> tuple[Check, tuple[str, ...]]:
    if isinstance(criterion, Symptoms):
        return _symptoms(key, label, criterion, policy, catalog), (criterion.measure,)
    if isinstance(criterion, Craving):
        return _craving(key, label, criterion, policy, catalog), ("pacs", "craving_nrs")
    if isinstance(criterion, SelfEfficacy):
        return _self_efficacy(key, label, criterion, policy, catalog), ("confidence_nrs",)
    if isinstance(criterion, BamComposite):
        return _bam(key, label, criterion, policy, catalog), ("bam_r",)
    if isinstance(criterion, Safety):
        return _safety(label, criterion, policy, catalog), ()
    if isinstance(criterion, Attendance):
        return _attendance(key, label, criterion, policy), ()
    if isinstance(criterion, MinWeeks):
        return _min_weeks(key, label, criterion, policy), ()
    msg = f"no rule for {type(criterion).__name__}"  # pragma: no cover - a coding error
    raise TypeError(msg)  # pragma: no cover


def _not_applicable(criterion: Criterion, facts: Facts, measures: tuple[str, ...]) -> str | None:
    if criterion.tracks is None:
        return None
    if facts.track is not None:
        if facts.track in criterion.tracks:
            return None
        tracks = ", ".join(track_words(t) for t in criterion.tracks)
        return f"not applicable to the {track_words(facts.track)} track (used for: {tracks})"
    if any(measure in measures for measure, _ in facts.series):
        return None
    return "not applicable: track not recorded and none of its measures given in this episode"


def _combine(label: str, parts: list[_Part], *, hint: str) -> Outcome:
    """Met only when every part is evaluated and met; not met when any part is not met.

    Otherwise not evaluated (fail closed): the note says what is missing, recent
    data (``no_recent_data``) or a program setting (``settings``).
    """
    verdicts = [p.met for p in parts]
    met = False if False in verdicts else None if None in verdicts else True
    missing = met is None and any(p.missing for p in parts)
    settings = tuple(dict.fromkeys(p.setting for p in parts if p.met is None and p.setting))
    notes = [f"{NO_RECENT}: {hint}"] if missing else []
    if met is None and settings:
        notes.append(_set_note(settings))
    sources = _distinct(s for p in parts for s in p.sources)
    value = "; ".join(p.text for p in parts)
    note = "; ".join(notes) if notes else None
    return Outcome(label, met, value, sources, note, missing, settings=settings)


def _symptoms(key: str, label: str, criterion: Symptoms, policy: Source, catalog: Catalog) -> Check:
    """Met: the latest score below the cut-off and not reliably deteriorated.

    A reliable improvement still above the cut-off is not met ("improving, still
    above the cut-off"): clinically significant change needs the cut-off crossed
    (:data:`CLINICAL_SIGNIFICANCE_SOURCE`).
    """
    instrument = catalog[criterion.measure]
    score = instrument.score("score")
    cut = _cut(instrument, score, criterion.cutoff, policy)
    window = _window(instrument, criterion.window_days)
    latest = _Latest(instrument, score, cut, window, _setting(key, "cutoff"))
    reliable = _reliable(instrument, score, criterion.reliable_change, policy)
    hint = f"give the {instrument.abbreviation}"
    cited = [cut.source] if cut else []
    cited += [reliable[1]] if reliable else []
    sources = _distinct([*cited, CLINICAL_SIGNIFICANCE_SOURCE]) if cited else ()

    def check(facts: Facts) -> Outcome:
        level, value = latest.part(facts)
        if value is None or level.met is None:
            return _combine(label, [level], hint=hint)
        series = facts.series[instrument.id, score.column]
        better = (value - series.first.value) * (1 if score.higher_is_better else -1)
        if series.n < 2:
            text, improved, worse = "first score of the episode, no change yet", False, False
        elif reliable is None:
            text = "no reliable-change threshold"
            if level.met:  # below the cut-off, but a deterioration cannot be ruled out
                setting = _setting(key, "reliable_change")
                value_text = f"{level.text}; {text}"
                note = _set_note((setting,))
                return Outcome(label, None, value_text, sources, note, settings=(setting,))
            improved = worse = False
        else:
            improved, worse = better >= reliable[0], better <= -reliable[0]
            word = IMPROVED if improved else DETERIORATED if worse else NO_CHANGE
            text = f"change from {num(series.first.value)}: {word}"
        met = bool(level.met) and not worse
        improving = not level.met and improved
        return Outcome(label, met, f"{level.text}; {text}", sources, improving=improving)

    return check


def _craving(key: str, label: str, criterion: Craving, policy: Source, catalog: Catalog) -> Check:
    pacs = catalog["pacs"]
    score = pacs.score("score")
    cut = _cut(pacs, score, criterion.pacs_cutoff, policy)
    window = _window(pacs, criterion.pacs_window_days)
    latest = _Latest(pacs, score, cut, window, _setting(key, "pacs_cutoff"))
    ratings = _Ratings(
        catalog["craving_nrs"],
        criterion.window_days,
        criterion.craving_nrs_max,
        policy,
        _setting(key, "craving_nrs_max"),
    )

    def check(facts: Facts) -> Outcome:
        parts = [latest.part(facts)[0], *ratings.parts(facts)]
        return _combine(label, parts, hint="give the PACS and the daily craving rating")

    return check


def _self_efficacy(
    key: str, label: str, criterion: SelfEfficacy, policy: Source, catalog: Catalog
) -> Check:
    ratings = _Ratings(
        catalog["confidence_nrs"],
        criterion.window_days,
        criterion.confidence_nrs_min,
        policy,
        _setting(key, "confidence_nrs_min"),
    )

    def check(facts: Facts) -> Outcome:
        return _combine(label, ratings.parts(facts), hint="give the daily confidence rating")

    return check


def _safety(label: str, criterion: Safety, policy: Source, catalog: Catalog) -> Check:
    window_source = SAFETY_WINDOW_SOURCE if criterion.window_days == 14 else policy
    cited = {i.id: _safety_sources(i) for i in catalog if i.critical_items}

    def check(facts: Facts) -> Outcome:
        # the sources of the safety items behind this client's flags, not every one's
        sources = _distinct(
            [window_source, *(s for m in facts.safety_measures for s in cited.get(m, ()))]
        )
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
        return Outcome(label, met, "; ".join(parts), sources)

    return check


def _safety_sources(instrument: Instrument) -> tuple[Source, ...]:
    """The sources of an instrument's safety items (PHQ-9 item 9's follow-up), each once."""
    return _distinct(instrument.source(c.source) for c in instrument.critical_items)


def _distinct(sources: Iterable[Source]) -> tuple[Source, ...]:
    """``sources`` in order, each once."""
    return tuple(dict.fromkeys(sources))


def _bam(key: str, label: str, criterion: BamComposite, policy: Source, catalog: Catalog) -> Check:
    bam = catalog["bam_r"]
    score = bam.score(criterion.score)
    cut = _cut(bam, score, criterion.cutoff, policy)
    window = _window(bam, criterion.window_days)
    latest = _Latest(bam, score, cut, window, _setting(key, "cutoff"), with_band=True)

    def check(facts: Facts) -> Outcome:
        return _combine(label, [latest.part(facts)[0]], hint="give the BAM-R")

    return check


def _not_set(label: str, value: str, setting: str) -> Outcome:
    """A criterion whose program threshold is empty: not evaluated, naming the setting."""
    return Outcome(label, None, value, (), _set_note((setting,)), settings=(setting,))


def _attendance(key: str, label: str, criterion: Attendance, policy: Source) -> Check:
    minimum = criterion.attendance_min
    setting = _setting(key, "attendance_min")

    def check(facts: Facts) -> Outcome:
        window = _window_text(criterion.window_days, facts)
        if facts.scheduled_days == 0:
            value = f"no scheduled program days recorded {window}"
            if minimum is None:
                return _not_set(label, value, setting)
            note = f"{NO_RECENT}: record attendance"
            return Outcome(label, None, value, (policy,), note, True)
        share = facts.attended_days / facts.scheduled_days
        value = (
            f"attended {facts.attended_days} of {facts.scheduled_days} program days {window} "
            f"({share:.0%}"
        )
        if minimum is None:
            return _not_set(label, f"{value}; program minimum {NOT_SET})", setting)
        text = f"{value}; program minimum {minimum:.0%})"
        return Outcome(label, share >= minimum, text, (policy,))

    return check


def _min_weeks(key: str, label: str, criterion: MinWeeks, policy: Source) -> Check:
    setting = _setting(key, "weeks")

    def check(facts: Facts) -> Outcome:
        weeks = (facts.review_on - facts.admitted_on).days / 7
        value = f"{num(round(weeks, 1))} weeks in IOP since admission on {facts.admitted_on}"
        if criterion.weeks is None:
            return _not_set(label, f"{value} (program minimum {NOT_SET})", setting)
        minimum = f"{value} (program minimum {num(criterion.weeks)})"
        return Outcome(label, weeks >= criterion.weeks, minimum, (policy,))

    return check
