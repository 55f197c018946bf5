"""Instrument definitions: the declarative description of a questionnaire."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, overload

if TYPE_CHECKING:
    import polars as pl

Formula = Literal["sum", "mean", "sum_times"]
CasenessRule = Literal[">=", "<="]
Domain = Literal["mood", "craving", "self_efficacy", "substance_use", "other"]

#: The z value for a two-tailed p < .05, Jacobson & Truax (1991).
RCI_Z = 1.96

#: The column a screener's risk level (:class:`Triage`) is written to.
RISK_LEVEL = "risk_level"


@dataclass(frozen=True)
class Source:
    """A published source: a short label to cite it by and the full reference.

    ``label`` is what a page or a PDF shows beside a value: author(s), year and a
    short title, e.g. "Kroenke et al. 2001, The PHQ-9" (no web address). ``text``
    is the full reference with its web address, listed once in a "Sources"
    section. A definition gives both for every key of its ``[sources]`` table::

        [sources]
        kroenke2001.label = "Kroenke et al. 2001, The PHQ-9"
        kroenke2001.text = "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: ... https://..."

    Examples
    --------
    >>> from measures import load_catalog
    >>> load_catalog()["phq9"].source("kroenke2001").label
    'Kroenke et al. 2001, The PHQ-9'
    """

    label: str
    text: str


@dataclass(frozen=True)
class AskedIf:
    """A form's skip rule: the item is asked only when ``item`` was answered above ``above``.

    ``scored_as`` is what the scores count for the item when the form skipped
    it (None: missing, the default). It is a choice the definition makes and
    must explain in ``note``: a skip is not a scoring rule.
    """

    item: str
    above: int
    source: str
    note: str | None = None
    scored_as: int | None = None


@dataclass(frozen=True)
class DayBin:
    """Days ``min`` to ``max`` (inclusive) are answered as ``code``."""

    min: int
    max: int
    code: int


@dataclass(frozen=True)
class DayBins:
    """How an item asked as a number of days (``days = true``) is scored: a code per bin.

    ``source`` is where the bins come from, ``codes_source`` where each bin's
    code does (they may differ: the BAM's bins are on the VA form, its 0-4
    codes only in a vendor's summary).
    """

    max_days: int
    bins: tuple[DayBin, ...]
    source: str
    codes_source: str
    note: str | None = None

    def code(self, days: int) -> int:
        """The code of ``days``; :class:`ValueError` outside 0 to ``max_days``.

        Examples
        --------
        >>> from measures import load_catalog
        >>> bins = load_catalog()["bam_r"].day_bins
        >>> [bins.code(d) for d in (0, 1, 3, 4, 8, 9, 15, 16, 30)]
        [0, 1, 1, 2, 2, 3, 3, 4, 4]
        >>> bins.code(31)
        Traceback (most recent call last):
        ...
        ValueError: 31 days is more than the 30 days asked about
        """
        if isinstance(days, bool) or not isinstance(days, int):
            msg = f"{days!r} is not a whole number of days"
            raise ValueError(msg)
        if days < 0:
            msg = f"{days} days is below 0"
            raise ValueError(msg)
        for day_bin in self.bins:
            if day_bin.min <= days <= day_bin.max:
                return day_bin.code
        msg = f"{days} days is more than the {self.max_days} days asked about"
        raise ValueError(msg)


@dataclass(frozen=True)
class Item:
    """One question: its column id, short label, optional full wording and range.

    ``asked_if`` is the form's skip rule. An item the form skipped (unanswered
    while its condition is answered and not met) counts as not endorsed in the
    safety flags and the triage; scores see it as missing unless the rule says
    what it is ``scored_as``. ``days`` marks an item asked as a number of days
    and scored into its instrument's ``day_bins``.
    """

    id: str
    label: str
    min: int
    max: int
    text: str | None = None
    anchors: tuple[tuple[int, str], ...] = ()
    loinc: str | None = None
    scored: bool = True
    optional: bool = False
    values: tuple[int, ...] = ()
    reverse: bool = False
    asked_if: AskedIf | None = None
    days: bool = False

    @property
    def allowed_values(self) -> tuple[int, ...]:
        """Every answer the item accepts (``values`` where given, else min..max)."""
        return self.values or tuple(range(self.min, self.max + 1))

    @overload
    def scored_value(self, value: int) -> int: ...
    @overload
    def scored_value(self, value: pl.Expr) -> pl.Expr: ...
    def scored_value(self, value: int | pl.Expr) -> int | pl.Expr:
        """The value that counts in a score: ``min + max - value`` for a reverse item.

        ``value`` is an answer or a polars expression of answers.
        """
        return self.min + self.max - value if self.reverse else value

    @property
    def number(self) -> int:
        """The item's position, taken from its id (``item_7`` is 7)."""
        return int(self.id.removeprefix("item_"))

    def option_label(self, value: int) -> str | None:
        """The anchor text of ``value``, or None where the instrument names none."""
        return dict(self.anchors).get(value)


