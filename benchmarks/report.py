"""The results: a table on the terminal and a JSON file in benchmarks/results/."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
HEADER = ("benchmark", "median s", "min-max", "rows/s", "peak MB", "target", "result")
#: Columns that a ratio's figure spans (median to peak).
SPANNED = slice(1, 5)


@dataclass(frozen=True)
class Line:
    """One table row: a timed contender, or a figure (ratio, in-process time) against a target."""

    label: str
    median: float | None = None
    low: float | None = None
    high: float | None = None
    rows_per_s: float | None = None
    peak_mb: float | None = None
    figure: str | None = None
    target: str = ""
    passed: bool | None = None

    @property
    def result(self) -> str:
        """PASS, MISS, or blank when there is no target."""
        return "" if self.passed is None else ("PASS" if self.passed else "MISS")


@dataclass
class Outcome:
    """What one benchmark measured: its table rows, notes and the facts behind them."""

    name: str
    title: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def misses(self) -> list[Line]:
        """Lines whose target was missed."""
        return [line for line in self.lines if line.passed is False]


def seconds(value: float | None) -> str:
    """Seconds with two decimals (three below 0.1 s)."""
    if value is None:
        return ""
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


def rate(value: float | None) -> str:
    """Rows per second, short: 1.9M, 520k, 950."""
    if value is None:
        return ""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.0f}"


def cells(line: Line) -> list[str]:
    """The seven cells of ``line`` (a figure fills the median cell and spans to peak MB)."""
    if line.figure is not None:
        timing = [line.figure, "", "", ""]
    else:
        spread = f"{seconds(line.low)}-{seconds(line.high)}" if line.low is not None else ""
        peak = f"{line.peak_mb:.0f}" if line.peak_mb is not None else ""
        timing = [seconds(line.median), spread, rate(line.rows_per_s), peak]
    return [line.label, *timing, line.target, line.result]


def format_table(lines: list[Line]) -> str:
    """An aligned text table of ``lines`` under the header."""
    rows = [cells(line) for line in lines]
    widths = [len(h) for h in HEADER]
    for line, row in zip(lines, rows, strict=True):
        for i, cell in enumerate(row):
            if line.figure is None or i not in range(SPANNED.start, SPANNED.stop):
                widths[i] = max(widths[i], len(cell))
    span = sum(widths[SPANNED]) + 2 * (SPANNED.stop - SPANNED.start - 1)
    for line in lines:
        if line.figure is not None and len(line.figure) > span:
            widths[SPANNED.stop - 1] += len(line.figure) - span
            span = len(line.figure)
    text = [_join(list(HEADER), widths)]
    for line, row in zip(lines, rows, strict=True):
        if line.figure is None:
            text.append(_join(row, widths))
        else:
            merged = [row[0], row[1].ljust(span), row[5], row[6]]
            text.append(_join(merged, [widths[0], span, widths[5], widths[6]]))
    return "\n".join(text)


def format_outcome(outcome: Outcome) -> str:
    """A benchmark's title, table and notes."""
    notes = [f"  - {note}" for note in outcome.notes]
    return "\n".join([outcome.title, "", format_table(outcome.lines), "", *notes]).rstrip()


def summary(outcomes: list[Outcome]) -> str:
    """One closing line: how many targets were met."""
    targets = [line for o in outcomes for line in o.lines if line.passed is not None]
    missed = [f"{o.name}: {line.label.strip()}" for o in outcomes for line in o.misses]
    met = len(targets) - len(missed)
    tail = f"; missed: {'; '.join(missed)}" if missed else ""
    return f"{met} of {len(targets)} targets met{tail}"


def results_document(
    outcomes: list[Outcome], *, started: dt.datetime, options: dict[str, Any]
) -> dict[str, Any]:
    """Everything measured, with the machine and versions, as a JSON-ready dict."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "options": options,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "versions": {name: _version(name) for name in ("iop-outcomes", "polars", "sqlalchemy")},
        "benchmarks": [
            {
                "name": o.name,
                "title": o.title,
                "lines": [asdict(line) | {"result": line.result} for line in o.lines],
                "notes": o.notes,
                "facts": o.facts,
            }
            for o in outcomes
        ],
        "targets_missed": [
            f"{o.name}: {line.label.strip()}" for o in outcomes for line in o.misses
        ],
    }


def write_results(document: dict[str, Any], folder: Path = RESULTS) -> Path:
    """Write ``document`` to ``folder/<UTC timestamp>.json``; return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.fromisoformat(document["started"])
    path = folder / f"{started.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def _join(row: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
