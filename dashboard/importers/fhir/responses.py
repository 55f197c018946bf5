"""Read a QuestionnaireResponse (R4, STU3 or R5) into one administration."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from dashboard.importers.fhir.answers import Answers
from dashboard.importers.fhir.codes import LOINC
from dashboard.importers.fhir.columns import LINK_IDS_SHOWN, item_columns
from dashboard.importers.fhir.files import Json
from dashboard.importers.fhir.recognition import (
    BY_TEXT,
    Answered,
    Clues,
    Recogniser,
    item_codes,
)
from dashboard.importers.fhir.record import Problem, Record, Unreadable, elements
from dashboard.importers.fhir.scales import total_scale
from dashboard.importers.fhir.support import QuestionnaireView, Support

#: Statuses of a finished response; any other is rejected.
ACCEPTED = frozenset({"completed", "amended"})


def read_response(response: Json, record: Record, support: Support, recogniser: Recogniser) -> None:
    """Fill ``record`` from a QuestionnaireResponse: measure, items and any stored total.

    The instrument is recognised by :class:`~.recognition.Recogniser` (the
    evidence is kept on the record); items are matched by
    :func:`~.columns.item_columns`. Answers that are no item of the instrument
    (such as the PHQ-9 difficulty question) are ignored; where the items were
    told by their texts, those left unread are noted on the administration.
    """
    reference, named, identifier = _questionnaire_reference(response.get("questionnaire"))
    questionnaire = support.questionnaire(reference, response)
    if questionnaire is None and identifier is not None:
        questionnaire = support.identified(*identifier)
    try:
        answered = list(_answered(elements(response, "item", "the QuestionnaireResponse")))
    except Unreadable as exc:
        record.problems.append(exc.problem)
        return
    recognised = recogniser.recognise(Clues(reference, questionnaire, answered, named))
    instrument = recognised.instrument
    if instrument is None:
        record.reject(recognised.reason or "not a recognised measure", "measure", named)
        return
    record.measure = instrument.id
    record.evidence = recognised.evidence
    try:
        columns, by_text = item_columns(
            instrument,
            questionnaire,
            answered,
            recogniser,
            by_text=recognised.evidence == BY_TEXT,
            generated=recognised.generated,
        )
    except Unreadable as exc:
        record.problems.append(exc.problem)
        return
    answers = Answers(instrument, recogniser.codes, support, questionnaire)
    total_problems: list[Problem] = []
    for link_id, item in answered:
        column = columns.get(link_id)
        if column is None:
            continue
        question = questionnaire.question(link_id) if questionnaire else None
        where = f"{column} ({link_id})"
        values = elements(item, "answer", where)
        if not values:
            continue
        if len(values) > 1:
            record.reject(f"{where}: {len(values)} answers given, one expected", column)
            continue
        try:
            record.put(column, answers.read(values[0], column, where, question))
            if column == "total" and record.total is not None:
                found = item_codes(item) + recogniser.codes.codes_in(link_id)
                found += [c for s, c in question.codes if s in (None, LOINC)] if question else []
                record.total_scale = total_scale(instrument, values[0], found, where)
        except Unreadable as exc:
            (total_problems if column == "total" else record.problems).append(exc.problem)
    record.total_unread(total_problems)
    note = answers.note()
    record.notes += [note] if note else []
    if by_text:
        record.notes += _unread(instrument.abbreviation, answered, columns, questionnaire)


def _questionnaire_reference(
    value: object,
) -> tuple[str | None, str | None, tuple[str | None, str] | None]:
    """The canonical or reference a response names its questionnaire by, how to name it in
    messages, and the identifier of a logical reference (STU3 ``{"identifier": ...}``)."""
    if isinstance(value, Mapping):
        identifier = value.get("identifier")
        value = value.get("reference")
        if not (isinstance(value, str) and value.strip()) and isinstance(identifier, Mapping):
            found = identifier.get("value")
            system = identifier.get("system")
            if isinstance(found, str) and found.strip():
                named = system.strip() if isinstance(system, str) and system.strip() else None
                shown = f"{named}|{found.strip()}" if named else found.strip()
                return None, shown, (named, found.strip())
    reference = value.strip() if isinstance(value, str) and value.strip() else None
    return reference, reference, None


def _answered(items: Iterable[Json]) -> Iterator[Answered]:
    """Every answered item, nested ones too; :class:`Unreadable` for an answered item
    without a linkId, or an ``item`` or ``answer`` that is not a list of objects."""
    for item in items:
        link_id = item.get("linkId")
        where = f"item '{link_id}'" if isinstance(link_id, str) else "an item"
        answers = elements(item, "answer", where)
        if answers and not isinstance(link_id, str):
            msg = "an answered item has no linkId: the question it answers cannot be told"
            raise Unreadable(msg)
        if answers:
            yield str(link_id), item
        for answer in answers:
            yield from _answered(elements(answer, "item", f"an answer of {where}"))
        yield from _answered(elements(item, "item", where))


def _unread(
    name: str,
    answered: list[Answered],
    columns: Mapping[str, str],
    questionnaire: QuestionnaireView | None,
) -> list[str]:
    """Where the items were told by their texts alone: the answers that were not read."""
    left = [link_id for link_id, _ in answered if link_id not in columns]
    if not left:
        return []
    texts = {link_id: item.get("text") for link_id, item in answered}
    if questionnaire is not None:
        texts |= {q.link_id: q.text for q in questionnaire.questions if not texts.get(q.link_id)}
    shown = [
        f"'{k}' ('{texts[k]}')" if isinstance(texts.get(k), str) else f"'{k}'"
        for k in left[:LINK_IDS_SHOWN]
    ]
    more = f" and {len(left) - LINK_IDS_SHOWN} more" if len(left) > LINK_IDS_SHOWN else ""
    return [
        f"the {name} items were told by their published texts only; answers not read "
        f"(no {name} item code or text): {', '.join(shown)}{more}"
    ]
