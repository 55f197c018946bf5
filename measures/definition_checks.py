"""Consistency checks run on every instrument definition when it is loaded."""

from __future__ import annotations

import itertools
import re
from typing import get_args

from measures.definition import CasenessRule, Domain, Formula, Instrument, Score, Triage

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DOMAINS = set(get_args(Domain))
_FORMULAS = set(get_args(Formula))
_RULES = get_args(CasenessRule)
#: The longest short label of a source: author(s), year and a short title.
MAX_LABEL = 60
_ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)


def check_instrument(instrument: Instrument) -> list[str]:
    """Every problem with ``instrument``, in plain words; empty when it is sound.

    The checks make a definition trustworthy before anything is scored with it:
    items numbered ``item_1 ... item_N``, score ranges that follow from the items
    and the formula, bands that tile the range, cut-offs inside it, triage rules
    on known items and levels, and a source for every clinical value.
    """
    problems: list[str] = []
    if not _ID.match(instrument.id):
        problems.append(f"id {instrument.id!r} must be lower-case letters, digits, _")
    if instrument.domain not in _DOMAINS:
        problems.append(f"domain {instrument.domain!r} is not one of {sorted(_DOMAINS)}")
    problems += _check_items(instrument)
    problems += _check_sources(instrument)
    if sum(s.primary for s in instrument.scores) > 1:
        problems.append("more than one score is marked primary")
    if not instrument.scores and instrument.triage is None:
        problems.append("no scores defined (and no triage)")
    for score in instrument.scores:
        problems += [f"score {score.id}: {p}" for p in _check_score(instrument, score)]
    item_ids = {i.id for i in instrument.items}
    for critical in instrument.critical_items:
        if critical.item not in item_ids:
            problems.append(f"critical item {critical.item} is not an item")
    if instrument.triage is not None:
        problems += [f"triage: {p}" for p in _check_triage(instrument, instrument.triage)]
    problems += _check_total_scales(instrument)
    problems += _check_day_bins(instrument)
    return problems


def _check_day_bins(instrument: Instrument) -> list[str]:
    """Bins that tile 0..max_days with rising codes, each code an answer of every day item."""
    day_items = [i for i in instrument.items if i.days]
    bins = instrument.day_bins
    if bins is None:
        return [f"{i.id}: days = true needs a [day_bins] table" for i in day_items]
    problems = [] if day_items else ["day_bins is given but no item has days = true"]
    ordered = sorted(bins.bins, key=lambda b: b.min)
    if not ordered or ordered[0].min != 0 or ordered[-1].max != bins.max_days:
        problems.append(f"day_bins must cover 0-{bins.max_days} days")
    for lower, upper in itertools.pairwise(ordered):
        if upper.min != lower.max + 1:
            problems.append(
                f"day_bins {lower.min}-{lower.max} and {upper.min}-{upper.max} "
                "leave a gap or overlap"
            )
        if upper.code <= lower.code:
            problems.append("day_bins codes must rise with the days")
    if any(b.min > b.max for b in ordered):
        problems.append("a day bin's min is above its max")
    codes = {b.code for b in ordered}
    for item in day_items:
        if codes != set(item.allowed_values):
            problems.append(
                f"{item.id}: its answers {list(item.allowed_values)} are not the day_bins codes "
                f"{sorted(codes)}"
            )
    return problems


def _check_total_scales(instrument: Instrument) -> list[str]:
    """Scales a total may be given on: the primary's among them, each a sum of its
    items (so a total converts exactly), named once; codes only on a scale."""
    problems = []
    scales = instrument.total_scales
    for score in instrument.scores:
        if score.total_scale is None and (score.total_unit or score.loinc):
            problems.append(f"score {score.id}: total_unit and loinc need a total_scale")
    if not scales:
        return problems
    primary = instrument.primary
    names = [s.total_scale for s in scales]
    if primary is None or primary.total_scale is None:
        problems.append("total_scale is set on a score but not on the primary score")
    if len(set(names)) != len(names):
        problems.append(f"total_scale names {names} repeat")
    for score in scales:
        where = f"score {score.id}"
        if not _ID.match(score.total_scale or ""):
            problems.append(f"{where}: total_scale {score.total_scale!r} must be a lower-case word")
        if primary is not None and (
            score.step is None or primary.step is None or set(score.items) != set(primary.items)
        ):
            problems.append(
                f"{where}: a total_scale must be a sum (or sum_times) of the primary's items, "
                "so that a total converts exactly"
            )
    if len(scales) > 1 and instrument.codes.loinc_total:
        problems.append(
            "codes.loinc_total cannot tell the scales of a total apart: give each scale's "
            "code as loinc on its score"
        )
    if any(s.loinc for s in scales) and not instrument.codes.source:
        problems.append("LOINC codes need a source")
    return problems


