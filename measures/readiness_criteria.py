"""Readiness criteria as rules: thresholds resolved once, each a polars expression per field.

Every rule reads the facts of :func:`measures.readiness_facts.gather_facts` (one row per
client and review) and gives the fields of a
:class:`~measures.readiness.CriterionResult` for every row at once: the whole caseload is
assessed with expressions, never client by client.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from measures.catalog import Catalog
from measures.change import DETERIORATED, IMPROVED, NO_CHANGE
from measures.config import NOT_SET
from measures.definition import Instrument, Source
from measures.formatting import (
    counted_text,
    num,
    num_text,
    percent_text,
    tenths_text,
    track_words,
    track_words_text,
)
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
from measures.readiness_parts import (
    NO_RECENT,
    Outcome,
    _combine,
    _cut,
    _day,
    _keys,
    _Latest,
    _Ratings,
    _reliable,
    _set_note,
    _setting,
    _text,
    _texts,
    _window,
    _window_text,
    source_key,
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
class Rule:
    """One enabled criterion, its thresholds resolved, as expressions over the facts.

    ``outcome`` is "not applicable" where the criterion does not apply to the
    client's track (where the track is not recorded: where none of ``measures``
    was given in the episode).
    """

    key: str
    label: str
    criterion: Criterion
    measures: tuple[str, ...]
    outcome: Outcome


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
        outcome, measures = _checker(key, criterion, config.policy, catalog)
        applies, note = _applies(criterion, measures)
        inapplicable = Outcome(
            met=pl.lit(None, pl.Boolean), value=pl.lit(""), note=note, applicable=pl.lit(False)
        )
        outcome = outcome.where(applies, inapplicable)
        rules.append(Rule(key, label, criterion, measures, outcome))
    return tuple(rules)


def _checker(
    key: str, criterion: Criterion, policy: Source, catalog: Catalog
) -> tuple[Outcome, tuple[str, ...]]:
    if isinstance(criterion, Symptoms):
        return _symptoms(key, criterion, policy, catalog), (criterion.measure,)
    if isinstance(criterion, Craving):
        return _craving(key, criterion, policy, catalog), ("pacs", "craving_nrs")
    if isinstance(criterion, SelfEfficacy):
        return _self_efficacy(key, criterion, policy, catalog), ("confidence_nrs",)
    if isinstance(criterion, BamComposite):
        return _bam(key, criterion, policy, catalog), ("bam_r",)
    if isinstance(criterion, Safety):
        return _safety(criterion, policy, catalog), ()
    if isinstance(criterion, Attendance):
        return _attendance(key, criterion, policy), ()
    if isinstance(criterion, MinWeeks):
        return _min_weeks(key, criterion, policy), ()
    msg = f"no rule for {type(criterion).__name__}"  # pragma: no cover - a coding error
    raise TypeError(msg)  # pragma: no cover


def _applies(criterion: Criterion, measures: tuple[str, ...]) -> tuple[pl.Expr, pl.Expr]:
    """Whether the criterion applies to the row's client, and why not where it does not."""
    if criterion.tracks is None:
        return pl.lit(True), pl.lit(None, pl.String)
    track = pl.col("track")
    given = [pl.col("given").list.contains(m) for m in measures]
    tracks = ", ".join(track_words(t) for t in criterion.tracks)
    applies = (
        pl.when(track.is_not_null())
        .then(track.is_in(list(criterion.tracks)))
        .otherwise(pl.any_horizontal(given) if given else pl.lit(False))
    )
    note = (
        pl.when(track.is_not_null())
        .then(
            _text("not applicable to the ", track_words_text(track), f" track (used for: {tracks})")
        )
        .otherwise(
            pl.lit(
                "not applicable: track not recorded and none of its measures given in this episode"
            )
        )
    )
    return applies, note


def _listed(*texts: str) -> pl.Expr:
    """A constant list of texts."""
    return _texts(*[pl.lit(t) for t in texts])


def _symptoms(key: str, criterion: Symptoms, policy: Source, catalog: Catalog) -> Outcome:
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
    level = latest.part()
    alone = _combine([level], hint=f"give the {instrument.abbreviation}")
    if cut is None:
        return alone
    reliable = _reliable(instrument, score, criterion.reliable_change, policy)
    cited = [cut.source, *([reliable[1]] if reliable else [])]
    sources = _keys(*cited, CLINICAL_SIGNIFICANCE_SOURCE)
    value, first = latest.column("last_value"), latest.column("first_value")
    better = (value - first) * (1 if score.higher_is_better else -1)
    first_only = latest.column("n") < 2
    no_change_yet = pl.lit("first score of the episode, no change yet")
    if reliable is None:
        improved = worse = pl.lit(False)
        text = (
            pl.when(first_only)
            .then(no_change_yet)
            .otherwise(pl.lit("no reliable-change threshold"))
        )
    else:
        improved = ~first_only & (better >= reliable[0])
        worse = ~first_only & (better <= -reliable[0])
        word = (
            pl.when(improved)
            .then(pl.lit(IMPROVED))
            .when(worse)
            .then(pl.lit(DETERIORATED))
            .otherwise(pl.lit(NO_CHANGE))
        )
        change = _text("change from ", num_text(first), ": ", word)
        text = pl.when(first_only).then(no_change_yet).otherwise(change)
    evaluated = Outcome(
        met=level.met & ~worse,
        value=_text(level.text, "; ", text),
        sources=sources,
        improving=~level.met & improved,
    )
    if reliable is None:  # below the cut-off, but a deterioration cannot be ruled out
        setting = _setting(key, "reliable_change")
        unsure = Outcome(
            met=pl.lit(None, pl.Boolean),
            value=_text(level.text, "; ", text),
            sources=sources,
            note=_set_note(_listed(setting)),
            settings=_listed(setting),
        )
        evaluated = unsure.where(~first_only & level.met, evaluated)
    return evaluated.where(latest.recent, alone)


