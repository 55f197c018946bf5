"""What the FHIR exports share: canonical URLs, deterministic ids, codings and answers.

Every id is derived from the data (a UUID v5 of what the resource stands for), so two
exports of the same data are byte for byte identical, and a resource keeps its id
from one export to the next.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from dashboard.importers.fhir.codes import CANONICAL_BASE, LOINC, questionnaire_id
from measures.definition import Instrument, Item

Json = dict[str, Any]

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#: The system of a Patient identifier holding the client id, where the program sets none.
CLIENT_ID_SYSTEM = f"{CANONICAL_BASE}/sid/client-id"
#: The code system of the severity bands (the code is the band's label in lower case).
SEVERITY_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/severity-band"
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


def resource_id(instrument: Instrument) -> str:
    """The id of an instrument's generated Questionnaire resource."""
    return fhir_id(questionnaire_id(instrument))


def answer_system(instrument: Instrument) -> str:
    """The code system of the answers the definition gives no LOINC code (the code is
    the answer's score)."""
    return f"{CANONICAL_BASE}/CodeSystem/{questionnaire_id(instrument)}-answers"


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


def options(item: Item) -> tuple[int, ...]:
    """The scores an item's answer may take, in order."""
    return item.values or tuple(range(item.min, item.max + 1))


def option(instrument: Instrument, item: Item, value: int) -> Json:
    """The coding of the answer scored ``value``: its LOINC answer code where the
    definition gives one, else the score under :func:`answer_system`; with the answer's
    anchor as display and its score as the R4 ``ordinalValue`` extension.

    >>> from measures import load_catalog
    >>> catalog = load_catalog()
    >>> option(catalog["phq9"], catalog["phq9"].items[0], 2)["code"]
    'LA6570-1'
    >>> coding = option(catalog["mood_nrs"], catalog["mood_nrs"].items[0], 7)
    >>> coding["system"].endswith("/CodeSystem/mood-nrs-answers"), coding["code"]
    (True, '7')
    """
    code = answer_codes(instrument).get(value)
    display = dict(item.anchors).get(value)
    coding: Json = loinc(code, display) if code else {}
    if not code:
        coding = {"system": answer_system(instrument), "code": str(value)}
        coding["display"] = display or str(value)
    coding["extension"] = [ordinal_extension(value)]
    return coding


def answer(instrument: Instrument, item: Item, value: float) -> Json:
    """An item's answer: the coding of its option (:func:`option`), or the number where
    the value is none of the item's options.

    >>> from measures import load_catalog
    >>> phq9 = load_catalog()["phq9"]
    >>> answer(phq9, phq9.items[0], 2.0)["valueCoding"]["code"]
    'LA6570-1'
    """
    if float(value).is_integer() and int(value) in options(item):
        return {"valueCoding": option(instrument, item, int(value))}
    return value_of(value)
