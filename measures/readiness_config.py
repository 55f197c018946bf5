"""Step-down readiness criteria as a program sets them: thresholds, windows, ASAM dimensions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from measures.config import updated
from measures.definition import Source

#: Tracks whose clients are asked about substance use (the demo program's choice).
SUBSTANCE_TRACKS = ("substance_use", "co_occurring")

#: ASAM Criteria dimensions, from the adult patient placement criteria table.
ASAM_DIMENSIONS = {
    1: "Acute intoxication and withdrawal potential",
    2: "Biomedical conditions and complications",
    3: "Emotional, behavioural or cognitive conditions",
    4: "Readiness to change",
    5: "Relapse, continued use or continued problem potential",
    6: "Recovery environment",
}
ASAM_SOURCE = Source(
    label="ASAM, adult patient placement criteria",
    text=(
        "American Society of Addiction Medicine, adult patient placement criteria (six "
        "dimensions). https://docest.com/doc/403702/american-society-of-addiction-medicine-"
        "adult-patient-placement-criteria-for-the-treatment"
    ),
)

#: The fewest ratings a trend is fitted to: two points are one difference, not a trend.
MIN_TREND_POINTS = 3

_INTERNAL = {"internal": True}


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """What every criterion has: on/off, the tracks it applies to, its ASAM dimension.

    ``tracks`` None means every track.
    """

    enabled: bool = True
    asam_dimension: int
    tracks: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.asam_dimension not in ASAM_DIMENSIONS:
            msg = f"asam_dimension should be 1 to 6, not {self.asam_dimension}"
            raise ValueError(msg)
        if self.tracks is not None and not self.tracks:
            msg = "tracks should name at least one track (leave it out for every track)"
            raise ValueError(msg)
        for name in ("window_days", "pacs_window_days"):
            days = getattr(self, name, None)
            if days is not None and days < 1:
                msg = f"{name} should be at least 1, not {days}"
                raise ValueError(msg)
        points = getattr(self, "trend_points", None)
        if points is not None and points < MIN_TREND_POINTS:
            msg = f"trend_points should be at least {MIN_TREND_POINTS}, not {points}"
            raise ValueError(msg)


@dataclass(frozen=True, kw_only=True)
class MinWeeks(Criterion):
    """Time in IOP: at least ``weeks`` since admission (program policy, empty by default)."""

    asam_dimension: int = 4
    weeks: float | None = None


@dataclass(frozen=True, kw_only=True)
class Symptoms(Criterion):
    """Latest score below caseness or reliably improved, and no reliable deterioration.

    ``cutoff``, ``reliable_change`` and ``window_days`` default to the instrument
    definition's caseness, reliable-change threshold and recall period.
    """

    asam_dimension: int = 3
    cutoff: float | None = None
    reliable_change: float | None = None
    window_days: int | None = None
    measure: str = field(default="phq9", metadata=_INTERNAL)


@dataclass(frozen=True, kw_only=True)
class Craving(Criterion):
    """PACS below its caseness; the 0-10 craving rating low on average and not rising."""

    asam_dimension: int = 5
    tracks: tuple[str, ...] | None = SUBSTANCE_TRACKS
    pacs_cutoff: float | None = None
    pacs_window_days: int | None = None
    craving_nrs_max: float | None = None
    window_days: int = 14
    trend_points: int = 7


@dataclass(frozen=True, kw_only=True)
class SelfEfficacy(Criterion):
    """The 0-10 confidence rating high on average and not falling."""

    asam_dimension: int = 4
    tracks: tuple[str, ...] | None = SUBSTANCE_TRACKS
    confidence_nrs_min: float | None = None
    window_days: int = 14
    trend_points: int = 7


@dataclass(frozen=True, kw_only=True)
class Safety(Criterion):
    """Every safety flag and unknown safety answer of the last ``window_days`` closed
    by a recorded follow-up that found no elevated risk."""

    asam_dimension: int = 3
    window_days: int = 14


@dataclass(frozen=True, kw_only=True)
class BamComposite(Criterion):
    """The latest BAM-R composite on the healthy side of its cut-off.

    ``cutoff`` and ``window_days`` default to the definition's cut-off and the
    BAM-R recall period.
    """

    asam_dimension: int = 5
    tracks: tuple[str, ...] | None = SUBSTANCE_TRACKS
    cutoff: float | None = None
    window_days: int | None = None
    score: str = field(default="use", metadata=_INTERNAL)


@dataclass(frozen=True, kw_only=True)
class Attendance(Criterion):
    """Attended / scheduled program days over the last ``window_days`` at or above a minimum."""

    asam_dimension: int = 4
    attendance_min: float | None = None
    window_days: int = 14

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.attendance_min is not None and not 0 < self.attendance_min <= 1:
            msg = f"attendance_min is a share of program days (0-1], not {self.attendance_min}"
            raise ValueError(msg)


@dataclass(frozen=True, kw_only=True)
class ReadinessConfig:
    """The program's step-down readiness criteria (the ``[readiness]`` table).

    Every default is empty (program policy: the program sets it in its file),
    read from the instrument definition at run time (cut-offs, reliable change,
    recall periods: never copied here), or an engineering choice said to be one.
    ``measures/program_defaults.toml`` lists each default with its reason.

    Examples
    --------
    >>> config = ReadinessConfig.from_mapping({"attendance": {"attendance_min": 0.75}})
    >>> config.attendance.attendance_min, config.min_weeks.weeks, config.craving.asam_dimension
    (0.75, None, 5)
    """

    review_interval_days: int = 7
    min_weeks: MinWeeks = field(default_factory=MinWeeks)
    mood: Symptoms = field(default_factory=lambda: Symptoms(measure="phq9"))
    anxiety: Symptoms = field(default_factory=lambda: Symptoms(measure="gad7"))
    craving: Craving = field(default_factory=Craving)
    self_efficacy: SelfEfficacy = field(default_factory=SelfEfficacy)
    safety: Safety = field(default_factory=Safety)
    use: BamComposite = field(default_factory=BamComposite)
    recovery_environment: BamComposite = field(
        default_factory=lambda: BamComposite(asam_dimension=6, score="protective")
    )
    attendance: Attendance = field(default_factory=Attendance)
    policy_source: str = field(default="program.toml", metadata=_INTERNAL)

    def __post_init__(self) -> None:
        if self.review_interval_days < 1:
            msg = f"review_interval_days should be at least 1, not {self.review_interval_days}"
            raise ValueError(msg)

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, object],
        *,
        policy_source: str = "program.toml",
        base: ReadinessConfig | None = None,
    ) -> ReadinessConfig:
        """``base`` (default: the defaults) updated with a ``[readiness]`` table.

        Unknown keys are errors. ``policy_source`` names the program's file in
        the evidence of every criterion whose threshold the program set.
        """
        start = replace(base or cls(), policy_source=policy_source)
        return updated(start, data, "readiness")

    @property
    def policy(self) -> Source:
        """The source shown for a threshold the program set: its own file.

        Examples
        --------
        >>> ReadinessConfig(policy_source="demo_program.toml").policy.label
        'Program policy (demo_program.toml)'
        """
        return Source(
            label=f"Program policy ({self.policy_source})",
            text=(
                f"Set by the program in its program file ({self.policy_source}): a "
                "threshold the program chose where no publication gives one, or in place "
                "of the instrument's published value."
            ),
        )
