"""Check a REDCap mapping against the data dictionary and the catalog, before any record."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.importers.redcap.answers import ItemReader, allowed_text, label_key
from dashboard.importers.redcap.dates import DateOrder, date_order
from dashboard.importers.redcap.dictionary import Dictionary, Field
from dashboard.importers.redcap.mapping import InstrumentMapping, RedcapMapping
from dashboard.store.batch import UnusableFile
from measures.catalog import Catalog
from measures.definition import Instrument, Item

_CHOICE_TYPES = {"radio", "dropdown", "yesno", "truefalse"}
_NUMBER_VALIDATION = re.compile(r"integer|number(?:_\ddp)?")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class InstrumentPlan:
    """How to read one instrument from the rows of the records export."""

    instrument: Instrument
    form: str
    items: tuple[ItemReader, ...]
    date_field: str
    date_order: DateOrder
    date_on_form: bool
    total_field: str | None = None
    total_scale: str | None = None
    events: frozenset[str] | None = None

    @property
    def complete_field(self) -> str:
        """The form status column REDCap exports for the form."""
        return f"{self.form}_complete"

    @property
    def fields(self) -> tuple[str, ...]:
        """Every mapped field: each must be a column of the records export."""
        total = (self.total_field,) if self.total_field else ()
        return (*(r.name for r in self.items), *total, self.date_field)

    @property
    def presence_fields(self) -> tuple[str, ...]:
        """The fields whose value makes an administration (the date only if on the form)."""
        return self.fields if self.date_on_form else self.fields[:-1]


@dataclass(frozen=True)
class Plan:
    """The project, its record id field and one plan per mapped instrument, in mapping order."""

    record_id: str
    instruments: tuple[InstrumentPlan, ...]
    project: str


def plan_import(
    mapping: RedcapMapping, dictionary: Dictionary, catalog: Catalog, mapping_name: str
) -> Plan:
    """Check every mapped instrument; one :class:`UnusableFile` lists every problem."""
    problems: list[str] = []
    record_id = mapping.record_id or dictionary.record_id
    if record_id not in dictionary.fields:
        problems.append(f"record_id '{record_id}' is not a field of {dictionary.name}")
    plans = [_plan(m, dictionary, catalog, problems) for m in mapping.instruments]
    if problems:
        msg = f"{mapping_name}: " + "; ".join(problems)
        raise UnusableFile(msg)
    return Plan(record_id, tuple(p for p in plans if p is not None), mapping.project)


def _plan(
    m: InstrumentMapping, dictionary: Dictionary, catalog: Catalog, problems: list[str]
) -> InstrumentPlan | None:
    if m.instrument not in catalog:
        known = ", ".join(catalog.ids)
        problems.append(f"{m.where}: '{m.instrument}' is not an instrument (known: {known})")
        return None
    instrument = catalog[m.instrument]
    before = len(problems)
    _check_items(m, instrument, dictionary, problems)
    form = _form(m, dictionary, problems)
    readers = [
        _reader(m, instrument, item, dictionary.fields[m.items[item.id]], problems)
        for item in instrument.items
        if m.items.get(item.id) in dictionary.fields
    ]
    date = _date(m, dictionary, form, problems)
    _check_total(m, instrument, dictionary, problems)
    stray = [f for f in m.field_codes if f not in m.items.values()]
    if stray:
        problems.append(f"{m.where}: field_codes names unmapped field(s) {', '.join(stray)}")
    if len(problems) > before or form is None or date is None:
        return None
    return InstrumentPlan(
        instrument=instrument,
        form=form,
        items=tuple(r for r in readers if r is not None),
        date_field=m.date_field,
        date_order=date[0],
        date_on_form=date[1],
        total_field=m.total_field,
        total_scale=m.total_scale,
        events=frozenset(m.events) if m.events is not None else None,
    )


def _check_items(
    m: InstrumentMapping, instrument: Instrument, dictionary: Dictionary, problems: list[str]
) -> None:
    ids = [i.id for i in instrument.items]
    unknown = [i for i in m.items if i not in ids]
    if unknown:
        problems.append(
            f"{m.where}: {instrument.abbreviation} has no {', '.join(unknown)} "
            f"(its items are item_1 ... item_{len(ids)})"
        )
    unmapped = [i.id for i in instrument.items if i.id not in m.items and not i.optional]
    if unmapped:
        problems.append(
            f"{m.where}: {', '.join(unmapped)} of {instrument.abbreviation} not mapped "
            "(only items marked optional may be left out)"
        )
    twice = [f for f, n in Counter(m.items.values()).items() if n > 1]
    if twice:
        problems.append(f"{m.where}: field(s) {', '.join(twice)} mapped to more than one item")
    for item_id, name in m.items.items():
        if name not in dictionary.fields:
            problems.append(f"{m.where}: {item_id} = '{name}' is not a field of {dictionary.name}")


def _form(m: InstrumentMapping, dictionary: Dictionary, problems: list[str]) -> str | None:
    if m.form is not None:
        if m.form in dictionary.forms:
            return m.form
        known = ", ".join(dictionary.forms)
        problems.append(f"{m.where}: form '{m.form}' is not a form of {dictionary.name} ({known})")
        return None
    mapped = [dictionary.fields[f] for f in m.items.values() if f in dictionary.fields]
    forms = list(dict.fromkeys(f.form for f in mapped))
    if len(forms) > 1:
        problems.append(
            f"{m.where}: the items are on forms {', '.join(forms)}; "
            'say which one holds the instrument with form = "<form>"'
        )
    return forms[0] if len(forms) == 1 else None


def _date(
    m: InstrumentMapping, dictionary: Dictionary, form: str | None, problems: list[str]
) -> tuple[DateOrder, bool] | None:
    name = m.date_field
    found = dictionary.fields.get(name)
    if found is None:
        survey = name.removesuffix("_timestamp")
        if name.endswith("_timestamp") and survey in dictionary.forms:
            return "ymd", survey == form  # REDCap's survey timestamp: not in the dictionary
        problems.append(
            f"{m.where}: date_field '{name}' is not a field of {dictionary.name} "
            "nor the survey timestamp of one of its forms"
        )
        return None
    order = date_order(found.validation) if found.type == "text" else None
    if order is None:
        problems.append(
            f"{m.where}: date_field '{name}' is {_describe(found)}, not a text field "
            "with date validation (date_ymd, date_mdy, date_dmy, datetime_...)"
        )
        return None
    return order, found.form == form


def _check_total(
    m: InstrumentMapping, instrument: Instrument, dictionary: Dictionary, problems: list[str]
) -> None:
    if m.total_field is None:
        if m.total_scale is not None:
            problems.append(f"{m.where}: total_scale is given without a total_field")
        return
    if instrument.primary is None:
        problems.append(f"{m.where}: {instrument.abbreviation} has no total; drop total_field")
        return
    _check_total_scale(m, instrument, problems)
    found = dictionary.fields.get(m.total_field)
    if found is None:
        problems.append(
            f"{m.where}: total_field '{m.total_field}' is not a field of {dictionary.name}"
        )
    elif not (found.type == "calc" or _is_number_text(found)):
        problems.append(
            f"{m.where}: total_field '{m.total_field}' is {_describe(found)}, not a calc "
            "field or a number-validated text field"
        )


def _check_total_scale(m: InstrumentMapping, instrument: Instrument, problems: list[str]) -> None:
    """A total that can be read on two scales (WHO-5 raw or percentage) says which."""
    scales = [str(s.total_scale) for s in instrument.total_scales]
    choices = " or ".join(
        f'"{s.total_scale}" ({s.min:g}-{s.max:g})' for s in instrument.total_scales
    )
    if m.total_scale is None and len(scales) > 1:
        problems.append(
            f"{m.where}: a {instrument.abbreviation} total may be {choices}: say which "
            f"total_field '{m.total_field}' holds with total_scale"
        )
    elif m.total_scale is not None and len(scales) < 2:
        problems.append(
            f"{m.where}: {instrument.abbreviation} totals have one scale; drop total_scale"
        )
    elif m.total_scale is not None and m.total_scale not in scales:
        problems.append(
            f"{m.where}: total_scale '{m.total_scale}' is not a scale of "
            f"{instrument.abbreviation} totals ({choices})"
        )


def _reader(
    m: InstrumentMapping,
    instrument: Instrument,
    item: Item,
    found: Field,
    problems: list[str],
) -> ItemReader | None:
    where = f"{m.where} {item.id} = '{found.name}'"
    abbreviation = instrument.abbreviation
    table_name, table = m.table_for(found.name)
    missing = frozenset(code for code, score in table.items() if score is None)
    if found.type in _CHOICE_TYPES:
        try:
            choices = found.choices()
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            return None
        scores = _choice_scores(where, item, abbreviation, choices, table_name, table, problems)
        if scores is None:
            return None
        labels = {label_key(label): code for code, label in choices}
        return ItemReader(found.name, item, abbreviation, scores, labels, missing)
    if found.type in ("slider", "calc") or _is_number_text(found):
        low, high = _bounds(found)
        if (low is not None and low < item.min) or (high is not None and high > item.max):
            shown = f"{'' if low is None else f'{low:g}'}-{'' if high is None else f'{high:g}'}"
            problems.append(
                f"{where}: the field accepts {shown} in REDCap but {abbreviation} "
                f"{item.id} answers are {allowed_text(item)}"
            )
            return None
        return ItemReader(found.name, item, abbreviation, missing=missing)
    problems.append(
        f"{where}: {_describe(found)} cannot hold a score (map a radio, dropdown, yes/no, "
        "true/false, slider, calc or integer-validated text field)"
    )
    return None


def _choice_scores(
    where: str,
    item: Item,
    abbreviation: str,
    choices: tuple[tuple[str, str], ...],
    table_name: str,
    table: Mapping[str, int | None],
    problems: list[str],
) -> dict[str, int] | None:
    """Choice code -> score, from the table where it scores any code, else the codes."""
    codes = [code for code, _ in choices if table.get(code, 0) is not None]
    if not codes:
        problems.append(f"{where}: the field has no choices that score in the dictionary")
        return None
    allowed = f"{abbreviation} {item.id} answers are {allowed_text(item)}"
    if any(table.get(code) is not None for code in codes):
        unscored = [c for c in codes if c not in table]
        if unscored:
            problems.append(
                f"{where}: {table_name} gives no score for code(s) {', '.join(unscored)}"
            )
            return None
        scores = {c: s for c in codes if (s := table[c]) is not None}
        bad = [f"{c} = {s}" for c, s in scores.items() if s not in item.allowed_values]
        if bad:
            problems.append(f"{where}: {table_name} scores {', '.join(bad)} but {allowed}")
            return None
        return scores
    words = [c for c in codes if not _INTEGER.fullmatch(c)]
    if words:
        problems.append(
            f"{where}: choice code(s) {', '.join(words)} are not numbers, and choice codes "
            f"that are not numbers are never read as scores: give each code's score in "
            f"{table_name}"
        )
        return None
    numbers = sorted(int(c) for c in codes)
    outside = [c for c in codes if int(c) not in item.allowed_values]
    if outside:
        shifted = numbers == [v + 1 for v in item.allowed_values]
        hint = "; the project seems to number the answers from 1" if shifted else ""
        problems.append(
            f"{where}: choice code(s) {', '.join(outside)} are outside the answers "
            f"({allowed}){hint}: give each code's score in {table_name}"
        )
        return None
    return {c: int(c) for c in codes}


def _is_number_text(found: Field) -> bool:
    return found.type == "text" and bool(_NUMBER_VALIDATION.fullmatch(found.validation))


def _bounds(found: Field) -> tuple[float | None, float | None]:
    """The range REDCap lets a numeric field take (a slider is 0-100 unless set)."""
    default = (0.0, 100.0) if found.type == "slider" else (None, None)
    return _number(found.minimum, default[0]), _number(found.maximum, default[1])


def _number(text: str, default: float | None) -> float | None:
    try:
        return float(text) if text.strip() else default
    except ValueError:
        return default


def _describe(found: Field) -> str:
    validated = f" validated {found.validation}" if found.validation else ""
    return f"a {found.type} field{validated}"
