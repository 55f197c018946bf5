"""Turn FHIR JSON files into an import batch: one row per QuestionnaireResponse or Observation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from dashboard.importers.fhir import observations, responses
from dashboard.importers.fhir.codes import CatalogCodes
from dashboard.importers.fhir.files import Entry, Json, dump, load_files
from dashboard.importers.fhir.observations import (
    ObservationIndex,
    derived_references,
    member_references,
)
from dashboard.importers.fhir.recognition import EVIDENCE, Recogniser
from dashboard.importers.fhir.record import Problem, Record, compact, source_id, wall_clock
from dashboard.importers.fhir.references import ResourceIndex
from dashboard.importers.fhir.stored_totals import impossible_totals
from dashboard.importers.fhir.subjects import Subjects
from dashboard.importers.fhir.support import SUPPORTING, Support
from dashboard.importers.fhir.texts import ItemTexts
from dashboard.store.batch import RAW_SCHEMA, ImportBatch, UnusableFile
from measures.catalog import Catalog
from measures.parsing import ERROR_SCHEMA, Parsed, parse_administrations
from measures.scoring import SOURCE_PROBLEMS

#: The resource types read as records; others (Patient, Encounter ...) are context.
RECORD_TYPES = frozenset({"QuestionnaireResponse", "Observation"})
_DATE_KEYS = {
    "QuestionnaireResponse": ("authored",),
    "Observation": ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued"),
}


def read_fhir(
    paths: Sequence[Path], catalog: Catalog, *, patient_identifier_system: str | None = None
) -> ImportBatch:
    """Read FHIR R4/STU3 JSON files (single resources, Bundles, ndjson) into a batch.

    Each QuestionnaireResponse and each Observation that is no member of a
    panel is one record, numbered from 1 across the files in reading order; a
    broken ndjson line is a record too. An Observation derived from a
    QuestionnaireResponse in the files (``derivedFrom``) summarises it and is
    no record of its own: it travels with the response, and a total of the
    response's instrument is the response's stored total if it has none.
    Questionnaires, ValueSets and CodeSystems in any of the files are used to
    read the records, and are not records. Every record has a row in
    ``parsed.frame`` (null where nothing could be read) and its compact JSON in
    ``raw``; ``parsed.errors`` says why a record cannot be used. A stored
    total goes to ``total``, so scoring can report one that disagrees with the
    answers. What recognised each record's instrument is counted by kind in
    ``evidence``; problems that do not reject a record (an answer's ordinal that
    disagrees with its code) are in ``parsed.frame["source_problems"]``.

    A record's subject is resolved among the files' Patients; with
    ``patient_identifier_system`` (the program's MRN system, say) the client id
    is the Patient's identifier of that system (see :mod:`.subjects`).

    Raises :class:`UnusableFile` for a file that is not JSON, is truncated,
    is not a FHIR resource or is FHIR DSTU2.

    Examples
    --------
    >>> from measures import load_catalog
    >>> files = [Path("QuestionnaireResponse-phq9.json"), Path("Questionnaire-phq9.json")]
    >>> batch = read_fhir(files, load_catalog())  # doctest: +SKIP
    >>> batch.records, batch.parsed.frame["measure"].to_list()  # doctest: +SKIP
    (1, ['phq9'])
    """
    entries = load_files(paths)
    codes = CatalogCodes(catalog)
    reading = _Reading(codes, Recogniser(codes, ItemTexts(catalog)), Support(), ObservationIndex())
    reading.subjects = Subjects(patient_identifier_system)
    support, index = reading.support, reading.index
    responses_index = ResourceIndex("QuestionnaireResponse")
    for entry in entries:
        if entry.resource is None:
            continue
        kind = entry.resource["resourceType"]
        if kind in SUPPORTING:
            support.add(entry.resource, entry.full_url)
        elif kind == "Observation":
            index.add(entry.resource, entry.full_url)
        elif kind == "QuestionnaireResponse":
            responses_index.add(entry.resource, entry.full_url)
        elif kind == "Patient":
            reading.subjects.add(entry.resource, entry.full_url)
    members = index.members()
    summaries = _summaries(entries, members, responses_index)
    summarised = {id(o) for found in summaries.values() for o in found}
    records: list[Record] = []
    others: Counter[str] = Counter()
    # a file of Questionnaires, ValueSets and CodeSystems only is a supporting file,
    # named as such by the import; its resources are not counted as this file's
    counted = {e.file for e in entries if e.resource is None or _kind(e) not in SUPPORTING}
    for entry in entries:
        if entry.resource is None:
            records.append(Record(entry.text or "", problems=[Problem(entry.problem or "")]))
        elif _kind(entry) in RECORD_TYPES and id(entry.resource) not in members | summarised:
            derived = summaries.get(id(entry.resource), [])
            try:
                record = _read_record(entry, entry.resource, reading, derived)
            except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
                record = _unreadable(entry.resource, exc)
            records.append(record)
        elif entry.file in counted:
            part = id(entry.resource) in members | summarised
            others[f"{_kind(entry)} ({_part(entry, members)})" if part else _kind(entry)] += 1
    if not records and not support.count:
        _check_something_read(entries, paths)
    found = Counter(r.evidence for r in records if r.evidence is not None)
    return ImportBatch(
        format="fhir",
        parsed=_parsed(records, catalog),
        raw=_raw(records),
        records=len(records),
        not_administrations=dict(sorted(others.items())),
        evidence={kind: found[kind] for kind in EVIDENCE if found[kind]},
    )


class _Reading:
    """What reading one import's records needs: the catalog's codes and texts, the
    supporting resources, the Observations and the Patients of the files."""

    def __init__(
        self, codes: CatalogCodes, recogniser: Recogniser, support: Support, index: ObservationIndex
    ) -> None:
        self.codes = codes
        self.recogniser = recogniser
        self.support = support
        self.index = index
        self.subjects = Subjects()


def _kind(entry: Entry) -> str:
    return str(entry.resource["resourceType"]) if entry.resource is not None else ""


def _part(entry: Entry, members: set[int]) -> str:
    return "panel member" if id(entry.resource) in members else "derived from a response"


def _unreadable(resource: Json, exc: Exception) -> Record:
    """A resource whose structure FHIR does not allow (an object where a list belongs,
    say): rejected with that reason, never the whole file."""
    reason = (
        f"the {resource['resourceType']} does not have the structure FHIR gives it (an "
        f"element of the wrong type: {type(exc).__name__}), so it cannot be read"
    )
    return Record(dump(resource), problems=[Problem(reason)])


def _summaries(
    entries: list[Entry], members: set[int], responses_index: ResourceIndex
) -> dict[int, list[Json]]:
    """The Observations derived from each QuestionnaireResponse of the import, by its ``id()``."""
    found: dict[int, list[Json]] = {}
    for entry in entries:
        observation = entry.resource
        if observation is None or observation["resourceType"] != "Observation":
            continue
        if id(observation) in members:
            continue
        for reference in derived_references(observation):
            response = responses_index.resolve(reference, observation)
            if response is not None:
                found.setdefault(id(response), []).append(observation)
                break
    return found


def _read_record(entry: Entry, resource: Json, reading: _Reading, derived: list[Json]) -> Record:
    kind = str(resource["resourceType"])
    codes, support, index = reading.codes, reading.support, reading.index
    subject = reading.subjects.client(resource.get("subject"), resource, kind)
    record = Record(
        _raw_text(resource, index, derived),
        client_id=subject.client_id,
        source_id=source_id(resource, entry.full_url),
    )
    status = resource.get("status")
    accepted = responses.ACCEPTED if kind == "QuestionnaireResponse" else observations.ACCEPTED
    if not isinstance(status, str) or status not in accepted:
        value = status if isinstance(status, str) and status else None
        record.reject(_status_reason(kind, status, accepted), value=value)
    if subject.problem is not None:
        record.reject(subject.problem, "client_id")
    date = _date(resource, _DATE_KEYS[kind])
    if date is None:
        record.reject(
            f"no date: the {kind} has no {' or '.join(_DATE_KEYS[kind])}", "administered_on"
        )
    else:
        record.administered_on = wall_clock(date)
    if kind == "QuestionnaireResponse":
        responses.read_response(resource, record, support, reading.recogniser)
        _take_stored_total(record, derived, codes, support, index)
    else:
        observations.read_observation(resource, record, codes, support, index)
    if status == "entered-in-error":
        record.items.clear()
        record.total = None
        record.total_scale = None
        record.notes.clear()
    return record


def _status_reason(kind: str, status: object, accepted: frozenset[str]) -> str:
    wanted = {
        "QuestionnaireResponse": "completed or amended responses",
        "Observation": "final, amended or corrected results",
    }[kind]
    if status is None or status == "":
        return f"the {kind} has no status; only {wanted} are scored"
    if not isinstance(status, str):
        return f"the {kind}'s status is not a code; only {wanted} are scored"
    return f"{kind} status is '{status}': only {wanted} are scored"


def _date(resource: Json, keys: Sequence[str]) -> str | None:
    for key in keys:
        value = resource.get(key)
        if isinstance(value, dict):
            value = value.get("start")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _take_stored_total(
    record: Record,
    derived: list[Json],
    codes: CatalogCodes,
    support: Support,
    index: ObservationIndex,
) -> None:
    """A response without a total takes the total of an Observation derived from it."""
    for observation in derived:
        if record.total is not None:
            return
        summary = Record("")
        observations.read_observation(observation, summary, codes, support, index)
        usable = not summary.problems and not summary.items and summary.total is not None
        if usable and summary.measure == record.measure:
            record.total = summary.total
            record.total_scale = summary.total_scale


def _raw_text(resource: Json, index: ObservationIndex, derived: list[Json]) -> str:
    """The record's JSON; a panel travels with its members and a response with the
    Observations derived from it, as a collection Bundle."""
    companions = [*derived]
    if resource.get("resourceType") == "Observation":
        companions += [
            m
            for r in member_references(resource)
            if (m := index.resolve(r, resource)) is not None and m is not resource
        ]
    if not companions:
        return compact(resource)
    entries = [{"resource": r} for r in (resource, *companions)]
    return compact({"resourceType": "Bundle", "type": "collection", "entry": entries})


def _parsed(records: list[Record], catalog: Catalog) -> Parsed:
    """The wide frame cast by the CSV rules, with a row for every record."""
    columns = ["client_id", "measure", "administered_on", *catalog.item_columns]
    columns += ["total"] if any(r.total is not None for r in records) else []
    columns += ["total_scale"] if any(r.total_scale is not None for r in records) else []
    columns += ["source_id"]
    cells = [r.cells() for r in records]
    frame = pl.DataFrame(
        {"row": range(1, len(records) + 1)} | {c: [row.get(c) for row in cells] for c in columns},
        schema={"row": pl.Int64} | dict.fromkeys(columns, pl.String),
    )
    parsed = parse_administrations(frame, catalog)
    kept = parsed.frame
    blank = frame.select("row").join(kept.select("row"), on="row", how="anti")
    if blank.height:
        filler = [pl.lit(None, dtype).alias(c) for c, dtype in kept.schema.items() if c != "row"]
        kept = pl.concat([kept, blank.with_columns(filler).select(kept.columns)]).sort("row")
    kept = impossible_totals(kept, records, catalog)
    own = pl.DataFrame(
        [
            {"row": n, "column": p.column, "value": p.value, "reason": p.reason}
            for n, r in enumerate(records, start=1)
            for p in r.problems
        ],
        schema=ERROR_SCHEMA,
    )
    errors = pl.concat([own, parsed.errors]).sort("row", maintain_order=True)
    if any(r.notes for r in records):
        notes = pl.DataFrame(
            {
                "row": range(1, len(records) + 1),
                SOURCE_PROBLEMS: [r.notes or None for r in records],
            },
            schema={"row": pl.Int64, SOURCE_PROBLEMS: pl.List(pl.String)},
        )
        kept = kept.join(notes, on="row", how="left")
    return Parsed(kept, errors, parsed.ignored_columns)


def _raw(records: list[Record]) -> pl.DataFrame:
    return pl.DataFrame(
        {"row": range(1, len(records) + 1), "raw": [r.raw for r in records]}, schema=RAW_SCHEMA
    )


def _check_something_read(entries: list[Entry], paths: Sequence[Path]) -> None:
    """No record and no supporting resource was found: there is nothing to import."""
    kinds = sorted({str(e.resource["resourceType"]) for e in entries if e.resource is not None})
    names = ", ".join(Path(p).name for p in paths)
    if kinds:
        msg = f"{names}: no QuestionnaireResponse or Observation (found: {', '.join(kinds)})"
    else:
        msg = f"{names}: no resources (an empty Bundle?): nothing to import"
    raise UnusableFile(msg)
