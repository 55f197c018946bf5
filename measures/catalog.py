"""Load and check instrument definition files (TOML) into a catalog."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any, cast

from measures.definition import (
    DEFAULT_ORDER,
    AskedIf,
    Band,
    Caseness,
    CasenessBy,
    Codes,
    CriticalItem,
    DayBin,
    DayBins,
    Display,
    Instrument,
    Item,
    MissingRule,
    PairedOutcome,
    ReliableChange,
    RiskRule,
    Score,
    Source,
    Triage,
)

#: Columns every administration frame has besides the items.
KEY_COLUMNS = ("client_id", "measure", "administered_on")


class DefinitionError(ValueError):
    """An instrument definition file is malformed or inconsistent."""


@dataclass(frozen=True)
class Catalog:
    """The instruments a program scores, keyed by id.

    Examples
    --------
    >>> from measures import load_catalog
    >>> catalog = load_catalog()
    >>> catalog["phq9"].abbreviation
    'PHQ-9'
    >>> "gad7" in catalog
    True
    """

    instruments: Mapping[str, Instrument]

    def __getitem__(self, instrument_id: str) -> Instrument:
        try:
            return self.instruments[instrument_id]
        except KeyError:
            known = ", ".join(sorted(self.instruments))
            msg = f"unknown instrument {instrument_id!r} (known: {known})"
            raise KeyError(msg) from None

    def __contains__(self, instrument_id: object) -> bool:
        return instrument_id in self.instruments

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self.instruments.values())

    def __len__(self) -> int:
        return len(self.instruments)

    @property
    def ids(self) -> tuple[str, ...]:
        """Instrument ids in catalog order."""
        return tuple(self.instruments)

    def ordered(self) -> tuple[Instrument, ...]:
        """Every instrument in display order (``[display] order``; ties keep catalog order).

        Examples
        --------
        >>> from measures import load_catalog
        >>> [i.id for i in load_catalog().ordered()][:4]
        ['phq9', 'phq8', 'phq2', 'gad7']
        """
        return tuple(sorted(self, key=lambda instrument: instrument.display.order))

    def where(self, shown: Callable[[Display], bool]) -> tuple[Instrument, ...]:
        """The instruments whose ``[display]`` settings pass ``shown``, in display order.

        Examples
        --------
        >>> from measures import load_catalog
        >>> catalog = load_catalog()
        >>> [i.abbreviation for i in catalog.where(lambda d: d.symptoms)]
        ['PHQ-9', 'GAD-7']
        >>> [i.id for i in catalog.where(lambda d: d.daily)]
        ['craving_nrs', 'confidence_nrs', 'mood_nrs']
        """
        return tuple(i for i in self.ordered() if shown(i.display))

    def with_safety_items(self) -> tuple[Instrument, ...]:
        """The instruments that ask about safety (``[[critical_items]]``), in display order.

        Only their rows can have an unknown safety status: an empty ``critical``
        of any other instrument means it was never asked.

        Examples
        --------
        >>> from measures import load_catalog
        >>> [i.id for i in load_catalog().with_safety_items()]
        ['phq9', 'cssrs_screen']
        """
        return tuple(i for i in self.ordered() if i.critical_items)

    @property
    def max_items(self) -> int:
        """The largest item count: the wide frame has ``item_1 ... item_N``."""
        return max(len(i.items) for i in self)

    @property
    def item_columns(self) -> tuple[str, ...]:
        """``item_1 ... item_N`` for the largest instrument."""
        return tuple(f"item_{n}" for n in range(1, self.max_items + 1))

    @property
    def subscale_columns(self) -> tuple[str, ...]:
        """One column per non-primary score, in catalog order."""
        return tuple(s.column for i in self for s in i.subscales)


def builtin_definitions_dir() -> Path:
    """The folder of the built-in definition files shipped with the library."""
    return Path(str(resources.files("measures") / "definitions"))


def load_catalog(*extra_dirs: str | os.PathLike[str]) -> Catalog:
    """Load the built-in instruments plus any ``*.toml`` in ``extra_dirs``.

    A program adds its own licensed instrument by dropping a definition file into
    a folder passed here; a file whose id is already taken is an error, so a
    built-in definition is never silently replaced.

    Examples
    --------
    >>> catalog = load_catalog()
    >>> sorted(catalog.ids)[:3]
    ['audit_c', 'bam_r', 'barc10']
    """
    paths = sorted(builtin_definitions_dir().glob("*.toml"))
    for folder in extra_dirs:
        folder_path = Path(folder)
        if not folder_path.is_dir():
            msg = f"instrument folder {folder_path} does not exist"
            raise DefinitionError(msg)
        paths.extend(sorted(folder_path.glob("*.toml")))
    instruments: dict[str, Instrument] = {}
    for path in paths:
        instrument = load_definition(path)
        if instrument.id in instruments:
            msg = f"{path}: instrument id {instrument.id!r} is already defined"
            raise DefinitionError(msg)
        instruments[instrument.id] = instrument
    _check_unique_columns(instruments.values())
    return Catalog(instruments)


def load_definition(path: str | os.PathLike[str]) -> Instrument:
    """Read one definition file and check it; errors name the file and the field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise DefinitionError(msg) from exc
    try:
        instrument = _build_instrument(data, str(path))
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"{path}: {exc}"
        raise DefinitionError(msg) from exc
    # local import: the checks read the dataclasses above, never the reverse
    from measures.definition_checks import check_instrument

    problems = check_instrument(instrument)
    if problems:
        msg = f"{path}: " + "; ".join(problems)
        raise DefinitionError(msg)
    return instrument


