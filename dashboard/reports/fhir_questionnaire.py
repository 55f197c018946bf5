"""A FHIR R4 Questionnaire for each catalog instrument, generated from its definition.

Forms built from these with FHIR tools (LHC-Forms, SDC renderers) collect responses
the importer takes back: the response names the Questionnaire's canonical URL, the
items' linkIds are their LOINC codes (else their ids) and each answer option is a
coding (the LOINC answer code where the definition has one) with its score as the
``ordinalValue`` extension. The item texts are the published wording only where the
definition's licence allows it; otherwise a placeholder says where to find them.
"""

from __future__ import annotations

import json
import re

from dashboard.importers.fhir.codes import canonical
from dashboard.reports.fhir_codes import Json, link_id, loinc, option, options, resource_id
from measures.definition import Instrument, Item


def questionnaire(instrument: Instrument) -> Json:
    """The R4 Questionnaire of ``instrument``.

    Examples
    --------
    >>> from measures import load_catalog
    >>> phq9 = questionnaire(load_catalog()["phq9"])
    >>> phq9["url"], phq9["code"][0]["code"], phq9["item"][1]["code"][0]["code"]
    ('http://iop-outcomes.org/fhir/Questionnaire/phq9', '44249-1', '44250-9')
    >>> [o["valueCoding"]["code"] for o in phq9["item"][1]["answerOption"]]
    ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9']
    >>> questionnaire(load_catalog()["audit_c"])["item"][0]["text"].startswith("AUDIT-C item 1")
    True
    """
    resource: Json = {
        "resourceType": "Questionnaire",
        "id": resource_id(instrument),
        "url": canonical(instrument),
        "name": _name(instrument.abbreviation),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.construct,
        "copyright": instrument.licence,
    }
    if instrument.codes.loinc_panel:
        resource["code"] = [loinc(instrument.codes.loinc_panel, instrument.name)]
    items: list[Json] = []
    if instrument.show_item_wording and instrument.instructions:
        items.append({"linkId": "instructions", "text": instrument.instructions, "type": "display"})
    items += [_item(instrument, item, n) for n, item in enumerate(instrument.items, start=1)]
    resource["item"] = items
    return resource


def _item(instrument: Instrument, item: Item, number: int) -> Json:
    entry: Json = {"linkId": link_id(item)}
    if item.loinc:
        entry["code"] = [loinc(item.loinc, item.label)]
    entry["text"] = _text(instrument, item, number)
    entry["type"] = "choice"
    entry["required"] = not item.optional
    entry["answerOption"] = [
        {"valueCoding": option(instrument, item, value)} for value in options(item)
    ]
    return entry


def _text(instrument: Instrument, item: Item, number: int) -> str:
    if instrument.show_item_wording and item.text:
        return item.text
    return (
        f"{instrument.abbreviation} item {number}: {item.label} (the published wording is not "
        "distributed with IOP Outcomes: see the copyright statement)"
    )


def _name(abbreviation: str) -> str:
    """A computer-friendly name (FHIR's ``[A-Z]([A-Za-z0-9_]){0,254}``)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", abbreviation)
    return name if name[:1].isupper() else f"Q_{name}"


def questionnaire_json(instrument: Instrument) -> bytes:
    """The Questionnaire of ``instrument`` as a JSON file's bytes."""
    text = json.dumps(questionnaire(instrument), indent=2, ensure_ascii=False)
    return f"{text}\n".encode()
