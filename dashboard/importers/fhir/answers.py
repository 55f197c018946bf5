"""Score one answer or observation value: from its ordinal value or its code, never its text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.importers.fhir.codes import CatalogCodes
from dashboard.importers.fhir.files import Json, OutOfRange, objects
from dashboard.importers.fhir.record import Unreadable, number_text
from dashboard.importers.fhir.support import (
    Key,
    Question,
    QuestionnaireView,
    Support,
    Weight,
    key_of,
    ordinal,
)
from measures.definition import Instrument

#: Where a coded answer's value may come from, in the order they are taken.
OWN = "its ordinal value"
OPTION = "the questionnaire's answer option"
STANDARD = "LOINC"
ELSEWHERE = "a resource given"


@dataclass(frozen=True)
class Answers:
    """Reads values for one instrument, with the Questionnaire the record answers, if given.

    A coded answer is scored from (1) an explicit ordinal on the coding or the
    answer (STU3 ``iso21090-CO-value``, R4 ``ordinalValue``, R5 ``itemWeight``),
    (2) the weight the Questionnaire's option (or its ValueSet) gives the code,
    (3) the instrument's LOINC answer codes, with or without ``system``, (4) any
    given ValueSet or CodeSystem. Where these disagree, the first is used and the
    disagreement is kept (:meth:`note`): a problem of the administration, not a
    reason to reject it. Its display text is never used.
    """

    instrument: Instrument
    codes: CatalogCodes
    support: Support
    questionnaire: QuestionnaireView | None = None
    disagreements: list[str] = field(default_factory=list)

    def note(self) -> str | None:
        """The disagreements found so far as one problem, or None.

        >>> from measures import load_catalog
        >>> from dashboard.importers.fhir.support import Support
        >>> catalog = load_catalog()
        >>> answers = Answers(catalog["phq9"], CatalogCodes(catalog), Support())
        >>> coding = {"system": "http://loinc.org", "code": "LA6568-5", "display": "Yes",
        ...           "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/"
        ...                          "iso21090-CO-value", "valueDecimal": 3}]}
        >>> answers.read({"valueCoding": coding}, "item_1", "item_1 (1)")
        '3'
        >>> print(answers.note())
        answer values that disagree with the standard values of their codes (the file's are \
used): item_1 LA6568-5 'Yes': 3 (its ordinal value), not 0 (LOINC)
        """
        if not self.disagreements:
            return None
        return (
            "answer values that disagree with the standard values of their codes (the file's "
            f"are used): {'; '.join(self.disagreements)}"
        )

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
            if key is not None:
                coded.append(key)
            found = self._values(holder, coding, key, question)
            if found:
                self._compare(column, coding, found)
                return number_text(found[0][1])
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
        offered = self.support.option_codes(question, self.questionnaire)
        why = (
            f"it is not among the question's answer options ({', '.join(offered)})"
            if offered
            else "no ordinal value for it is given in the files"
        )
        msg = (
            f"{where}: answer code '{code}' ({f'system {system}' if system else 'no system'}) "
            f"has no score: it is not a LOINC answer of the {self.instrument.abbreviation} "
            f"and {why}"
        )
        raise Unreadable(msg, column=column, value=code)

    def _values(
        self, holder: Json, coding: Json, key: Key | None, question: Question | None
    ) -> list[tuple[str, Weight]]:
        """Every value the files give a coded answer, by where it comes from, in order."""
        own = ordinal(coding)
        own = ordinal(holder) if own is None else own
        found = [(OWN, own)] if own is not None else []
        if key is None:
            return found
        option = self.support.option_weight(key, question, self.questionnaire)
        found += [(OPTION, option)] if option is not None else []
        standard = self.codes.answer(self.instrument, coding)
        found += [(STANDARD, standard)] if standard is not None else []
        if not found:
            other = self.support.any_weight(key)
            found += [(ELSEWHERE, other)] if other is not None else []
        return found

    def _compare(self, column: str, coding: Json, found: list[tuple[str, Weight]]) -> None:
        (used_by, used), others = found[0], found[1:]
        by_value: dict[Weight, list[str]] = {}
        for by, value in others:
            if value != used:
                by_value.setdefault(value, []).append(by)
        if not by_value:
            return
        differ = [f"not {number_text(v)} ({' and '.join(by)})" for v, by in by_value.items()]
        code = coding.get("code") if isinstance(coding.get("code"), str) else "(no code)"
        display = coding.get("display")
        shown = f" '{display[:40]}'" if isinstance(display, str) and display.strip() else ""
        self.disagreements.append(
            f"{column} {code}{shown}: {number_text(used)} ({used_by}), {', '.join(differ)}"
        )


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
