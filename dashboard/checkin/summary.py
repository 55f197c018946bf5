"""A check-in as it will be sent: every answer and note, in the order they were asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.checkin.notes import OWN_WORDS
from measures import Catalog, Instrument, Item

NOT_ANSWERED = "not answered"


def option_words(item: Item, value: int) -> str:
    """An answer option as a client sees it: its number and label ("2 · Several days").

    Examples
    --------
    >>> from measures import load_catalog
    >>> item = load_catalog()["phq9"].item("item_9")
    >>> option_words(item, 2)
    '2 · More than half the days'
    """
    label = item.option_label(value)
    return f"{value} · {label}" if label else str(value)


def answer_words(
    instrument: Instrument, item: Item, answers: Mapping[str, Any], days: Mapping[str, Any]
) -> str:
    """One answer as the client gave it: the days of a day item, else the option chosen.

    An item the form skipped is "not asked"; one left blank "not answered".

    Examples
    --------
    >>> from measures import load_catalog
    >>> bam = load_catalog()["bam_r"]
    >>> answers, days = {"item_2": 3, "item_4": 0}, {"item_2": 12, "item_4": 0}
    >>> [answer_words(bam, bam.item(i), answers, days) for i in ("item_2", "item_5", "item_6")]
    ['12 days', 'not asked', 'not answered']
    """
    value = answers.get(item.id)
    if value is None:
        return "not asked" if instrument.skipped(item.id, answers) else NOT_ANSWERED
    if item.days and item.id in days:
        n = days[item.id]
        return f"{n} day{'' if n == 1 else 's'}"
    return option_words(item, value)


def answer_lines(
    measures: Sequence[str],
    answers: Mapping[str, Mapping[str, Any]],
    days: Mapping[str, Mapping[str, Any]],
    catalog: Catalog,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each questionnaire in the order asked, with (question, answer) for every item.

    Examples
    --------
    >>> from measures import load_catalog
    >>> lines = answer_lines(["mood_nrs"], {"mood_nrs": {"item_1": 6}}, {}, load_catalog())
    >>> lines[0][0], lines[0][1][0][1]
    ('Mood rating (0-10)', '6')
    """
    return [
        (
            catalog[measure].name,
            [
                (
                    item.label,
                    answer_words(
                        catalog[measure], item, answers.get(measure, {}), days.get(measure, {})
                    ),
                )
                for item in catalog[measure].items
            ],
        )
        for measure in measures
    ]


def triggers_of(notes: Mapping[str, Any]) -> list[dict[str, str]]:
    """The triggers chosen and the one in the client's own words, as stored.

    Examples
    --------
    >>> triggers_of({"trigger_categories": ["social"], "own_trigger": " payday "})
    [{'category': 'social', 'text': ''}, {'category': 'own words', 'text': 'payday'}]
    """
    chosen = [{"category": c, "text": ""} for c in notes.get("trigger_categories", [])]
    own = str(notes.get("own_trigger", "")).strip()
    if own:
        chosen.append({"category": OWN_WORDS, "text": own})
    return chosen


def coping_of(notes: Mapping[str, Any]) -> list[dict[str, str]]:
    """The coping actions chosen and whether each helped ("" where not answered), as stored.

    Examples
    --------
    >>> coping_of({"actions": ["Walk", "Call"], "helped": {"Walk": "yes"}})
    [{'action': 'Walk', 'helped': 'yes'}, {'action': 'Call', 'helped': ''}]
    """
    helped = notes.get("helped", {})
    return [{"action": a, "helped": helped.get(a, "")} for a in notes.get("actions", [])]


def note_lines(notes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The notes as (question, answer), in the order asked, a line per coping action; the
    reflection is not here (it is shown exactly as typed, on its own).

    Examples
    --------
    >>> note_lines(
    ...     {
    ...         "trigger_categories": ["social"],
    ...         "own_trigger": "payday",
    ...         "actions": ["Walk", "Call"],
    ...         "helped": {"Walk": "somewhat"},
    ...     }
    ... )  # doctest: +NORMALIZE_WHITESPACE
    [('Triggers that came up', 'social'), ('In your own words', 'payday'),
     ('What you did to cope', 'Walk (did it help: somewhat)'),
     ('What you did to cope', 'Call (did it help: not answered)')]
    >>> note_lines({})[2]
    ('What you did to cope', 'none chosen')
    """
    own = str(notes.get("own_trigger", "")).strip()
    coping = [
        ("What you did to cope", f"{c['action']} (did it help: {c['helped'] or NOT_ANSWERED})")
        for c in coping_of(notes)
    ]
    return [
        ("Triggers that came up", ", ".join(notes.get("trigger_categories", [])) or "none chosen"),
        ("In your own words", own or "nothing written"),
        *(coping or [("What you did to cope", "none chosen")]),
    ]
