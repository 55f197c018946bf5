"""Read a REDCap records export, through its data dictionary and a mapping, into a batch."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dashboard.importers.redcap.answers import label_key
from dashboard.importers.redcap.csvfile import CsvRow, read_csv
from dashboard.importers.redcap.dates import NOT_COMPLETED, contradicting_value, iso_date
from dashboard.importers.redcap.dictionary import Dictionary, read_dictionary
from dashboard.importers.redcap.mapping import load_mapping
from dashboard.importers.redcap.plan import InstrumentPlan, Plan, plan_import
from dashboard.store.batch import RAW_SCHEMA, ImportBatch, UnusableFile
from measures.catalog import Catalog
from measures.parsing import ERROR_SCHEMA, Parsed, parse_administrations

#: The value of ``ImportBatch.format`` for a REDCap import.
FORMAT = "redcap"

_EVENT = "redcap_event_name"
_REPEAT_FORM = "redcap_repeat_instrument"
_REPEAT_INSTANCE = "redcap_repeat_instance"
_EVENT_NAME = re.compile(r"[a-z0-9_]+")
_FORM_STATUS = ("0", "1", "2")
_STATUS_LABELS = {"incomplete", "unverified", "complete"}
_LABEL_HEADERS = {"record id", "event name", "repeat instrument", "repeat instance"}

_Error = tuple[str | None, str | None, str]


@dataclass
class _Administration:
    """One administration found in a records row: frame values and reasons to reject it."""

    row: int
    text: str
    values: dict[str, object]
    errors: list[_Error] = field(default_factory=list)
    earlier_id: str = ""


def read_redcap(records: Path, dictionary: Path, mapping: Path, catalog: Catalog) -> ImportBatch:
    """Read a REDCap "CSV (raw data)" export: one administration per filled-in form.

    The mapping (see :mod:`dashboard.importers.redcap.mapping`) is checked
    against the data dictionary and the catalog before any record is read. Each
    (record, event, repeat instance, instrument) with a mapped item, total or
    form date becomes one row of the batch, numbered from 1 in file order; a
    value that is not a valid choice code, a score out of range, a choice label
    (a labels export), a date that cannot be read without guessing, or a form
    marked Incomplete rejects that administration, with the reason.

    Raises :class:`UnusableFile` with a one-line reason when a file is missing or
    is not what it should be, or when the mapping does not fit the dictionary.
    """
    for path in (dictionary, mapping, records):
        if not path.is_file():
            msg = f"cannot read {path}: no such file"
            raise UnusableFile(msg)
    project = read_dictionary(dictionary)
    plan = plan_import(load_mapping(mapping), project, catalog, mapping.name)
    header, rows = read_csv(records, "REDCap records export")
    _check_header(header, plan, records.name)
    administrations = _administrations(header, rows, plan, project)
    return _batch(administrations, plan, catalog)


def _check_header(header: Sequence[str], plan: Plan, name: str) -> None:
    duplicates = sorted(h for h, n in Counter(header).items() if n > 1)
    if duplicates:
        msg = f"{name} has duplicate column(s) {', '.join(duplicates)}"
        raise UnusableFile(msg)
    if plan.record_id not in header:
        keys = {label_key(h) for h in header}
        if keys & _LABEL_HEADERS or any(k.endswith("complete?") for k in keys):
            msg = f"{name} is a REDCap 'CSV (labels)' export; export 'CSV (raw data)' instead"
        else:
            msg = (
                f"{name} is not a REDCap records export: it has no record id column "
                f"'{plan.record_id}' (its columns start {', '.join(header[:3])})"
            )
        raise UnusableFile(msg)
    mapped = dict.fromkeys(f for p in plan.instruments for f in p.fields)
    absent = [f for f in mapped if f not in header]
    if absent:
        stamps = any(f.endswith("_timestamp") for f in absent)
        msg = (
            f"{name} has no column for the mapped field(s) {', '.join(absent)}: export every "
            f"field of the mapped forms{' with the survey timestamps' if stamps else ''}"
        )
        raise UnusableFile(msg)
    if _EVENT not in header and any(p.events is not None for p in plan.instruments):
        msg = f"{name} has no {_EVENT} column (not longitudinal) but the mapping lists events"
        raise UnusableFile(msg)


def _administrations(
    header: Sequence[str], rows: Sequence[CsvRow], plan: Plan, project: Dictionary
) -> list[_Administration]:
    position = {name: n for n, name in enumerate(header)}
    forms = frozenset(project.forms)
    contradictions: dict[str, str] = {}
    for p in plan.instruments:
        column = position[p.date_field]
        example = contradicting_value((r.fields[column] for r in rows), p.date_order)
        if example is not None:
            contradictions[p.date_field] = example
    found: list[_Administration] = []
    for csv_row in rows:
        values = {name: value.strip() for name, value in zip(header, csv_row.fields, strict=True)}
        context = _row_problems(values, forms)
        for p in plan.instruments:
            if not _belongs(values, p, forms) or not any(
                _filled(values[f]) for f in p.presence_fields
            ):
                continue
            administration = _Administration(len(found) + 1, csv_row.text, {}, list(context))
            _read_administration(administration, values, p, plan, contradictions)
            found.append(administration)
    return found


def _filled(value: str) -> bool:
    return bool(value) and value != NOT_COMPLETED


def _row_problems(values: Mapping[str, str], forms: frozenset[str]) -> list[_Error]:
    """Reasons that reject every administration of a row: event or form labels."""
    problems: list[_Error] = []
    event = values.get(_EVENT, "")
    if event and not _EVENT_NAME.fullmatch(event):
        reason = f"{_EVENT} holds '{event}', an event label: export raw data, not labels"
        problems.append((None, event, reason))
    repeat = values.get(_REPEAT_FORM, "")
    if repeat and repeat not in forms:
        reason = f"{_REPEAT_FORM} holds '{repeat}', not a form name: export raw data, not labels"
        problems.append((None, repeat, reason))
    return problems


def _belongs(values: Mapping[str, str], p: InstrumentPlan, forms: frozenset[str]) -> bool:
    """Whether the row can hold the instrument: its event, its repeating form.

    A row whose event or repeating form is a label is kept, so that it is
    rejected with the reason rather than silently skipped.
    """
    repeat = values.get(_REPEAT_FORM, "")
    if repeat in forms and repeat != p.form:
        return False
    event = values.get(_EVENT, "")
    return p.events is None or event in p.events or not _EVENT_NAME.fullmatch(event)


def _read_administration(
    administration: _Administration,
    values: Mapping[str, str],
    p: InstrumentPlan,
    plan: Plan,
    contradictions: Mapping[str, str],
) -> None:
    record, project = values[plan.record_id], plan.project
    event = values.get(_EVENT, "")
    instance = values.get(_REPEAT_INSTANCE, "") or "1"
    errors = administration.errors
    frame_values: dict[str, object] = {
        "client_id": record or None,
        "measure": p.instrument.id,
        "administered_on": None,
        "source_id": f"redcap:{project}:{record}:{event}:{instance}:{p.instrument.id}",
    }
    administration.earlier_id = f"redcap:{record}:{event}:{instance}:{p.instrument.id}"
    for reader in p.items:
        raw = values[reader.name]
        if raw:
            score, reason = reader.read(raw)
            frame_values[reader.item.id] = score
            if reason is not None:
                errors.append((reader.item.id, raw, reason))
    raw_date = values[p.date_field]
    if raw_date:
        date, reason = iso_date(
            raw_date, p.date_field, p.date_order, contradicted_by=contradictions.get(p.date_field)
        )
        frame_values["administered_on"] = date or raw_date
        if reason is not None:
            errors.append(("administered_on", raw_date, reason))
    if p.total_field and values[p.total_field]:
        frame_values["total"] = _total(values[p.total_field], p.total_field, errors)
        frame_values["total_scale"] = p.total_scale
    status = values.get(p.complete_field, "")
    if status == "0":
        errors.append((None, status, "form marked Incomplete in REDCap"))
    elif status.casefold() in _STATUS_LABELS:
        reason = f"{p.complete_field} holds '{status}', a choice label: export raw data, not labels"
        errors.append((None, status, reason))
    elif status and status not in _FORM_STATUS:
        reason = f"{p.complete_field} holds '{status}', not a form status (0, 1 or 2)"
        errors.append((None, status, reason))
    administration.values = frame_values


def _total(raw: str, name: str, errors: list[_Error]) -> float | None:
    try:
        total = float(raw)
    except ValueError:
        total = math.nan
    if math.isfinite(total):
        return total
    errors.append(("total", raw, f"{name} holds '{raw}', not a number"))
    return None


def _batch(administrations: list[_Administration], plan: Plan, catalog: Catalog) -> ImportBatch:
    schema: dict[str, pl.DataType] = {
        "row": pl.Int64(),
        "client_id": pl.String(),
        "measure": pl.String(),
        "administered_on": pl.String(),
    } | {c: pl.Int64() for c in catalog.item_columns}
    if any(p.total_field for p in plan.instruments):
        schema["total"] = pl.Float64()
    if any(p.total_scale for p in plan.instruments):
        schema["total_scale"] = pl.String()
    schema["source_id"] = pl.String()
    frame = pl.DataFrame(
        [[a.row, *(a.values.get(c) for c in list(schema)[1:])] for a in administrations],
        schema=schema,
        orient="row",
    )
    parsed = parse_administrations(frame, catalog)
    ours = pl.DataFrame(
        [(a.row, *error) for a in administrations for error in a.errors],
        schema=ERROR_SCHEMA,
        orient="row",
    )
    # a date we already explained is not reported again by the parser
    theirs = parsed.errors.join(ours.select("row", "column"), on=["row", "column"], how="anti")
    errors = pl.concat([ours, theirs]).sort("row", maintain_order=True)
    raw = pl.DataFrame([(a.row, a.text) for a in administrations], schema=RAW_SCHEMA, orient="row")
    return ImportBatch(
        format=FORMAT,
        parsed=Parsed(parsed.frame, errors, parsed.ignored_columns),
        raw=raw,
        records=len(administrations),
        earlier_source_ids={a.row: a.earlier_id for a in administrations},
    )
