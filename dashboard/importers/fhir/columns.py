"""Which item of the instrument each answered linkId is: by LOINC code, by text, by position."""

from __future__ import annotations

from dashboard.importers.fhir.codes import LOINC
from dashboard.importers.fhir.recognition import Answered, Recogniser, item_codes
from dashboard.importers.fhir.record import Unreadable
from dashboard.importers.fhir.support import CHOICE_TYPES, QuestionnaireView
from measures.definition import Instrument

#: linkIds listed in a message at most; the rest are counted.
LINK_IDS_SHOWN = 12


def item_columns(
    instrument: Instrument,
    questionnaire: QuestionnaireView | None,
    answered: list[Answered],
    recogniser: Recogniser,
    *,
    by_text: bool,
    generated: bool = False,
) -> tuple[dict[str, str], bool]:
    """linkId -> ``item_k`` or ``total``, and whether the items were told by their texts.

    LOINC codes decide first (the Questionnaire item's code, linkId or
    definition; the answered item's). Where they tell no item, the published
    item texts do when they tell every item (or the instrument was recognised
    by them, ``by_text``); else a given Questionnaire's choice questions are
    matched to the items in order when the counts agree, and any of them whose
    text is another item's stops that. A response to the instrument's generated
    Questionnaire (``generated``) names an item without a code by its id, and a total
    without a code by ``total``. Raises
    :class:`Unreadable` when the items cannot be told.
    """
    columns = _by_code(instrument, questionnaire, answered, recogniser)
    if generated:
        ids = {item.id: item.id for item in instrument.items if not item.loinc}
        ids |= {} if "total" in columns.values() else {"total": "total"}
        columns |= {k: ids[k] for k, _ in answered if k in ids and k not in columns}
    texts = False
    if set(columns.values()) <= {"total"}:
        told = _by_text(instrument, questionnaire, answered, recogniser)
        everything = {item.id for item in instrument.items}
        if by_text or (told and set(told.values()) == everything):
            _check_unread(instrument, answered, columns | told)
            columns |= told
            texts = bool(told)
        elif questionnaire is not None:
            positions = _by_position(instrument, questionnaire, columns)
            _check_positions(questionnaire, positions, told)
            columns |= positions
    used = [columns[link_id] for link_id, _ in answered if link_id in columns]
    if not used:
        raise Unreadable(_none_recognised(instrument, questionnaire, answered))
    twice = sorted({c for c in used if used.count(c) > 1})
    if twice:
        msg = f"{', '.join(twice)} answered more than once"
        raise Unreadable(msg, column=twice[0])
    return columns, texts


def _by_code(
    instrument: Instrument,
    questionnaire: QuestionnaireView | None,
    answered: list[Answered],
    recogniser: Recogniser,
) -> dict[str, str]:
    codes = recogniser.codes
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
        if question.link_id not in columns:
            match(question.link_id, codes.codes_in(question.definition))
    for link_id, item in answered:
        if link_id not in columns:
            found = recogniser.definition_codes(item) + item_codes(item) + codes.codes_in(link_id)
            match(link_id, found)
    return columns


def _by_text(
    instrument: Instrument,
    questionnaire: QuestionnaireView | None,
    answered: list[Answered],
    recogniser: Recogniser,
) -> dict[str, str]:
    """linkId -> ``item_k`` for the questions and answered items whose text is an item's."""
    told: dict[str, str] = {}
    texts = recogniser.texts
    pairs = [(q.link_id, q.text) for q in questionnaire.questions] if questionnaire else []
    pairs += [(link_id, item.get("text")) for link_id, item in answered]
    for link_id, text in pairs:
        key = texts.key(text)
        column = texts.item(instrument, key) if key else None
        if column is None:
            continue
        if told.setdefault(link_id, column) != column:
            msg = (
                f"the question '{link_id}' and its answer have the texts of two different "
                f"{instrument.abbreviation} items ({told[link_id]} and {column})"
            )
            raise Unreadable(msg)
    return told


def _check_unread(instrument: Instrument, answered: list[Answered], told: dict[str, str]) -> None:
    """Items told by their texts: an answered item whose text is no item's, while an item
    of the instrument is not found, may be that item reworded; it is not guessed."""
    found = set(told.values())
    missing = [item.id for item in instrument.items if item.id not in found]
    strangers = [(k, i.get("text")) for k, i in answered if k not in told]
    if missing and strangers:
        listed = ", ".join(f"'{k}' ({_quoted(t)})" for k, t in strangers[:LINK_IDS_SHOWN])
        msg = (
            f"the {instrument.abbreviation} items were told by their published texts, but "
            f"{', '.join(missing)} {'was' if len(missing) == 1 else 'were'} not found while the "
            f"answers {listed} have no {instrument.abbreviation} item text: which item they "
            "are cannot be told"
        )
        raise Unreadable(msg)


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


def _check_positions(
    questionnaire: QuestionnaireView, positions: dict[str, str], told: dict[str, str]
) -> None:
    """A question matched by position must not have another item's published text."""
    for link_id, column in positions.items():
        if link_id in told and told[link_id] != column:
            msg = (
                f"questionnaire '{questionnaire.name}': question '{link_id}' is {column} by "
                f"its position but has the published text of {told[link_id]}, so the "
                "questions cannot be matched by position"
            )
            raise Unreadable(msg)


def _none_recognised(
    instrument: Instrument, questionnaire: QuestionnaireView | None, answered: list[Answered]
) -> str:
    linked = _listed([link_id for link_id, _ in answered]) or "none"
    if questionnaire is not None and answered:
        asked = {q.link_id for q in questionnaire.questions}
        if not any(link_id in asked for link_id, _ in answered):
            questions = _listed([q.link_id for q in questionnaire.questions])
            return (
                f"the answers' linkIds ({linked}) are not questions of questionnaire "
                f"'{questionnaire.name}' (its linkIds: {questions}), and carry no "
                f"{instrument.abbreviation} item code or text: the items cannot be told"
            )
    return f"no {instrument.abbreviation} item recognised among the answers (linkIds: {linked})"


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:LINK_IDS_SHOWN])
    more = len(values) - LINK_IDS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _quoted(text: object, limit: int = 60) -> str:
    if not isinstance(text, str) or not text.strip():
        return "no text"
    clean = " ".join(text.split())
    return f"'{clean[:limit]}...'" if len(clean) > limit else f"'{clean}'"