@dataclass(frozen=True)
class Band:
    """A severity band: an inclusive score range and its label."""

    min: float
    max: float
    label: str


@dataclass(frozen=True)
class Caseness:
    """The clinical cut-off: ``score >= cutoff`` or ``score <= cutoff`` is a case."""

    cutoff: float
    rule: CasenessRule
    source: str
    note: str | None = None

    @overload
    def is_case(self, score: float) -> bool: ...
    @overload
    def is_case(self, score: pl.Expr) -> pl.Expr: ...
    def is_case(self, score: float | pl.Expr) -> bool | pl.Expr:
        """Whether ``score`` (a number or a polars expression) is on the clinical side."""
        return score >= self.cutoff if self.rule == ">=" else score <= self.cutoff


@dataclass(frozen=True)
class CasenessBy:
    """A published cut-off that applies to one value of a client attribute (e.g. sex).

    The scoring engine does not apply it: caseness stays unknown until the
    attribute is recorded.
    """

    attribute: str
    value: str
    cutoff: float
    rule: CasenessRule
    source: str
    note: str | None = None


@dataclass(frozen=True)
class ReliableChange:
    """Reliable change: a published threshold in points, or the SD and reliability.

    With ``sd`` and ``reliability`` the Jacobson & Truax (1991) standard error of
    the difference is ``sd * sqrt(2) * sqrt(1 - reliability)``.
    """

    source: str
    points: float | None = None
    sd: float | None = None
    reliability: float | None = None
    note: str | None = None

    @property
    def se_difference(self) -> float | None:
        """The standard error of the difference, where SD and reliability are known."""
        if self.sd is None or self.reliability is None:
            return None
        return self.sd * math.sqrt(2.0) * math.sqrt(1.0 - self.reliability)

    @property
    def threshold(self) -> float:
        """The smallest change, in points, that counts as reliable.

        A published threshold is used as published (a change of at least that many
        points). Otherwise ``1.96 * SE_diff`` rounded up to the next whole point,
        because a change on an integer scale is reliable only above it.
        """
        if self.points is not None:
            return self.points
        se = self.se_difference
        if se is None:  # pragma: no cover - rejected when the definition is loaded
            msg = "reliable change needs points, or sd and reliability"
            raise ValueError(msg)
        return float(math.floor(RCI_Z * se) + 1)


@dataclass(frozen=True)
class PairedOutcome:
    """A score's part in a published paired outcome (``scheme``), with that scheme's own
    caseness cut-off and reliable change, which may differ from the instrument's.

    The NHS Talking Therapies outcome pairs the PHQ-9 (case at 10, reliable change 6)
    with the GAD-7 (case at 8, not the GAD-7's own 10; reliable change 4).
    """

    scheme: str
    cutoff: float
    rule: CasenessRule
    reliable_change: float
    source: str
    note: str | None = None

    @property
    def caseness(self) -> Caseness:
        """The scheme's cut-off as a :class:`Caseness` (``.is_case(score)``)."""
        return Caseness(cutoff=self.cutoff, rule=self.rule, source=self.source, note=self.note)

    @overload
    def improvement(self, baseline: float, last: float) -> float: ...
    @overload
    def improvement(self, baseline: pl.Expr, last: pl.Expr) -> pl.Expr: ...
    def improvement(self, baseline: float | pl.Expr, last: float | pl.Expr) -> float | pl.Expr:
        """The change toward the non-clinical side, in points (negative: worse)."""
        return baseline - last if self.rule == ">=" else last - baseline