def _check_items(instrument: Instrument) -> list[str]:
    problems = []
    expected = [f"item_{n}" for n in range(1, len(instrument.items) + 1)]
    actual = [i.id for i in instrument.items]
    if actual != expected:
        problems.append(f"items must be numbered item_1..item_N in order, got {actual}")
    for item in instrument.items:
        if item.min > item.max:
            problems.append(f"{item.id}: min {item.min} is above max {item.max}")
        if any(not item.min <= v <= item.max for v in item.values):
            problems.append(f"{item.id}: values {item.values} are outside its range")
        for value, _label in item.anchors:
            if not item.min <= value <= item.max:
                problems.append(f"{item.id}: anchor {value} is outside {item.min}-{item.max}")
        if item.text and not instrument.show_item_wording:
            problems.append(f"{item.id}: has wording but the licence does not allow showing it")
        problems += _check_asked_if(instrument, item.id)
    return problems


def _check_asked_if(instrument: Instrument, item_id: str) -> list[str]:
    """A skip rule names an earlier item and a threshold inside its range."""
    ids = [i.id for i in instrument.items]
    condition = instrument.item(item_id).asked_if
    if condition is None:
        return []
    if condition.item not in ids[: ids.index(item_id)]:
        return [f"{item_id}: asked_if names {condition.item!r}, which is not an earlier item"]
    asked_by = instrument.item(condition.item)
    if not asked_by.min <= condition.above < asked_by.max:
        return [
            f"{item_id}: asked_if above {condition.above} is outside "
            f"{condition.item}'s range {asked_by.min}-{asked_by.max}"
        ]
    if condition.scored_as is not None:
        if condition.scored_as not in instrument.item(item_id).allowed_values:
            return [f"{item_id}: asked_if scored_as {condition.scored_as} is not an answer"]
        if not condition.note:
            return [f"{item_id}: asked_if scored_as needs a note saying why (a skip is no score)"]
    return []


def _check_triage(instrument: Instrument, triage: Triage) -> list[str]:
    """Levels unique, rules on known levels and items, thresholds inside the items' ranges."""
    problems = []
    items = {i.id: i for i in instrument.items}
    if not triage.levels or len(set(triage.levels)) != len(triage.levels):
        problems.append(f"levels {list(triage.levels)} must be a non-empty list without repeats")
    if triage.otherwise not in triage.levels:
        problems.append(f"otherwise {triage.otherwise!r} is not one of the levels")
    if not triage.rules:
        problems.append("no rules")
    for rule in triage.rules:
        where = f"rule {rule.level!r}"
        if rule.level not in triage.levels:
            problems.append(f"{where}: level is not one of {list(triage.levels)}")
        if not rule.items:
            problems.append(f"{where}: no items")
        unknown = [i for i in rule.items if i not in items]
        if unknown:
            problems.append(f"{where}: unknown item(s) {unknown}")
        for item in (items[i] for i in rule.items if i in items):
            if not item.min <= rule.above < item.max:
                problems.append(
                    f"{where}: above {rule.above} is outside {item.id}'s range "
                    f"{item.min}-{item.max} (no answer could meet it, or every answer would)"
                )
    return problems


def _check_sources(instrument: Instrument) -> list[str]:
    keys = [instrument.licence_source, instrument.recall_source, instrument.codes.source]
    for score in instrument.scores:
        keys += [score.source, score.bands_source, score.missing.source]
        keys += [score.caseness.source if score.caseness else None]
        keys += [score.reliable_change.source if score.reliable_change else None]
        keys += [c.source for c in score.caseness_by]
        keys += [p.source for p in score.paired_outcomes]
    keys += [c.source for c in instrument.critical_items]
    keys += [i.asked_if.source for i in instrument.items if i.asked_if is not None]
    if instrument.day_bins is not None:
        keys += [instrument.day_bins.source, instrument.day_bins.codes_source]
    triage = instrument.triage
    if triage is not None:
        keys += [triage.source, triage.otherwise_source, *(r.source for r in triage.rules)]
    missing = sorted({k for k in keys if k is not None and k not in instrument.sources})
    problems = [f"source {k!r} is cited but not listed under [sources]" for k in missing]
    problems += _check_labels(instrument)
    if instrument.recall_period_days is not None and instrument.recall_source is None:
        problems.append("recall_period_days needs a recall_source")
    codes = instrument.codes
    coded = [codes.loinc_panel, codes.loinc_total, codes.loinc_answers]
    coded += [i.loinc for i in instrument.items] + [triage.loinc if triage else None]
    if any(coded) and not codes.source:
        problems.append("LOINC codes need a source")
    return problems