_INSTRUMENT_KEYS = {
    "id",
    "name",
    "abbreviation",
    "construct",
    "domain",
    "instructions",
    "recall_period",
    "recall_period_days",
    "recall_source",
    "licence",
    "sources",
    "items",
    "item_defaults",
    "scores",
    "critical_items",
    "triage",
    "codes",
    "day_bins",
    "display",
}
#: An item, score or triage table may set any field of the dataclass, and nothing else.
_ITEM_KEYS = {f.name for f in fields(Item)}
# a definition lists its paired outcomes under the singular ``paired_outcome``
_SCORE_KEYS = ({f.name for f in fields(Score)} - {"paired_outcomes"}) | {"paired_outcome"}
_PAIRED_KEYS = {f.name for f in fields(PairedOutcome)}
_TRIAGE_KEYS = {f.name for f in fields(Triage)}
_RISK_RULE_KEYS = {f.name for f in fields(RiskRule)}
#: The keys of a ``[display]`` table and the kind of value each takes.
_DISPLAY_TYPES: dict[str, type] = {
    "order": int,
    "client_name": str,
    "charted": bool,
    "daily": bool,
    "agenda": bool,
    "report": bool,
    "symptoms": bool,
}
_KINDS = {int: "a whole number", str: "text", bool: "true or false"}


