"""The readiness checklist as people read it: a line per criterion and its sources once.

The readiness tab of Client progress and the PDF report draw the same lines:
each criterion's state as a symbol and a word, its evidence, and one short
citation per source; the full references follow once, in a "Sources" section.
"""

from __future__ import annotations

from dataclasses import dataclass

from measures.change import RESPONSE_CITATIONS
from measures.definition import Source
from measures.readiness import CriterionResult, Readiness, State
from measures.readiness_config import ASAM_SOURCE

#: Each state's symbol and word: the shape tells them apart without colour.
MARKS: dict[State, tuple[str, str]] = {
    "met": ("✓", "Met"),
    "not met": ("✗", "Not met"),
    "not evaluated": ("○", "Not evaluated"),
    "not applicable": ("–", "Not applicable"),
}


@dataclass(frozen=True)
class ChecklistLine:
    """One criterion as a checklist line.

    ``symbol`` and ``word`` say its state (:data:`MARKS`); ``detail`` what else
    the state needs said (improving but still above the cut-off, what is
    missing to evaluate it); ``evidence`` the values it was judged on;
    ``citations`` the short label of each of its sources.
    """

    state: State
    symbol: str
    word: str
    label: str
    asam_dimension: int
    detail: str | None
    evidence: str
    citations: tuple[str, ...]

    @property
    def mark(self) -> str:
        """The symbol and the word: "✓ Met"."""
        return f"{self.symbol} {self.word}"


def checklist_line(criterion: CriterionResult) -> ChecklistLine:
    """A criterion's checklist line.

    Examples
    --------
    >>> from measures.readiness import CriterionResult
    >>> line = checklist_line(CriterionResult(
    ...     "attendance", "Attendance", 4, None, "no program days recorded", (),
    ...     note="not enough recent data: record attendance", no_recent_data=True))
    >>> line.mark, line.detail
    ('○ Not evaluated', 'not enough recent data: record attendance')
    """
    symbol, word = MARKS[criterion.state]
    if criterion.improving:
        detail: str | None = "improving, still above the cut-off"
    else:
        detail = criterion.note
    return ChecklistLine(
        state=criterion.state,
        symbol=symbol,
        word=word,
        label=criterion.label,
        asam_dimension=criterion.asam_dimension,
        detail=detail,
        evidence=criterion.value,
        citations=tuple(s.label for s in criterion.sources),
    )


def checklist(readiness: Readiness) -> dict[int, tuple[ChecklistLine, ...]]:
    """The checklist lines grouped by ASAM dimension, in dimension order."""
    return {
        dimension: tuple(checklist_line(c) for c in criteria)
        for dimension, criteria in readiness.by_dimension().items()
    }


def readiness_sources(readiness: Readiness | None) -> tuple[Source, ...]:
    """Every source of the readiness section, each once, in checklist order: the
    criteria's, the ASAM dimensions' and the PHQ-9 response and remission rule's."""
    if readiness is None:
        return ()
    groups = readiness.by_dimension().values()
    cited = [s for criteria in groups for c in criteria for s in c.sources]
    return tuple(dict.fromkeys([*cited, ASAM_SOURCE, *RESPONSE_CITATIONS]))


def citations(sources: tuple[Source, ...]) -> str:
    """Short citations in one line: "Kroenke et al. 2001, The PHQ-9; NHS Talking ..."."""
    return "; ".join(s.label for s in sources)
