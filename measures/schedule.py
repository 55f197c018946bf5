"""The measurement schedule: which instruments are due for each client, and how overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import polars as pl

from measures.config import ConfigError, table_keys, updated
from measures.formatting import counted
from measures.readiness_config import SUBSTANCE_TRACKS

if TYPE_CHECKING:
    from measures.catalog import Catalog


@dataclass(frozen=True, kw_only=True)
class InstrumentSchedule:
    """When one instrument is due: on program days, or every ``every_days`` days.

    ``at_admission`` makes the first one due on the admission day (with no
    ``every_days`` and no ``program_day``: once, at admission only).
    ``min_interval_days`` is the shortest gap before it is offered again (None:
    the cadence). ``tracks`` None means every track.
    """

    enabled: bool = True
    program_day: bool = False
    every_days: int | None = None
    at_admission: bool = True
    min_interval_days: int | None = None
    grace_days: int = 0
    tracks: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.program_day and self.every_days is not None:
            msg = "give either program_day = true or every_days, not both"
            raise ValueError(msg)
        if not (self.program_day or self.every_days or self.at_admission):
            msg = "no cadence: set program_day = true, every_days or at_admission = true"
            raise ValueError(msg)
        for name in ("every_days", "min_interval_days"):
            days = getattr(self, name)
            if days is not None and days < 1:
                msg = f"{name} should be at least 1, not {days}"
                raise ValueError(msg)
        if self.grace_days < 0:
            msg = f"grace_days should be 0 or more, not {self.grace_days}"
            raise ValueError(msg)

    @property
    def interval(self) -> int:
        """The shortest gap, in days, before it is offered again."""
        cadence = 1 if self.program_day else self.every_days or 0
        return self.min_interval_days or cadence

    @property
    def cadence(self) -> str:
        """The cadence in plain words: "every program day", "weekly", "every 2 weeks"."""
        if self.program_day:
            return "every program day"
        days = self.every_days
        if days is None:
            return "at admission"
        if days == 7:
            return "weekly"
        return f"every {days // 7} weeks" if days % 7 == 0 else f"every {days} days"


def unnamed_schedule(*, daily: bool) -> InstrumentSchedule:
    """The schedule of an instrument the program's schedule does not name.

    A daily rating is due on every program day, anything else once at admission.

    Examples
    --------
    >>> unnamed_schedule(daily=True).cadence, unnamed_schedule(daily=False).cadence
    ('every program day', 'at admission')
    """
    if daily:
        return InstrumentSchedule(program_day=True, min_interval_days=1)
    return InstrumentSchedule()


def default_instruments() -> dict[str, InstrumentSchedule]:
    """The demo program's schedule (issue 5); the substance-use measures for those tracks.

    Off: the PHQ-2 (its two items are the PHQ-9's first two, and the PHQ-9 is
    asked weekly), the screening instruments a program chooses to give, and the
    C-SSRS screener (asked when a safety answer is followed up).
    """
    daily = InstrumentSchedule(program_day=True, min_interval_days=1)
    substance = SUBSTANCE_TRACKS
    return {
        "craving_nrs": InstrumentSchedule(program_day=True, min_interval_days=1, tracks=substance),
        "confidence_nrs": InstrumentSchedule(
            program_day=True, min_interval_days=1, tracks=substance
        ),
        "mood_nrs": daily,
        "phq9": InstrumentSchedule(every_days=7, min_interval_days=7),
        "gad7": InstrumentSchedule(every_days=7, min_interval_days=7),
        "pacs": InstrumentSchedule(every_days=7, min_interval_days=7, tracks=substance),
        "who5": InstrumentSchedule(every_days=14, min_interval_days=14),
        "gse": InstrumentSchedule(every_days=14, min_interval_days=14),
        "bam_r": InstrumentSchedule(every_days=28, min_interval_days=28, tracks=substance),
        **{
            off: InstrumentSchedule(enabled=False)
            for off in ("phq2", "phq8", "pcl5", "barc10", "audit_c", "dast10", "cssrs_screen")
        },
    }


@dataclass(frozen=True, kw_only=True)
class ScheduleConfig:
    """The ``[schedule]`` table: ``program_days`` and one sub-table per instrument.

    ``program_days`` (empty by default: program policy) is used for an episode
    without its own program days. An instrument table the defaults lack starts
    from :func:`unnamed_schedule` where :meth:`covering` gave it one, else from
    an at-admission-only schedule.

    Examples
    --------
    >>> config = ScheduleConfig.from_mapping({"phq9": {"grace_days": 2}})
    >>> config.instruments["phq9"].every_days, config.instruments["phq9"].grace_days
    (7, 2)
    """

    program_days: tuple[int, ...] | None = None
    instruments: Mapping[str, InstrumentSchedule] = field(
        default_factory=default_instruments, metadata={"internal": True}
    )

    def __post_init__(self) -> None:
        bad = [d for d in self.program_days or () if not 1 <= d <= 7]
        if bad:
            msg = f"program_days are ISO weekdays 1 (Monday) to 7 (Sunday), not {bad}"
            raise ValueError(msg)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, object], *, base: ScheduleConfig | None = None
    ) -> ScheduleConfig:
        """``base`` (default: the defaults) updated with a ``[schedule]`` table.

        Setting ``program_day = true`` on a periodic instrument (or ``every_days``
        on a daily one) switches its cadence.
        """
        default = base or cls()
        scalars = {k: v for k, v in data.items() if k in table_keys(default)}
        instruments = dict(default.instruments)
        for key, value in data.items():
            if key in scalars:
                continue
            if not isinstance(value, Mapping):
                msg = (
                    f"[schedule] unknown key {key!r} (known: {', '.join(table_keys(default))}, "
                    "or an instrument table such as [schedule.phq9])"
                )
                raise ConfigError(msg)
            start = instruments.get(key, InstrumentSchedule())
            if value.get("program_day") is True and "every_days" not in value:
                start = replace(start, every_days=None)
            if "every_days" in value and "program_day" not in value:
                start = replace(start, program_day=False)
            instruments[key] = updated(start, value, f"schedule.{key}")
        config = updated(default, scalars, "schedule")
        return ScheduleConfig(program_days=config.program_days, instruments=instruments)

    def covering(self, catalog: Catalog) -> ScheduleConfig:
        """This schedule with every instrument of ``catalog`` it does not name added.

        Each added instrument gets :func:`unnamed_schedule`: every program day
        for a daily rating, else once at admission.

        Examples
        --------
        >>> from measures.catalog import load_catalog
        >>> config = ScheduleConfig(instruments={}).covering(load_catalog())
        >>> config.instruments["mood_nrs"].cadence, config.instruments["phq9"].cadence
        ('every program day', 'at admission')
        """
        added = {
            i.id: unnamed_schedule(daily=i.display.daily)
            for i in catalog
            if i.id not in self.instruments
        }
        return replace(self, instruments={**self.instruments, **added})


def due_measures(
    last_administered: pl.DataFrame,
    episodes: pl.DataFrame,
    *,
    as_of: dt.date,
    config: ScheduleConfig | None = None,
) -> pl.DataFrame:
    """What is due for each client at ``as_of``, since when, and how many days overdue.

    Periodic instruments are first due on the admission day (the baseline),
    then ``every_days`` after the last one, never sooner than the minimum
    interval (also after one given before admission). Daily ratings are due on
    program days only (ISO weekdays, 1 = Monday ... 7 = Sunday) and are never
    "overdue": a missed day cannot be rated later. Overdue counts the days past
    the due date once more than ``grace_days`` (program policy, 0 by default)
    have passed.

    ``last_administered``: ``client_id``, ``measure``, ``last_at`` (Date or
    Datetime of an administration, any episode; the latest up to ``as_of`` is
    used, so a past date can be evaluated). ``episodes``: one
    current episode per client, ``client_id``, ``admitted_on`` (Date), and
    optionally ``track`` and ``program_days`` (list of ISO weekdays, null where
    unknown). Instruments not used for the client's track get no row (a client
    with no track recorded gets every instrument).

    Returns ``client_id``, ``measure``, ``due``, ``due_since`` (null when not
    due), ``overdue_days`` (0 unless overdue), ``next_due`` (the due date:
    ``due_since`` when due; null when not due again) and ``reason``.

    Examples
    --------
    >>> episodes = pl.DataFrame({"client_id": ["C1"], "admitted_on": [dt.date(2026, 11, 2)]})
    >>> last = pl.DataFrame({"client_id": ["C1"], "measure": ["phq9"],
    ...                      "last_at": [dt.date(2026, 11, 12)]})
    >>> config = ScheduleConfig(instruments={"phq9": InstrumentSchedule(every_days=7)})
    >>> row = due_measures(last, episodes, as_of=dt.date(2026, 11, 26), config=config).row(
    ...     0, named=True)
    >>> row["due"], row["overdue_days"], row["reason"]
    (True, 7, 'weekly; last done 2026-11-12 (14 days ago); overdue by 7 days')
    """
    config = config or ScheduleConfig()
    plan = _plan(last_administered, episodes, config, as_of)
    admitted, last = pl.col("admitted_on"), pl.col("last_on")
    interval = pl.duration(days=pl.col("interval"))
    done_in_episode = last.is_not_null() & (last >= admitted)
    first = (
        pl.when(pl.col("at_admission"))
        .then(admitted)
        .otherwise(admitted + pl.duration(days=pl.col("every_days")))
    )
    first = (
        pl.when(last.is_not_null()).then(pl.max_horizontal(first, last + interval)).otherwise(first)
    )
    gap = pl.duration(days=pl.max_horizontal(pl.col("every_days"), pl.col("interval")))
    periodic = (
        pl.when(~done_in_episode)
        .then(first)
        .when(pl.col("every_days").is_not_null())
        .then(last + gap)
        .otherwise(None)
    )
    today = pl.lit(as_of)
    is_program_day = pl.col("days").list.contains(as_of.isoweekday())
    rested = last.is_null() | ((today - last).dt.total_days() >= pl.col("interval"))
    daily_due = is_program_day & rested & (admitted <= today)
    due_on = (
        pl.when(pl.col("program_day"))
        .then(
            pl.when(daily_due)
            .then(today)
            .otherwise(_next_program_day(as_of, last, pl.col("interval")))
        )
        .otherwise(periodic)
    )
    table = plan.with_columns(due_on.alias("next_due")).with_columns(
        (pl.col("next_due") <= today).fill_null(False).alias("due")
    )
    past = (today - pl.col("next_due")).dt.total_days()
    table = table.with_columns(
        pl.when(pl.col("due")).then(pl.col("next_due")).alias("due_since"),
        pl.when(pl.col("due") & (past > pl.col("grace_days")) & ~pl.col("program_day"))
        .then(past)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("overdue_days"),
    )
    reasons = [_reason(row, as_of) for row in table.iter_rows(named=True)]
    return table.select(
        "client_id", "measure", "due", "due_since", "overdue_days", "next_due"
    ).with_columns(pl.Series("reason", reasons, dtype=pl.String))


def _plan(
    last: pl.DataFrame, episodes: pl.DataFrame, config: ScheduleConfig, as_of: dt.date
) -> pl.DataFrame:
    """One row per client and instrument used for the client's track, with its last date."""
    active = {k: v for k, v in config.instruments.items() if v.enabled}
    rules = pl.DataFrame(
        {
            "measure": list(active),
            "program_day": [s.program_day for s in active.values()],
            "every_days": [s.every_days for s in active.values()],
            "at_admission": [s.at_admission for s in active.values()],
            "interval": [s.interval for s in active.values()],
            "grace_days": [s.grace_days for s in active.values()],
            "cadence": [s.cadence for s in active.values()],
            "tracks": [list(s.tracks) if s.tracks else None for s in active.values()],
        },
        schema_overrides={"every_days": pl.Int64, "tracks": pl.List(pl.String)},
    )
    columns = episodes.columns
    fallback = pl.lit(list(config.program_days) if config.program_days else None, pl.List(pl.Int64))
    days = pl.col("program_days").cast(pl.List(pl.Int64)) if "program_days" in columns else None
    clients = episodes.select(
        pl.col("client_id").cast(pl.String),
        pl.col("admitted_on").cast(pl.Date),
        (pl.col("track") if "track" in columns else pl.lit(None)).cast(pl.String).alias("track"),
        (pl.coalesce(days, fallback) if days is not None else fallback).alias("days"),
    )
    latest = (
        last.with_columns(pl.col("last_at").cast(pl.Date).alias("last_on"))
        .filter(pl.col("last_on") <= as_of)
        .group_by(pl.col("client_id").cast(pl.String), "measure")
        .agg(pl.col("last_on").max())
    )
    applies = (
        pl.col("tracks").is_null()
        | pl.col("track").is_null()
        | (pl.col("tracks").list.contains(pl.col("track")))
    )
    return (
        clients.join(rules, how="cross")
        .filter(applies)
        .join(latest, on=["client_id", "measure"], how="left")
    )


