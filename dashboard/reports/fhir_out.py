"""Administrations and their scores as FHIR R4: QuestionnaireResponses and Observations.

Each administration is a QuestionnaireResponse (its items with their LOINC codes as
linkIds, the answers as LOINC answer codes with their ordinal value where the
definition has them), and its primary score two Observations: the instrument's panel,
whose member is the total, both derived from the response, the total carrying its
severity band as interpretation. The client is a Patient, its id the client id and
its identifier the client id under an identifier system. What the project's own
FHIR importer takes back is what is written: each response names the canonical URL
of its instrument's generated Questionnaire (``iop export questionnaires``), which
the importer recognises, and an item without a LOINC code is named by its id.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboard.importers.fhir.codes import canonical
from dashboard.reports.fhir_codes import (
    CLIENT_ID_SYSTEM,
    SEVERITY_SYSTEM,
    Json,
    answer,
    derived_id,
    fhir_id,
    link_id,
    loinc,
    value_of,
)
from measures.catalog import Catalog
from measures.definition import Instrument

_SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}


@dataclass
class FhirExport:
    """The resources of an export, and the administrations left out (by instrument)."""

    resources: list[Json] = field(default_factory=list)
    administrations: int = 0
    clients: set[str] = field(default_factory=set)
    #: Measure -> administrations not written (no instrument of the catalog).
    left_out: dict[str, int] = field(default_factory=dict)
    #: Administrations not written because they hold no answer and no total (a response
    #: without an answer is no record a FHIR reader can use).
    empty: int = 0
    #: The identifier system of the Patients' client ids.
    identifier_system: str = CLIENT_ID_SYSTEM
    #: Clients whose id is no FHIR id (it holds '_'): their Patient has a derived id, and
    #: an import names them by identifier only with this system set.
    derived_patients: int = 0

    def bundle(self) -> bytes:
        """A collection Bundle of every resource (fullUrl ``urn:uuid:``), as JSON."""
        bundle = {
            "resourceType": "Bundle",
            "id": derived_id("Bundle", *(r["id"] for r in self.resources)),
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:{_uuid_of(r)}", "resource": r} for r in self.resources
            ],
        }
        return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode()

    def ndjson(self) -> bytes:
        """One resource a line (FHIR bulk data)."""
        lines = [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in self.resources]
        return "".join(f"{line}\n" for line in lines).encode()


def fhir_resources(
    table: pl.DataFrame, catalog: Catalog, *, identifier_system: str | None = None
) -> FhirExport:
    """The FHIR R4 resources of a score table (``iop export scores``'s columns).

    One Patient per client (``Patient/<client id>``, or a derived id where the
    client id is no FHIR id; its ``identifier`` holds the client id under
    ``identifier_system``, by default :data:`CLIENT_ID_SYSTEM`), then for each
    administration its QuestionnaireResponse and, where it has a score, the panel and
    total Observations. A measure the catalog does not hold is counted in
    ``left_out``, an administration without any answer or total in ``empty``; neither
    is written. Rows are taken in client, measure and date order, so the same data
    gives the same file and the same ids, whoever exports it (an id comes from the
    client, measure, time and, for two administrations at one time, their order).

    Examples
    --------
    >>> from measures import load_catalog
    >>> table = pl.DataFrame({"client_id": ["C1"], "measure": ["phq9"],
    ...     "administered_on": ["2025-05-27"], **{f"item_{k}": [1] for k in range(1, 10)},
    ...     "score": [9.0], "severity": ["Mild"]})
    >>> export = fhir_resources(table, load_catalog())
    >>> [r["resourceType"] for r in export.resources]
    ['Patient', 'QuestionnaireResponse', 'Observation', 'Observation']
    >>> export.resources[3]["valueInteger"], export.resources[3]["interpretation"][0]["text"]
    (9, 'Mild')
    """
    system = identifier_system or CLIENT_ID_SYSTEM
    export = FhirExport(identifier_system=system)
    patients: dict[str, Json] = {}
    written: list[Json] = []
    ordered = table.sort("client_id", "measure", "administered_on", maintain_order=True)
    seen: dict[tuple[str, str, str], int] = {}
    for row in ordered.iter_rows(named=True):
        instrument = catalog.instruments.get(str(row["measure"]))
        if instrument is None:
            name = str(row["measure"])
            export.left_out[name] = export.left_out.get(name, 0) + 1
            continue
        client = str(row["client_id"])
        if not _answered(row, instrument):
            export.empty += 1
            continue
        if client not in patients:
            patients[client] = _patient(client, system)
        same = (client, instrument.id, str(row["administered_on"]))
        seen[same] = seen.get(same, 0) + 1
        written += _administration(row, instrument, patients[client], seen[same])
        export.administrations += 1
        export.clients.add(client)
    export.resources = [*patients.values(), *written]
    export.derived_patients = sum(p["id"] != c for c, p in patients.items())
    return export


def _patient(client: str, system: str) -> Json:
    return {
        "resourceType": "Patient",
        "id": fhir_id(client),
        "identifier": [{"system": system, "value": client}],
    }


def _administration(
    row: Mapping[str, Any], instrument: Instrument, patient: Json, occurrence: int
) -> list[Json]:
    client, when = str(row["client_id"]), str(row["administered_on"])
    # the n-th administration of the client, measure and time (two sources may give one)
    key = (client, instrument.id, when, str(occurrence))
    subject = {
        "reference": f"Patient/{patient['id']}",
        "identifier": patient["identifier"][0],
    }
    response_id = derived_id("QuestionnaireResponse", *key)
    response: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": canonical(instrument),
        "status": "completed",
        "subject": subject,
        "authored": fhir_datetime(when),
        "item": [*_items(row, instrument), *_stored_total(row, instrument)],
    }
    if not response["item"]:
        del response["item"]
    score = row.get("score")
    primary = instrument.primary
    if score is None or primary is None or (isinstance(score, float) and math.isnan(score)):
        return [response]
    total_code = instrument.codes.loinc_total or primary.loinc
    total_id = derived_id("Observation", "total", *key)
    derived = [{"reference": f"QuestionnaireResponse/{response_id}"}]
    common = {
        "resourceType": "Observation",
        "status": "final",
        "category": [_SURVEY],
        "subject": subject,
        "effectiveDateTime": fhir_datetime(when),
        "derivedFrom": derived,
    }
    total: Json = {
        **common,
        "id": total_id,
        "code": _code(total_code, primary.label),
        **_total_value(float(score), primary.total_unit),
    }
    severity = row.get("severity")
    if isinstance(severity, str) and severity:
        coding = {"system": SEVERITY_SYSTEM, "code": _slug(severity), "display": severity}
        total["interpretation"] = [{"coding": [coding], "text": severity}]
    panel: Json = {
        **common,
        "id": derived_id("Observation", "panel", *key),
        "code": _code(instrument.codes.loinc_panel, instrument.name),
        "hasMember": [{"reference": f"Observation/{total_id}"}],
    }
    return [response, panel, total]


def _answered(row: Mapping[str, Any], instrument: Instrument) -> bool:
    values = [row.get(item.id) for item in instrument.items]
    values += [row.get("total")] if instrument.primary else []
    return any(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values)


def _items(row: Mapping[str, Any], instrument: Instrument) -> Iterator[Json]:
    for item in instrument.items:
        value = row.get(item.id)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        entry: Json = {"linkId": link_id(item)}
        if item.loinc:
            entry["definition"] = f"{loinc(item.loinc)['system']}/{item.loinc}"
        entry["text"] = item.label
        entry["answer"] = [answer(instrument, item, float(value))]
        yield entry


def _stored_total(row: Mapping[str, Any], instrument: Instrument) -> Iterator[Json]:
    """A total stored with the administration (as a file gave it), as the answer of the
    total's LOINC code (linkId ``total`` where it has none), on the primary score's
    scale with its unit, so it travels back: one that disagrees with the answers stays
    a reported problem."""
    stored, code = row.get("total"), instrument.codes.loinc_total
    primary = instrument.primary
    if stored is None or primary is None or (isinstance(stored, float) and math.isnan(stored)):
        return
    entry: Json = {"linkId": code or "total"}
    if code:
        entry["definition"] = f"{loinc(code)['system']}/{code}"
    entry["text"] = f"{primary.label} as stored"
    entry["answer"] = [_total_value(float(stored), primary.total_unit)]
    yield entry


def _total_value(score: float, unit: str | None) -> Json:
    if unit is None:
        return value_of(score)
    quantity = {"value": value_of(score).popitem()[1], "unit": unit}
    return {"valueQuantity": quantity | {"system": "http://unitsofmeasure.org", "code": unit}}


def _code(code: str | None, text: str) -> Json:
    return {"coding": [loinc(code, text)], "text": text} if code else {"text": text}


def _slug(label: str) -> str:
    return "-".join(label.lower().split())


def fhir_datetime(text: str) -> str:
    """A stored date as FHIR writes it: a day as the day; a wall-clock time with the
    exporting machine's UTC offset of that moment (FHIR requires one with a time).

    >>> fhir_datetime("2025-05-27")
    '2025-05-27'
    """
    if "T" not in text:
        return text
    moment = dt.datetime.fromisoformat(text)
    return moment.astimezone().isoformat(timespec="seconds")


def _uuid_of(resource: Json) -> str:
    rid = str(resource["id"])
    return rid if len(rid) == 36 and rid.count("-") == 4 else derived_id("fullUrl", rid)


def written_kinds(resources: Sequence[Json]) -> dict[str, int]:
    """How many resources of each type, for the audit and the summary line."""
    kinds: dict[str, int] = {}
    for resource in resources:
        kinds[resource["resourceType"]] = kinds.get(resource["resourceType"], 0) + 1
    return kinds
