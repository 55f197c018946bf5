"""What the FHIR exports share: canonical URLs, deterministic ids, codings and answers.

Every id is derived from the data (a UUID v5 of what the resource stands for), so two
exports of the same data are byte for byte identical, and a resource keeps its id
from one export to the next.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from measures.definition import Instrument, Item

Json = dict[str, Any]

LOINC = "http://loinc.org"
#: The base of the canonical URLs of the Questionnaires this project generates.
CANONICAL_BASE = "http://iop-outcomes.org/fhir"
#: The system of a Patient identifier holding the client id, where the program sets none.
CLIENT_ID_SYSTEM = f"{CANONICAL_BASE}/sid/client-id"
#: The code system of the severity bands (the code is the band's label in lower case).
SEVERITY_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/severity-band"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#: The namespace of every id the exports derive (a UUID v5 of the project's base URL).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, CANONICAL_BASE)

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def fhir_id(value: str) -> str:
    """``value`` as a FHIR resource id: itself where it is one, else a UUID derived from it.

    >>> fhir_id("C0001"), fhir_id("audit_c")
    ('C0001', '7c507ca7-f194-51a4-96fe-e152c3a92d3f')
    """
    return value if _FHIR_ID.match(value) else derived_id("id", value)


def derived_id(kind: str, *parts: str) -> str:
    """A UUID v5 of ``kind`` and ``parts``: the same for the same data, in every export.

    >>> derived_id("QuestionnaireResponse", "C0001", "phq9", "2025-05-27")
    '2757993a-9b77-512d-b9a5-be562642d31e'
    """
    return str(uuid.uuid5(NAMESPACE, "|".join((kind, *parts))))


def questionnaire_id(instrument: Instrument) -> str:
    """The id of an instrument's generated Questionnaire (its catalog id, as a FHIR id)."""
    return fhir_id(instrument.id.replace("_", "-"))


def canonical(instrument: Instrument) -> str:
    """The canonical URL of the Questionnaire generated for ``instrument``."""
    return f"{CANONICAL_BASE}/Questionnaire/{questionnaire_id(instrument)}"


def exportable(instrument: Instrument) -> bool:
    """Whether FHIR written for ``instrument`` names it and its items by LOINC codes the
    importer reads back (a code on every item)."""
    return all(item.loinc for item in instrument.items)


def link_id(item: Item) -> str:
    """An item's linkId: its LOINC code where it has one (as LOINC's own forms), else its id."""
    return item.loinc or item.id


def loinc(code: str, display: str | None = None) -> Json:
    """A LOINC coding."""
    coding: Json = {"system": LOINC, "code": code}
    if display:
        coding["display"] = display
    return coding


def ordinal_extension(value: float) -> Json:
    """The R4 ``ordinalValue`` extension (an answer's score)."""
    return {"url": ORDINAL_VALUE, "valueDecimal": number(value)}


def answer_codes(instrument: Instrument) -> dict[int, str]:
    """Score -> LOINC answer code (``LA...``), from the definition's codes table."""
    return {value: code for code, value in instrument.codes.loinc_answers}


def number(value: float) -> int | float:
    """A whole number as an int (so JSON writes ``2``, not ``2.0``)."""
    return int(value) if float(value).is_integer() else float(value)


def value_of(value: float) -> Json:
    """``valueInteger`` for a whole number, else ``valueDecimal``."""
    shown = number(value)
    return {"valueInteger": shown} if isinstance(shown, int) else {"valueDecimal": shown}


def answer(instrument: Instrument, item: Item, value: float) -> Json:
    """An item's answer: a LOINC answer coding with its ordinal where the definition
    gives the value a code, else the number.

    >>> from measures import load_catalog
    >>> phq9 = load_catalog()["phq9"]
    >>> answer(phq9, phq9.items[0], 2.0)["valueCoding"]["code"]
    'LA6570-1'
    """
    code = answer_codes(instrument).get(int(value)) if float(value).is_integer() else None
    if code is None or not item.loinc:
        return value_of(value)
    display = dict(item.anchors).get(int(value))
    coding = loinc(code, display)
    coding["extension"] = [ordinal_extension(value)]
    return {"valueCoding": coding}