def _craving(key: str, criterion: Craving, policy: Source, catalog: Catalog) -> Outcome:
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
    parts = [latest.part(), *ratings.parts()]
    return _combine(parts, hint="give the PACS and the daily craving rating")


def _self_efficacy(key: str, criterion: SelfEfficacy, policy: Source, catalog: Catalog) -> Outcome:
    ratings = _Ratings(
        catalog["confidence_nrs"],
        criterion.window_days,
        criterion.confidence_nrs_min,
        policy,
        _setting(key, "confidence_nrs_min"),
    )
    return _combine(ratings.parts(), hint="give the daily confidence rating")


def _safety(criterion: Safety, policy: Source, catalog: Catalog) -> Outcome:
    window_source = SAFETY_WINDOW_SOURCE if criterion.window_days == 14 else policy
    cited = {i.id: [source_key(s) for s in _safety_sources(i)] for i in catalog if i.critical_items}
    # the sources of the safety items behind this client's flags, not every one's
    behind = pl.col("safety_measures").list.eval(
        pl.element()
        .replace_strict(cited, default=[], return_dtype=pl.List(pl.String))
        .explode()
        .drop_nulls()
    )
    sources = pl.concat_list(_keys(window_source), behind) if cited else _keys(window_source)
    window = _window_text(criterion.window_days)
    flags, unknown = pl.col("flags"), pl.col("safety_unknown")
    elevated = pl.col("safety_elevated")
    open_ = _text(
        counted_text(flags, "safety flag"),
        " without a closing follow-up ",
        window,
        ", latest ",
        _day("last_flag_on").fill_null("None"),
    )
    asked = _text(
        counted_text(unknown, "safety answer"),
        " unknown ",
        window,
        " (a safety item unanswered, or a total only): ask in person and record the follow-up",
    )
    risky = _text(
        counted_text(elevated, "safety flag"), " ", window, " followed up with elevated risk"
    )
    concerns = pl.concat_str(
        pl.when(flags > 0).then(open_),
        pl.when(unknown > 0).then(asked),
        pl.when(elevated > 0).then(risky),
        separator="; ",
        ignore_nulls=True,
    )
    clear = (
        pl.when(pl.col("safety_raised") > 0)
        .then(_text("every safety flag ", window, " closed by a follow-up"))
        .otherwise(_text("no safety flag ", window))
    )
    concern = (flags > 0) | (unknown > 0) | (elevated > 0)
    return Outcome(
        met=~concern,
        value=pl.when(concern).then(concerns).otherwise(clear),
        sources=sources.list.unique(maintain_order=True),
    )


def _safety_sources(instrument: Instrument) -> tuple[Source, ...]:
    """The sources of an instrument's safety items (PHQ-9 item 9's follow-up), each once."""
    return tuple(dict.fromkeys(instrument.source(c.source) for c in instrument.critical_items))


def _bam(key: str, criterion: BamComposite, policy: Source, catalog: Catalog) -> Outcome:
    bam = catalog["bam_r"]
    score = bam.score(criterion.score)
    cut = _cut(bam, score, criterion.cutoff, policy)
    window = _window(bam, criterion.window_days)
    latest = _Latest(bam, score, cut, window, _setting(key, "cutoff"), with_band=True)
    return _combine([latest.part()], hint="give the BAM-R")


def _not_set(value: pl.Expr, setting: str) -> Outcome:
    """A criterion whose program threshold is empty: not evaluated, naming the setting."""
    return Outcome(
        met=pl.lit(None, pl.Boolean),
        value=value,
        note=_set_note(_listed(setting)),
        settings=_listed(setting),
    )


def _attendance(key: str, criterion: Attendance, policy: Source) -> Outcome:
    minimum = criterion.attendance_min
    setting = _setting(key, "attendance_min")
    window = _window_text(criterion.window_days)
    scheduled, attended = pl.col("scheduled_days"), pl.col("attended_days")
    nothing = _text("no scheduled program days recorded ", window)
    share = attended.cast(pl.Float64) / scheduled.cast(pl.Float64)
    value = _text(
        "attended ",
        attended.cast(pl.String),
        " of ",
        scheduled.cast(pl.String),
        " program days ",
        window,
        " (",
        percent_text(share),
    )
    if minimum is None:
        empty = _not_set(nothing, setting)
        counted = _not_set(_text(value, f"; program minimum {NOT_SET})"), setting)
    else:
        empty = Outcome(
            met=pl.lit(None, pl.Boolean),
            value=nothing,
            sources=_keys(policy),
            note=pl.lit(f"{NO_RECENT}: record attendance"),
            no_recent_data=pl.lit(True),
        )
        counted = Outcome(
            met=share >= minimum,
            value=_text(value, f"; program minimum {minimum:.0%})"),
            sources=_keys(policy),
        )
    return empty.where(scheduled == 0, counted)


def _min_weeks(key: str, criterion: MinWeeks, policy: Source) -> Outcome:
    weeks = (pl.col("review_on") - pl.col("admitted_on")).dt.total_days().cast(pl.Float64) / 7
    value = _text(tenths_text(weeks), " weeks in IOP since admission on ", _day("admitted_on"))
    if criterion.weeks is None:
        return _not_set(_text(value, f" (program minimum {NOT_SET})"), _setting(key, "weeks"))
    minimum = _text(value, f" (program minimum {num(criterion.weeks)})")
    return Outcome(met=weeks >= criterion.weeks, value=minimum, sources=_keys(policy))