def _only(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        msg = f"{where}: unknown key(s) {', '.join(unknown)}"
        raise ValueError(msg)


def _build_instrument(data: dict[str, Any], path: str) -> Instrument:
    _only(data, _INSTRUMENT_KEYS, "instrument")
    defaults = data.get("item_defaults", {})
    items = tuple(_build_item({**defaults, **raw}) for raw in data["items"])
    all_ids = tuple(i.id for i in items if i.scored)
    scores = tuple(_build_score(raw, all_ids) for raw in data.get("scores", []))
    triage = data.get("triage")
    licence = data["licence"]
    codes = data.get("codes", {})
    recall_days = data.get("recall_period_days")
    return Instrument(
        id=data["id"],
        name=data["name"],
        abbreviation=data["abbreviation"],
        construct=data["construct"],
        domain=data["domain"],
        instructions=data.get("instructions"),
        items=items,
        scores=scores,
        sources=_build_sources(data["sources"]),
        licence=licence["text"],
        licence_source=licence.get("source"),
        show_item_wording=bool(licence["show_item_wording"]),
        recall_period=data["recall_period"],
        recall_period_days=recall_days,
        recall_source=data.get("recall_source"),
        display=_build_display(
            data.get("display", {}),
            name=data["name"],
            daily=len(items) == 1 and recall_days is None,
        ),
        critical_items=tuple(CriticalItem(**c) for c in data.get("critical_items", [])),
        day_bins=_build_day_bins(data["day_bins"]) if "day_bins" in data else None,
        triage=_build_triage(triage) if triage is not None else None,
        codes=Codes(
            source=codes.get("source"),
            loinc_panel=codes.get("loinc_panel"),
            loinc_total=codes.get("loinc_total"),
            loinc_answer_list=codes.get("loinc_answer_list"),
            loinc_answers=tuple(codes.get("loinc_answers", {}).items()),
        ),
        path=path,
    )


def _build_sources(raw: object) -> dict[str, Source]:
    """The ``[sources]`` table: each key a table with a short ``label`` and the full ``text``.

    A key given as a bare string (the full text only) is read with an empty label,
    which :func:`measures.definition_checks.check_instrument` refuses, saying how
    to write it.
    """
    if not isinstance(raw, dict):
        msg = f"sources should be a table ([sources]), not {raw!r}"
        raise TypeError(msg)
    sources = {}
    for key, value in raw.items():
        if isinstance(value, str):
            sources[key] = Source(label="", text=value)
            continue
        if not isinstance(value, dict):
            msg = f"source {key!r} should be a table with label and text, not {value!r}"
            raise TypeError(msg)
        _only(value, {"label", "text"}, f"source {key!r}")
        label, text = value.get("label", ""), value.get("text", "")
        if not isinstance(label, str) or not isinstance(text, str):
            msg = f"source {key!r}: label and text should be text"
            raise TypeError(msg)
        sources[key] = Source(label=label.strip(), text=text.strip())
    return sources


def _build_display(raw: dict[str, Any], *, name: str, daily: bool) -> Display:
    """The ``[display]`` table over the defaults of :class:`Display`; types are checked."""
    if not isinstance(raw, dict):
        msg = f"display should be a table ([display]), not {raw!r}"
        raise TypeError(msg)
    _only(raw, set(_DISPLAY_TYPES), "display")
    defaults: dict[str, Any] = {
        "order": DEFAULT_ORDER,
        "client_name": name,
        "charted": True,
        "daily": daily,
        "agenda": False,
        "report": False,
        "symptoms": False,
    }
    for key, value in raw.items():
        wanted = _DISPLAY_TYPES[key]
        # a bool is an int in Python: `order = true` is refused all the same
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            msg = f"display: {key} should be {_KINDS[wanted]}, not {value!r}"
            raise TypeError(msg)
        if isinstance(value, str) and not value.strip():
            msg = f"display: {key} should not be empty"
            raise ValueError(msg)
    return Display(**(defaults | raw))


def _build_item(raw: dict[str, Any]) -> Item:
    _only(raw, _ITEM_KEYS, f"item {raw.get('id')}")
    anchors = raw.get("anchors", {})
    return Item(
        id=raw["id"],
        label=raw["label"],
        text=raw.get("text"),
        min=int(raw["min"]),
        max=int(raw["max"]),
        anchors=tuple(sorted((int(k), str(v)) for k, v in anchors.items())),
        loinc=raw.get("loinc"),
        scored=bool(raw.get("scored", True)),
        optional=bool(raw.get("optional", False)),
        values=tuple(int(v) for v in raw.get("values", ())),
        reverse=bool(raw.get("reverse", False)),
        asked_if=AskedIf(**raw["asked_if"]) if "asked_if" in raw else None,
        days=bool(raw.get("days", False)),
    )


_DAY_BINS_KEYS = {f.name for f in fields(DayBins)}
_DAY_BIN_KEYS = {f.name for f in fields(DayBin)}


def _build_day_bins(raw: dict[str, Any]) -> DayBins:
    """The ``[day_bins]`` table: ``max_days``, its sources and a ``bins`` list."""
    if not isinstance(raw, dict):
        msg = f"day_bins should be a table ([day_bins]), not {raw!r}"
        raise TypeError(msg)
    _only(raw, _DAY_BINS_KEYS, "day_bins")
    bins = []
    for entry in raw["bins"]:
        _only(entry, _DAY_BIN_KEYS, "day_bins bin")
        bins.append(DayBin(min=int(entry["min"]), max=int(entry["max"]), code=int(entry["code"])))
    return DayBins(
        max_days=int(raw["max_days"]),
        bins=tuple(bins),
        source=raw["source"],
        codes_source=raw["codes_source"],
        note=raw.get("note"),
    )


def _build_score(raw: dict[str, Any], all_items: tuple[str, ...]) -> Score:
    _only(raw, _SCORE_KEYS, f"score {raw.get('id')}")
    items = raw["items"]
    caseness = raw.get("caseness")
    reliable = raw.get("reliable_change")
    return Score(
        id=raw["id"],
        label=raw["label"],
        items=all_items if items == "all" else tuple(cast("list[str]", items)),
        formula=raw["formula"],
        multiplier=float(raw.get("multiplier", 1.0)),
        min=float(raw["min"]),
        max=float(raw["max"]),
        higher_is_better=bool(raw["higher_is_better"]),
        primary=bool(raw.get("primary", False)),
        source=raw["source"],
        missing=MissingRule(**raw["missing"]),
        bands=tuple(Band(**b) for b in raw.get("bands", [])),
        bands_source=raw.get("bands_source"),
        caseness=Caseness(**caseness) if caseness else None,
        caseness_by=tuple(CasenessBy(**c) for c in raw.get("caseness_by", [])),
        reliable_change=ReliableChange(**reliable) if reliable else None,
        paired_outcomes=tuple(
            _build_paired_outcome(entry, f"score {raw.get('id')} paired_outcome")
            for entry in raw.get("paired_outcome", [])
        ),
        total_scale=raw.get("total_scale"),
        total_unit=raw.get("total_unit"),
        loinc=raw.get("loinc"),
    )


def _build_paired_outcome(raw: dict[str, Any], where: str) -> PairedOutcome:
    _only(raw, _PAIRED_KEYS, where)
    return PairedOutcome(
        scheme=raw["scheme"],
        cutoff=float(raw["cutoff"]),
        rule=raw["rule"],
        reliable_change=float(raw["reliable_change"]),
        source=raw["source"],
        note=raw.get("note"),
    )


def _build_triage(raw: dict[str, Any]) -> Triage:
    _only(raw, _TRIAGE_KEYS, "triage")
    rules = []
    for rule in raw["rules"]:
        _only(rule, _RISK_RULE_KEYS, f"triage rule {rule.get('level')}")
        rules.append(
            RiskRule(
                level=rule["level"],
                items=_strings(rule["items"], f"triage rule {rule['level']} items"),
                above=int(rule["above"]),
                source=rule["source"],
                note=rule.get("note"),
            )
        )
    return Triage(
        levels=_strings(raw["levels"], "triage levels"),
        rules=tuple(rules),
        otherwise=raw["otherwise"],
        source=raw["source"],
        otherwise_source=raw["otherwise_source"],
        loinc=raw.get("loinc"),
        note=raw.get("note"),
    )


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{where}: must be a list of strings, got {value!r}"
        raise TypeError(msg)
    return tuple(value)


def _check_unique_columns(instruments: Iterable[Instrument]) -> None:
    seen: dict[str, str] = {}
    for instrument in instruments:
        for score in instrument.subscales:
            if score.column in seen:
                msg = (
                    f"{instrument.path}: {instrument.id}: score id {score.column!r} is already "
                    f"used by {seen[score.column]}; subscale ids name output columns and "
                    "must be unique"
                )
                raise DefinitionError(msg)
            seen[score.column] = instrument.id
