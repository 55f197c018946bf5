"""Score one answer or observation value: from its ordinal value or its code, never its text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.importers.fhir.codes import CatalogCodes
from dashboard.importers.fhir.files import Json, OutOfRange, objects
from dashboard.importers.fhir.record import Unreadable, number_text
from dashboard.importers.fhir.support import (
    Question,
    QuestionnaireView,
    Support,
    Weight,
    key_of,
    ordinal,
)
from measures.definition import Instrument


@dataclass(frozen=True)
class Answers:
    """Reads values for one instrument, with the Questionnaire the record answers, if given.

    A coded answer is scored from (1) an ordinalValue/itemWeight extension on
    the coding or the answer, (2) the instrument's LOINC answer codes, (3) the
    Questionnaire option, its ValueSet or any given ValueSet/CodeSystem. Its
    display text is never used.
    """

    instrument: Instrument
    codes: CatalogCodes
    support: Support
    questionnaire: QuestionnaireView | None = None

    def read(
        self, holder: Json, column: str, where: str, question: Question | None = None
    ) -> str | None:
        """The value of ``holder`` (an answer, Observation or component) as number text.

        ``column`` is ``item_k`` or ``total``; ``where`` names the value in
        messages. None means unanswered (an Observation with a dataAbsentReason).
        Raises :class:`Unreadable` when the value cannot be scored.
        """
        codings = _codings(holder)
        if codings is None:
            return _number(holder, column, where)
        if column == "total":
            msg = f"{where}: the total is coded, not a number"
            raise Unreadable(msg, column=column)
        return self._coded(holder, codings, column, where, question)

    def _coded(
        self,
        holder: Json,
        codings: list[Json],
        column: str,
        where: str,
        question: Question | None,
    ) -> str | None:
        coded = []
        for coding in codings:
            key = key_of(coding)
            weight = ordinal(coding)
            weight = ordinal(holder) if weight is None else weight
            if weight is None and key is not None:
                coded.append(key)
                weight = self._weight(coding, question)
            if weight is not None:
                return number_text(weight)
        if not coded:
            display = next((str(c["display"]) for c in codings if c.get("display")), None)
            concept = holder.get("valueCodeableConcept")
            text = display or (concept.get("text") if isinstance(concept, Mapping) else None)
            msg = (
                f"{where}: the answer has no code, only the text '{text}'; "
                "answers are never scored from their text"
                if text
                else f"{where}: the answer has no code"
            )
            raise Unreadable(msg, column=column, value=text)
        system, code = coded[0]
        msg = (
            f"{where}: answer code '{code}' ({f'system {system}' if system else 'no system'}) "
            f"has no score: it is not a LOINC answer of the {self.instrument.abbreviation} "
            "and no ordinal value for it is given in the files"
        )
        raise Unreadable(msg, column=column, value=code)

    def _weight(self, coding: Json, question: Question | None) -> Weight | None:
        weight = self.codes.answer(self.instrument, coding)
        if weight is not None:
            return weight
        key = key_of(coding)
        return None if key is None else self.support.weight(key, question, self.questionnaire)


def _codings(holder: Json) -> list[Json] | None:
    if "valueCoding" in holder:
        coding = holder["valueCoding"]
        return [coding] if isinstance(coding, Mapping) else []
    if "valueCodeableConcept" in holder:
        concept = holder["valueCodeableConcept"]
        codings = concept.get("coding") if isinstance(concept, Mapping) else None
        return objects(codings)
    return None


def _number(holder: Json, column: str, where: str) -> str | None:
    for key in ("valueInteger", "valueDecimal", "valueQuantity"):
        if key not in holder:
            continue
        value = holder[key]
        if key == "valueQuantity":
            value = value.get("value") if isinstance(value, Mapping) else None
        text = number_text(value)
        if isinstance(value, OutOfRange):
            msg = f"{where}: {key} {value} is no usable number (too large, or not finite)"
            raise Unreadable(msg, column=column, value=str(value))
        if text is None:
            msg = f"{where}: {key} {value!r} is not a number"
            raise Unreadable(msg, column=column, value=str(value))
        return text
    other = next((k for k in holder if k.startswith("value")), None)
    if other == "valueString":
        msg = (
            f"{where}: the answer is text ('{holder[other]}'), not a code or a number; "
            "answers are never scored from their text"
        )
        raise Unreadable(msg, column=column, value=str(holder[other]))
    if other is not None:
        msg = f"{where}: a {other.removeprefix('value')} answer cannot be scored"
        raise Unreadable(msg, column=column, value=str(holder[other]))
    if "dataAbsentReason" in holder:
        return None
    msg = f"{where}: the answer has no value"
    raise Unreadable(msg, column=column)
