"""Scores explained in plain words for clients (aimed at a 6th-8th grade reading level)."""

from __future__ import annotations

import polars as pl

from dashboard.review.record import ClientRecord
from measures import Catalog
from measures.change import DETERIORATED, IMPROVED

LIMITS = (
    "What these scores can and cannot tell you: they show how you felt when you answered. "
    "Over several weeks they can show a trend. They cannot diagnose you, and they cannot "
    "say what will happen next. One hard day can move a score. Talk with your team about "
    "what your scores mean for you."
)


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def measure_sentences(record: ClientRecord, catalog: Catalog) -> dict[str, str]:
    """One short paragraph per measure with at least two scores in the episode.

    A measure is named by its ``[display] client_name``, its abbreviation in brackets.
    """
    primary = record.change.filter(pl.col("score_id") == "score")
    texts = {}
    for row in primary.sort("measure").iter_rows(named=True):
        measure = row["measure"]
        if measure not in catalog or row["n"] < 2:
            continue
        instrument = catalog[measure]
        name = f"Your {instrument.display.client_name} ({instrument.abbreviation})"
        start, now = row["baseline"], row["latest"]
        if now == start:
            moved = f"is the same as when you started: {_number(now)}."
        else:
            verb = "gone down" if now < start else "gone up"
            moved = f"has {verb} from {_number(start)} to {_number(now)} since you started."
        better = (now > start) == instrument.higher_is_better and now != start
        good = f" For this score, {'higher' if instrument.higher_is_better else 'lower'} is better."
        texts[measure] = f"{name} {moved}{good}" + _meaning(row, better)
        band = _latest_band(record, measure)
        if band:
            texts[measure] += f" Your latest score is in the {band.lower()} range."
        expected = _expected(record, measure, instrument.higher_is_better)
        if expected:
            texts[measure] += expected
    return texts


def _meaning(row: dict[str, object], better: bool) -> str:
    kind = row["change_class"]
    if kind == IMPROVED:
        return " A change this size is more than day-to-day ups and downs. That is a good sign."
    if kind == DETERIORATED:
        return (
            " A change this size is more than day-to-day ups and downs. It is worth "
            "talking about with your team."
        )
    if kind is not None:
        return (
            " A change this size can come from day-to-day ups and downs, so it is too early to say."
        )
    if row["n"] and int(str(row["n"])) >= 3:
        trend = " It is moving the right way." if better else ""
        return (
            " There is no set rule for how big a change must be on this one,"
            " so look at the overall direction." + trend
        )
    return ""


def _latest_band(record: ClientRecord, measure: str) -> str | None:
    rows = record.scores.filter(
        (pl.col("measure") == measure) & pl.col("severity").is_not_null()
    ).sort("administered_at")
    return rows["severity"][-1] if rows.height else None


def _expected(record: ClientRecord, measure: str, higher_is_better: bool) -> str:
    if record.expected is None:
        return ""
    week = record.program_week
    rows = record.expected.filter((pl.col("measure") == measure) & (pl.col("week") == week))
    if rows.is_empty():
        return ""
    low, high = rows["p10"][0], rows["p90"][0]
    people = _group_size(rows)
    size = f" ({people} people)" if people else ""
    return (
        f" In week {week}, most people here who started where you did{size} scored between "
        f"{_number(round(low))} and {_number(round(high))}."
    )


def _group_size(rows: pl.DataFrame) -> int | None:
    """How many people stand behind the range: clients, else episodes (one per stay)."""
    for column in ("n_clients", "n_episodes"):
        if column in rows.columns and rows[column][0] is not None:
            return int(rows[column][0])
    return None


def attendance_streaks(attendance: pl.DataFrame) -> tuple[int, int]:
    """Program days attended in a row now, and the longest run in the episode."""
    days = (attendance.group_by("session_on").agg(pl.col("attended").any()).sort("session_on"))[
        "attended"
    ].to_list()
    longest = current = 0
    for attended in days:
        current = current + 1 if attended else 0
        longest = max(longest, current)
    return current, longest


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text`` (a rough syllable count is enough here)."""
    import re

    sentences = max(1, len(re.findall(r"[.!?](\s|$)", text)))
    words = re.findall(r"[A-Za-z']+", text)
    syllables = sum(
        max(1, len(re.findall(r"[aeiouy]+", w.lower().removesuffix("e")))) for w in words
    )
    return 0.39 * len(words) / sentences + 11.8 * syllables / max(1, len(words)) - 15.59