@dataclass(frozen=True)
class MissingRule:
    """How many items may be missing, and what is done about them."""

    max_missing: int
    method: Literal["none", "mean_of_answered"] = "none"
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Score:
    """A score computed from items: the primary total or a subscale/composite."""

    id: str
    label: str
    items: tuple[str, ...]
    formula: Formula
    min: float
    max: float
    higher_is_better: bool
    source: str
    missing: MissingRule
    multiplier: float = 1.0
    primary: bool = False
    bands: tuple[Band, ...] = ()
    bands_source: str | None = None
    caseness: Caseness | None = None
    caseness_by: tuple[CasenessBy, ...] = ()
    reliable_change: ReliableChange | None = None
    paired_outcomes: tuple[PairedOutcome, ...] = ()
    total_scale: str | None = None
    total_unit: str | None = None
    loinc: str | None = None

    @property
    def column(self) -> str:
        """The column this score is written to: ``score`` for the primary score."""
        return "score" if self.primary else self.id

    @property
    def step(self) -> float | None:
        """The distance between possible values of a sum of whole answers, or None.

        A sum moves in whole points, a ``sum_times`` score in steps of its
        multiplier; a mean can take any value in its range.

        Examples
        --------
        >>> from measures import load_catalog
        >>> who5 = load_catalog()["who5"]
        >>> who5.score("who5_percent").step, who5.score("who5_raw").step
        (4.0, 1.0)
        """
        if self.formula == "mean":
            return None
        return self.multiplier if self.formula == "sum_times" else 1.0

    def band_of(self, value: float) -> str | None:
        """The label of the band holding ``value``, or None without bands."""
        for band in self.bands:
            if band.min <= value <= band.max:
                return band.label
        return None


@dataclass(frozen=True)
class CriticalItem:
    """A safety item: flagged when the raw answer is above ``above``."""

    item: str
    above: int
    meaning: str
    action: str
    source: str
    note: str | None = None


@dataclass(frozen=True)
class RiskRule:
    """Risk level ``level`` when any of ``items`` is answered above ``above``."""

    level: str
    items: tuple[str, ...]
    above: int
    source: str
    note: str | None = None


@dataclass(frozen=True)
class Triage:
    """A screener's published triage: answers to a risk level, without a total.

    ``levels`` run from lowest to highest; the highest level whose rule is met
    wins. ``otherwise`` is the level when every rule is known to be unmet. A rule
    that cannot be decided (an item needed for it unanswered) leaves the level
    unknown, unless a higher level is met anyway.
    """

    levels: tuple[str, ...]
    rules: tuple[RiskRule, ...]
    otherwise: str
    source: str
    otherwise_source: str
    loinc: str | None = None
    note: str | None = None

    @property
    def column(self) -> str:
        """The column the risk level is written to."""
        return RISK_LEVEL

    def rank(self, level: str) -> int:
        """The position of ``level``, lowest first.

        Examples
        --------
        >>> Triage(("Low", "High"), (), "Low", "s", "s").rank("High")
        1
        """
        return self.levels.index(level)


@dataclass(frozen=True)
class Codes:
    """Terminology codes (LOINC) for the panel, the total and the answers."""

    source: str | None = None
    loinc_panel: str | None = None
    loinc_total: str | None = None
    loinc_answer_list: str | None = None
    loinc_answers: tuple[tuple[str, int], ...] = ()


#: The place in every list of an instrument whose definition gives no ``order``.
DEFAULT_ORDER = 1000


