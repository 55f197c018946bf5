"""Read a QuestionnaireResponse (R4 or STU3) into one administration."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from dashboard.importers.fhir.answers import Answers
from dashboard.importers.fhir.codes import LOINC, CatalogCodes
from dashboard.importers.fhir.files import Json, objects
from dashboard.importers.fhir.record import Record, Unreadable, elements
from dashboard.importers.fhir.scales import total_scale
from dashboard.importers.fhir.support import CHOICE_TYPES, QuestionnaireView, Support
from measures.definition import Instrument

#: Statuses of a finished response; any other is rejected.
ACCEPTED = frozenset({"completed", "amended"})

#: An answered item: its linkId and the item itself.
Answered = tuple[str, Json]


def read_response(response: Json, record: Record, codes: CatalogCodes, support: Support) -> None:
    """Fill ``record`` from a QuestionnaireResponse: measure, items and any stored total.

    The instrument comes from the questionnaire canonical (a catalog panel code
    in it), else from the given Questionnaire it names, else from the answers'
    linkIds and codes. Items are matched by LOINC code (the Questionnaire item's
    code, the linkId or the answer item's code); where the Questionnaire has no
    item codes, its choice questions are matched to the items in order when the
    counts agree. Answers that are no item of the instrument (such as the PHQ-9
    difficulty question) are ignored.
    """
    canonical = _canonical(response.get("questionnaire"))
    questionnaire = support.questionnaire(canonical, response)
    try:
        answered = list(_answered(elements(response, "item", "the QuestionnaireResponse")))
    except Unreadable as exc:
        record.problems.append(exc.problem)
        return
    instrument, reason = _recognise(canonical, questionnaire, answered, codes)
    if instrument is None:
        record.reject(reason or "not a recognised measure", "measure", canonical)
        return
    record.measure = instrument.id
    try:
        columns = _columns(instrument, questionnaire, answered, codes)
    except Unreadable as exc:
        record.problems.append(exc.problem)
        return
    answers = Answers(instrument, codes, support, questionnaire)
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
                found = _item_codes(item) + codes.codes_in(link_id)
                found += [c for s, c in question.codes if s in (None, LOINC)] if question else []
                record.total_scale = total_scale(instrument, values[0], found, where)
        except Unreadable as exc:
            record.problems.append(exc.problem)


def _canonical(value: object) -> str | None:
    """R4 gives a canonical URL; STU3 a Reference."""
    if isinstance(value, Mapping):
        value = value.get("reference")
    return value.strip() if isinstance(value, str) and value.strip() else None


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


def _item_codes(item: Json) -> list[str]:
    """LOINC codes on an item (Questionnaire or STU3-style response item)."""
    return [
        str(c.get("code"))
        for c in objects(item.get("code"))
        if c.get("system") in (None, "", LOINC)
    ]


def _recognise(
    canonical: str | None,
    questionnaire: QuestionnaireView | None,
    answered: list[Answered],
    codes: CatalogCodes,
) -> tuple[Instrument | None, str | None]:
    panel = [c for c in codes.codes_in(canonical) if c in codes.panels]
    if panel:
        return codes.identify(panel)
    if questionnaire is not None:
        found = [c for s, c in questionnaire.codes if s in (None, LOINC)]
        for question in questionnaire.questions:
            found += [c for s, c in question.codes if s in (None, LOINC)]
            found += codes.codes_in(question.link_id)
        instrument, reason = codes.identify(found)
        if instrument is not None or reason is not None:
            return instrument, reason
    found = [c for link_id, item in answered for c in codes.codes_in(link_id) + _item_codes(item)]
    instrument, reason = codes.identify(found)
    if instrument is not None or reason is not None:
        return instrument, reason
    if questionnaire is not None:
        return None, (
            f"not a recognised measure: questionnaire '{questionnaire.name}' carries no "
            "LOINC code of a catalog instrument"
        )
    if canonical:
        return None, (
            f"not a recognised measure: questionnaire '{canonical}' is not among the files "
            "given and the answers carry no LOINC codes of a catalog instrument"
        )
    return None, "not a recognised measure: no questionnaire and no LOINC codes in the answers"


def _columns(
    instrument: Instrument,
    questionnaire: QuestionnaireView | None,
    answered: list[Answered],
    codes: CatalogCodes,
) -> dict[str, str]:
    """linkId -> ``item_k`` or ``total``; raises :class:`Unreadable` when items cannot be told."""
    by_code = codes.columns(instrument)
    columns: dict[str, str] = {}

    def match(link_id: str, found: list[str]) -> None:
        code = next((c for c in reversed(found) if c in by_code), None)
        if code is not None:
            columns[link_id] = by_code[code]

    for question in questionnaire.questions if questionnaire else ():
        match(question.link_id, [c for s, c in question.codes if s in (None, LOINC)])
        if question.link_id not in columns:
            match(question.link_id, codes.codes_in(question.link_id))
    for link_id, item in answered:
        if link_id not in columns:
            match(link_id, _item_codes(item) + codes.codes_in(link_id))
    if questionnaire is not None and set(columns.values()) <= {"total"}:
        columns |= _by_position(instrument, questionnaire, columns)
    used = [columns[link_id] for link_id, _ in answered if link_id in columns]
    if not used:
        linked = ", ".join(link_id for link_id, _ in answered) or "none"
        msg = f"no {instrument.abbreviation} item recognised among the answers (linkIds: {linked})"
        raise Unreadable(msg)
    twice = sorted({c for c in used if used.count(c) > 1})
    if twice:
        msg = f"{', '.join(twice)} answered more than once"
        raise Unreadable(msg, column=twice[0])
    return columns


def _by_position(
    instrument: Instrument, questionnaire: QuestionnaireView, known: dict[str, str]
) -> dict[str, str]:
    """Choice questions without item codes, matched to ``item_1 ... item_N`` in order."""
    choices = [
        q for q in questionnaire.questions if q.type in CHOICE_TYPES and q.link_id not in known
    ]
    if len(choices) != len(instrument.items):
        msg = (
            f"questionnaire '{questionnaire.name}' has {len(choices)} choice questions without "
            f"item codes but the {instrument.abbreviation} has {len(instrument.items)} items, "
            "so they cannot be matched by position"
        )
        raise Unreadable(msg)
    return {q.link_id: item.id for q, item in zip(choices, instrument.items, strict=True)}