def _check_labels(instrument: Instrument) -> list[str]:
    """Every source has a short label (cited beside values) and its full text (listed once)."""
    problems = []
    for key, source in instrument.sources.items():
        if not source.label:
            problems.append(
                f"source {key!r} has no short label: write it as {key}.label = "
                f'"Author et al. 2001, Short title" and {key}.text = "the full reference" '
                "under [sources]"
            )
        elif len(source.label) > MAX_LABEL:
            problems.append(
                f"source {key!r}: its label has {len(source.label)} characters, a short label "
                f"at most {MAX_LABEL} (author, year, short title; the rest goes in its text)"
            )
        elif _ADDRESS.search(source.label):
            problems.append(f"source {key!r}: its label holds a web address; put it in its text")
        if not source.text:
            problems.append(f"source {key!r} has no text: give the full reference")
    return problems


def _check_score(instrument: Instrument, score: Score) -> list[str]:
    problems = []
    items = {i.id: i for i in instrument.items}
    if score.formula not in _FORMULAS:
        return [f"formula {score.formula!r} is not one of {sorted(_FORMULAS)}"]
    unknown = [i for i in score.items if i not in items]
    if unknown:
        return [f"unknown item(s) {unknown}"]
    if score.formula == "mean":
        low = float(min(items[i].min for i in score.items))
        high = float(max(items[i].max for i in score.items))
    else:
        k = score.multiplier if score.formula == "sum_times" else 1.0
        low = k * sum(items[i].min for i in score.items)
        high = k * sum(items[i].max for i in score.items)
    if (low, high) != (score.min, score.max):
        problems.append(
            f"range {score.min:g}-{score.max:g} does not follow from its items and "
            f"formula ({low:g}-{high:g})"
        )
    if score.formula != "sum_times" and score.multiplier != 1.0:
        problems.append("multiplier is only used with formula sum_times")
    problems += _check_bands(score)
    if score.caseness is not None:
        if not score.min <= score.caseness.cutoff <= score.max:
            problems.append(f"caseness cut-off {score.caseness.cutoff:g} is outside the range")
        if score.caseness.rule not in _RULES:
            problems.append(f"caseness rule {score.caseness.rule!r} is not >= or <=")
    problems += _check_caseness_by(score)
    for paired in score.paired_outcomes:
        if not score.min <= paired.cutoff <= score.max:
            problems.append(f"{paired.scheme} cut-off {paired.cutoff:g} is outside the range")
        if paired.rule not in _RULES:
            problems.append(f"{paired.scheme} rule {paired.rule!r} is not >= or <=")
        if not 0 < paired.reliable_change <= score.max - score.min:
            problems.append(
                f"{paired.scheme} reliable change {paired.reliable_change:g} is out of range"
            )
    if len({p.scheme for p in score.paired_outcomes}) < len(score.paired_outcomes):
        problems.append("a paired outcome scheme is listed twice")
    rc = score.reliable_change
    if rc is not None and rc.points is None and rc.se_difference is None:
        problems.append("reliable_change needs points, or sd and reliability")
    missing = score.missing
    if missing.max_missing < 0 or missing.max_missing >= len(score.items):
        problems.append(f"missing.max_missing {missing.max_missing} is out of range")
    if missing.max_missing > 0 and (missing.method == "none" or missing.source is None):
        problems.append("prorating missing items needs a method and a published source")
    return problems


def _check_caseness_by(score: Score) -> list[str]:
    """Attribute-dependent cut-offs: inside the range, one per value, never beside ``caseness``."""
    if not score.caseness_by:
        return []
    problems = []
    if score.caseness is not None:
        problems.append("caseness and caseness_by exclude each other")
    keys = [(c.attribute, c.value) for c in score.caseness_by]
    if len(set(keys)) != len(keys):
        problems.append("caseness_by lists an attribute value more than once")
    for case in score.caseness_by:
        where = f"caseness_by {case.attribute}={case.value}"
        if not case.attribute or not case.value:
            problems.append(f"{where}: attribute and value must not be empty")
        if not score.min <= case.cutoff <= score.max:
            problems.append(f"{where}: cut-off {case.cutoff:g} is outside the range")
        if case.rule not in _RULES:
            problems.append(f"{where}: rule {case.rule!r} is not >= or <=")
    return problems


def _check_bands(score: Score) -> list[str]:
    if not score.bands:
        return []
    if score.bands_source is None:
        return ["bands need a bands_source"]
    bands = sorted(score.bands, key=lambda b: b.min)
    problems = []
    if bands[0].min != score.min or bands[-1].max != score.max:
        problems.append(
            f"bands cover {bands[0].min:g}-{bands[-1].max:g}, not the whole range "
            f"{score.min:g}-{score.max:g}"
        )
    for lower, upper in itertools.pairwise(bands):
        if upper.min <= lower.max:
            problems.append(f"bands {lower.label!r} and {upper.label!r} overlap")
        elif upper.min - lower.max > 1:
            problems.append(f"gap between bands {lower.label!r} and {upper.label!r}")
    return problems