@dataclass(frozen=True, kw_only=True)
class Display:
    """Where the application shows an instrument: its ``[display]`` table.

    Every list of instruments (charts, the check-in, the agenda's columns, the
    PDF) follows ``order``. A definition without the table, or without one of
    its keys, gets the defaults that show a program's own instrument like a
    built-in: ``order`` :data:`DEFAULT_ORDER` (after the built-ins),
    ``client_name`` its ``name``, ``charted`` true, ``daily`` true for a single
    item without a recall period, and ``agenda``, ``report``, ``symptoms`` false.
    """

    order: int
    client_name: str
    charted: bool
    daily: bool
    agenda: bool
    report: bool
    symptoms: bool


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: items, scores, flags, codes, licence, sources and display."""

    id: str
    name: str
    abbreviation: str
    construct: str
    domain: Domain
    items: tuple[Item, ...]
    scores: tuple[Score, ...]
    sources: dict[str, Source]
    licence: str
    licence_source: str | None
    show_item_wording: bool
    recall_period: str
    recall_period_days: int | None
    recall_source: str | None
    display: Display
    instructions: str | None = None
    critical_items: tuple[CriticalItem, ...] = ()
    triage: Triage | None = None
    codes: Codes = field(default_factory=Codes)
    day_bins: DayBins | None = None
    path: str | None = None

    @property
    def primary(self) -> Score | None:
        """The primary score, or None where the instrument has no total (BAM-R)."""
        return next((s for s in self.scores if s.primary), None)

    @property
    def subscales(self) -> tuple[Score, ...]:
        """Every score other than the primary one."""
        return tuple(s for s in self.scores if not s.primary)

    @property
    def total_scales(self) -> tuple[Score, ...]:
        """The scores a stored total may be given on (``total_scale``), the primary first.

        With two or more, a total must say which (the ``total_scale`` column):
        a WHO-5 total of 20 is a raw total (80%) or a percentage (raw 5).

        Examples
        --------
        >>> from measures import load_catalog
        >>> [s.total_scale for s in load_catalog()["who5"].total_scales]
        ['percentage', 'raw']
        >>> load_catalog()["phq9"].total_scales
        ()
        """
        scales = [s for s in self.scores if s.total_scale is not None]
        return tuple(sorted(scales, key=lambda s: not s.primary))

    def scale_factor(self, score: Score) -> float:
        """What a total on ``score``'s scale is multiplied by to be on the primary's.

        Examples
        --------
        >>> from measures import load_catalog
        >>> who5 = load_catalog()["who5"]
        >>> who5.scale_factor(who5.score("who5_raw")), who5.scale_factor(who5.score("score"))
        (4.0, 1.0)
        """
        primary = self.primary
        if primary is None or primary.step is None or score.step is None:
            msg = f"{self.id}: {score.id} and the primary score are not sums of the same items"
            raise ValueError(msg)
        return primary.step / score.step

    @property
    def higher_is_better(self) -> bool:
        """Direction of the primary score (of the first score without one).

        An instrument without any score (a triage screener) is read as "higher
        is worse", like its risk levels.
        """
        score = self.primary or next(iter(self.scores), None)
        return False if score is None else score.higher_is_better

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``."""
        for item in self.items:
            if item.id == item_id:
                return item
        msg = f"{self.id} has no item {item_id!r}"
        raise KeyError(msg)

    def score(self, score_id: str) -> Score:
        """The score with id (or column) ``score_id``."""
        for score in self.scores:
            if score_id in (score.id, score.column):
                return score
        msg = f"{self.id} has no score {score_id!r}"
        raise KeyError(msg)

    def cite(self, key: str | None) -> str | None:
        """The full citation behind a source key."""
        return None if key is None else self.sources[key].text

    def source(self, key: str) -> Source:
        """The source listed under ``key`` in the definition's ``[sources]``: label and text."""
        return self.sources[key]

    def skipped(self, item_id: str, answers: Mapping[str, int | None]) -> bool:
        """Whether the form skips ``item_id`` after ``answers`` (item id -> answer).

        Only a condition answered and not met skips an item: while it is
        unanswered the item is asked.

        Examples
        --------
        >>> from measures import load_catalog
        >>> bam = load_catalog()["bam_r"]
        >>> bam.skipped("item_5", {"item_4": 0}), bam.skipped("item_5", {"item_4": 2})
        (True, False)
        >>> bam.skipped("item_5", {}), bam.skipped("item_4", {"item_4": 0})
        (False, False)
        """
        condition = self.item(item_id).asked_if
        if condition is None:
            return False
        if self.skipped(condition.item, answers):
            return True
        answer = answers.get(condition.item)
        return answer is not None and answer <= condition.above

    def codes_of_days(self, days: Mapping[str, int | None]) -> dict[str, int | None]:
        """The answers (codes) of items asked as days, from the days given (None: unanswered).

        Raises :class:`ValueError` naming the item for an item not asked in
        days or a number of days outside the recall period.

        Examples
        --------
        >>> from measures import load_catalog
        >>> bam = load_catalog()["bam_r"]
        >>> bam.codes_of_days({"item_2": 12, "item_4": 0, "item_5": None})
        {'item_2': 3, 'item_4': 0, 'item_5': None}
        >>> bam.codes_of_days({"item_1": 3})
        Traceback (most recent call last):
        ...
        ValueError: BAM-R item 1 (Physical health) is not asked as a number of days
        """
        codes: dict[str, int | None] = {}
        for item_id, value in days.items():
            item = self.item(item_id)
            where = f"{self.abbreviation} item {item.number} ({item.label})"
            if not item.days or self.day_bins is None:
                msg = f"{where} is not asked as a number of days"
                raise ValueError(msg)
            try:
                codes[item_id] = None if value is None else self.day_bins.code(value)
            except ValueError as exc:
                msg = f"{where}: {exc}"
                raise ValueError(msg) from None
        return codes
