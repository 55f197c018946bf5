"""The steps of a check-in: how long it is, and where a client coming back picks it up."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from measures import Catalog

#: The two steps after the questionnaires: notes on the days since (optional), then
#: every answer shown once more before it is sent.
NOTES = "notes"
REVIEW = "review"

#: How long one question takes, for the "about N minutes" a check-in starts with. An
#: assumption stated here, not a measurement (nothing records how long clients take):
#: the questions are one short sentence answered with one tap, or a number of days
#: typed, and 10 seconds each is a generous reading of that. The estimate is the
#: questions of the questionnaires due (every item a form may ask, skips included)
#: times this, rounded up to whole minutes; the optional notes are not counted.
SECONDS_PER_QUESTION = 10


def steps_of(measures: Sequence[str]) -> tuple[str, ...]:
    """The steps of a check-in: one per questionnaire due, then the notes and the review.

    Examples
    --------
    >>> steps_of(["mood_nrs", "phq9"])
    ('mood_nrs', 'phq9', 'notes', 'review')
    """
    return (*measures, NOTES, REVIEW)


@dataclass(frozen=True)
class CheckInSize:
    """How much a check-in asks: questionnaires, questions, and about how long."""

    questionnaires: int
    questions: int
    can_skip: int
    minutes: int

    def words(self) -> str:
        """The size in plain words, for the top of the first step.

        Examples
        --------
        >>> CheckInSize(questionnaires=4, questions=24, can_skip=0, minutes=4).words()
        'Today there are 24 questions in 4 parts. It takes about 4 minutes.'
        >>> CheckInSize(questionnaires=1, questions=17, can_skip=2, minutes=3).words()
        'Today there are up to 17 questions in 1 part. It takes about 3 minutes.'
        """
        upto = "up to " if self.can_skip else ""
        questions = f"{self.questions} question{'' if self.questions == 1 else 's'}"
        parts = f"{self.questionnaires} part{'' if self.questionnaires == 1 else 's'}"
        minutes = f"{self.minutes} minute{'' if self.minutes == 1 else 's'}"
        return f"Today there are {upto}{questions} in {parts}. It takes about {minutes}."


def checkin_size(measures: Sequence[str], catalog: Catalog) -> CheckInSize:
    """How many questions the questionnaires ``measures`` ask, and about how long they take.

    Every item counts, those a form may skip too (``can_skip`` says how many);
    the time is :data:`SECONDS_PER_QUESTION` a question, rounded up to minutes.

    Examples
    --------
    >>> from measures import load_catalog
    >>> size = checkin_size(["mood_nrs", "phq9", "bam_r"], load_catalog())
    >>> size.questionnaires, size.questions, size.can_skip, size.minutes
    (3, 27, 2, 5)
    """
    items = [item for measure in measures for item in catalog[measure].items]
    seconds = len(items) * SECONDS_PER_QUESTION
    return CheckInSize(
        questionnaires=len(measures),
        questions=len(items),
        can_skip=sum(1 for item in items if item.asked_if is not None),
        minutes=max(1, math.ceil(seconds / 60)),
    )


def resume_step(steps: Sequence[str], draft: Mapping[str, Any]) -> int:
    """The step to open for a client coming back to ``draft``: the one they left.

    A draft remembers the step it was saved at (``at``); a step no longer in
    the check-in (a questionnaire not due today) starts it from the beginning.

    Examples
    --------
    >>> steps = steps_of(["mood_nrs", "phq9"])
    >>> resume_step(steps, {"at": "phq9"}), resume_step(steps, {"at": "review"})
    (1, 3)
    >>> resume_step(steps, {"at": "gad7"}), resume_step(steps, {})
    (0, 0)
    """
    at = draft.get("at")
    return steps.index(at) if at in steps else 0
