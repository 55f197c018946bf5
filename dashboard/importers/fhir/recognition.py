"""Which catalog instrument a QuestionnaireResponse answers, and what told it.

The evidence is tried in this order, the first that decides winning: the
canonical URL of a Questionnaire this project generates for a catalog instrument
(``iop export questionnaires``), named by the response or given; a catalog
panel code in the questionnaire's canonical URL; the Questionnaire itself when
given (found by URL, ``Questionnaire/id`` or identifier) and its codes; the
LOINC codes in the answered items' ``definition`` (read even from a malformed
URL such as ``http://loinc.orgfhir/DataElement/44250-9``); the LOINC codes in
their linkIds and ``code``; their answer codes, where only one instrument uses
them; and last, the exact published item texts of the catalog's definitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dashboard.importers.fhir.codes import LOINC, CatalogCodes, names
from dashboard.importers.fhir.files import Json, objects
from dashboard.importers.fhir.support import QuestionnaireView
from dashboard.importers.fhir.texts import ItemTexts
from measures.definition import Instrument

#: An answered item: its linkId and the item itself.
Answered = tuple[str, Json]

BY_URL = "questionnaire URL"
BY_QUESTIONNAIRE = "questionnaire"
BY_DEFINITION = "item definitions"
BY_ITEM_CODE = "item codes"
BY_ANSWER_CODE = "answer codes"
BY_TEXT = "item texts"
BY_OBSERVATION = "Observation code"
#: Every kind of evidence, in the order they are tried (and listed in a summary).
EVIDENCE = (
    BY_URL,
    BY_QUESTIONNAIRE,
    BY_DEFINITION,
    BY_ITEM_CODE,
    BY_ANSWER_CODE,
    BY_TEXT,
    BY_OBSERVATION,
)


@dataclass(frozen=True)
class Recognised:
    """The instrument and the evidence that told it, or why there is none."""

    instrument: Instrument | None
    evidence: str | None = None
    reason: str | None = None
    #: Told by the canonical URL of the instrument's generated Questionnaire, whose
    #: linkIds are the item codes or, for an item without one, the item's id.
    generated: bool = False


@dataclass(frozen=True)
class Clues:
    """What a response carries that can tell its instrument."""

    canonical: str | None
    questionnaire: QuestionnaireView | None
    answered: list[Answered]
    #: How the response names its questionnaire, for messages (a URL or an identifier).
    named: str | None = None


class Recogniser:
    """Recognises the instrument of a response from the catalog's codes and texts."""

    def __init__(self, codes: CatalogCodes, texts: ItemTexts) -> None:
        self.codes = codes
        self.texts = texts

    def recognise(self, clues: Clues) -> Recognised:
        """The instrument ``clues`` tell, with the evidence; or the reason none is told."""
        codes, questionnaire = self.codes, clues.questionnaire
        url = questionnaire.resource.get("url") if questionnaire else None
        for evidence, named in ((BY_QUESTIONNAIRE, url), (BY_URL, clues.canonical)):
            generated = codes.generated_by(named)
            if generated is not None:
                return Recognised(generated, evidence, generated=True)
        panel = [c for c in codes.codes_in(clues.canonical) if c in codes.panels]
        steps: list[tuple[str, list[str]]] = [(BY_URL, panel)]
        if questionnaire is not None:
            steps.append((BY_QUESTIONNAIRE, self._questionnaire_codes(questionnaire)))
        answered = clues.answered
        steps.append((BY_DEFINITION, [c for _, i in answered for c in self.definition_codes(i)]))
        steps.append(
            (BY_ITEM_CODE, [c for k, i in answered for c in codes.codes_in(k) + item_codes(i)])
        )
        for evidence, found in steps:
            instrument, reason = codes.identify(found)
            if instrument is not None or reason is not None:
                return Recognised(instrument, evidence if instrument else None, reason)
        unclear = []
        lists = codes.answer_lists(self._answer_codes(answered))
        if len(lists) == 1:
            return Recognised(lists[0], BY_ANSWER_CODE)
        if lists:
            unclear.append(f"its answer codes are used by {names(lists)} alike")
        instrument, reason = self.texts.identify(self.text_keys(questionnaire, answered))
        if instrument is not None:
            return Recognised(instrument, BY_TEXT)
        if reason is not None:
            unclear.append(reason)
        return Recognised(None, reason=_not_recognised(clues, unclear))

    def definition_codes(self, item: Mapping[str, object]) -> list[str]:
        """The catalog codes in an item's ``definition``, whatever URL is around them."""
        return self.codes.codes_in(item.get("definition"))

    def text_keys(
        self, questionnaire: QuestionnaireView | None, answered: Iterable[Answered]
    ) -> list[str]:
        """The catalog item texts among the questions' and the answered items' texts."""
        texts = [q.text for q in questionnaire.questions] if questionnaire else []
        texts += [item.get("text") for _, item in answered]
        return [k for k in map(self.texts.key, texts) if k is not None]

    def _questionnaire_codes(self, questionnaire: QuestionnaireView) -> list[str]:
        found = [c for s, c in questionnaire.codes if s in (None, LOINC)]
        for question in questionnaire.questions:
            found += [c for s, c in question.codes if s in (None, LOINC)]
            found += self.codes.codes_in(question.link_id)
            found += self.codes.codes_in(question.definition)
        return found

    def _answer_codes(self, answered: Iterable[Answered]) -> list[str]:
        found = []
        for _, item in answered:
            for answer in objects(item.get("answer")):
                coding = answer.get("valueCoding")
                if isinstance(coding, Mapping) and coding.get("system") in (None, "", LOINC):
                    code = coding.get("code")
                    found += [code] if isinstance(code, str) else []
        return found


def item_codes(item: Json) -> list[str]:
    """LOINC codes on an item (Questionnaire or STU3-style response item)."""
    return [
        str(c.get("code"))
        for c in objects(item.get("code"))
        if c.get("system") in (None, "", LOINC)
    ]


def _not_recognised(clues: Clues, unclear: list[str]) -> str:
    detail = f"; {'; '.join(unclear)}" if unclear else ""
    if clues.questionnaire is not None:
        return (
            f"not a recognised measure: questionnaire '{clues.questionnaire.name}' carries no "
            f"LOINC code of a catalog instrument, nor do the answers{detail}"
        )
    if clues.named:
        return (
            f"not a recognised measure: questionnaire '{clues.named}' is not among the files "
            "given and the answers carry no LOINC codes (linkId, code or definition) or "
            f"published item texts of a catalog instrument{detail}"
        )
    return (
        "not a recognised measure: no questionnaire and no LOINC codes (linkId, code or "
        f"definition) or published item texts of a catalog instrument in the answers{detail}"
    )