def _next_program_day(as_of: dt.date, last: pl.Expr, interval: pl.Expr) -> pl.Expr:
    """The first program day after ``as_of`` (within a week), respecting the interval."""
    candidates = []
    for k in range(1, 8):
        day = as_of + dt.timedelta(days=k)
        ok = (
            pl.col("days").list.contains(day.isoweekday())
            & (pl.col("admitted_on") <= day)
            & (last.is_null() | ((pl.lit(day) - last).dt.total_days() >= interval))
        )
        candidates.append(pl.when(ok).then(pl.lit(day)))
    return pl.min_horizontal(candidates)


def _reason(row: dict[str, Any], as_of: dt.date) -> str:
    cadence = row["cadence"]
    last: dt.date | None = row["last_on"]
    if row["program_day"]:
        if row["days"] is None:
            return f"{cadence}; program days not recorded for this episode"
        if row["due"]:
            return f"{cadence}; not done today" + (f" (last {last})" if last else "")
        if as_of.isoweekday() not in row["days"]:
            return f"{cadence}; today is not a program day; next {row['next_due']}"
        done = "done today" if last == as_of else f"last done {last}"
        return f"{cadence}; {done}; next {row['next_due']}"
    if last is None:
        done = f"not done since admission on {row['admitted_on']}"
    elif last < row["admitted_on"]:
        done = f"last done {last}, before admission on {row['admitted_on']}"
    else:
        ago = (as_of - last).days
        done = f"last done {last} ({counted(ago, 'day')} ago)" if ago else f"done today ({last})"
    if row["next_due"] is None:
        return f"{cadence}; {done}; not due again this episode"
    if row["overdue_days"]:
        return f"{cadence}; {done}; overdue by {counted(row['overdue_days'], 'day')}"
    if row["due"]:
        when = "today" if row["due_since"] == as_of else f"since {row['due_since']}"
        return f"{cadence}; {done}; due {when}"
    return f"{cadence}; {done}; next due {row['next_due']}"
