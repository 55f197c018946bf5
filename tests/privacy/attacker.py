"""An attacker of the directors' figures: every subtraction across groupings, periods and
statistics, worked out exactly.

What the attacker has is every table the page (and its CSV export) can show: cells of
(period, group values, population) with a number, or withheld. What the attacker knows
is how they add up:

- a period is a range of days: each shown period is the sum of the elementary ranges
  ("atoms") that the boundaries of all shown periods cut the calendar into;
- a group value None is the total over that grouping (all sites, all tracks): the sum
  of its values, the other groupings held fixed;
- a population splits in two (episodes = completed + not completed; paired = improved
  + not improved): the "not" side is never printed but is one more unknown.

Every withheld cell and every never-printed cell is an unknown; every relation is a
linear equation. Exact rational Gaussian elimination (``fractions.Fraction``, reduced
row echelon form) finds each unknown that the equations determine (``e_i`` in the row
space of the system restricted to the unknowns); interval propagation with
non-negativity (and whatever bounds a label gives away, such as "<11") finds each
unknown whose bounds collapse to one value.

A finding is a withheld count that is determined; a withheld rate whose numerator and
denominator are both determined; or any cell of a protected population (a count of
people with an outcome, or of a single day's discharges) that is not printed yet is
determined to be a small count (1 to threshold - 1).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

Period = tuple[dt.date, dt.date]  # first and last day, inclusive


@dataclass(frozen=True)
class Cell:
    """One figure: its period, one value per grouping (None = all) and its population."""

    period: Period
    groups: tuple[str | None, ...]
    population: str

    def __str__(self) -> str:
        groups = ", ".join(g or "all" for g in self.groups)
        return f"{self.population} [{groups}] {self.period[0]}..{self.period[1]}"


@dataclass(frozen=True)
class Split:
    """``parent = sum(children)``; ``protected``: a small count of any child is secret."""

    parent: str
    children: tuple[str, ...]
    protected: bool = True


@dataclass
class Observation:
    """What the attacker collected: shown numbers, withheld cells, bounds from labels."""

    shown: dict[Cell, int] = field(default_factory=dict)
    withheld: set[Cell] = field(default_factory=set)
    withheld_rates: set[tuple[Cell, Cell]] = field(default_factory=set)
    bounds: dict[Cell, tuple[int, int]] = field(default_factory=dict)

    def show(self, cell: Cell, value: int) -> None:
        """Record a shown number; the same cell shown twice must agree."""
        if cell in self.shown and self.shown[cell] != value:
            msg = f"{cell} shown as {self.shown[cell]} and as {value}"
            raise AssertionError(msg)
        self.shown[cell] = value

    def withhold(self, cell: Cell, bounds: tuple[int, int] | None = None) -> None:
        """Record a withheld cell (and what its label says about it)."""
        self.withheld.add(cell)
        if bounds is not None:
            self.bounds[cell] = bounds

    def withhold_rate(self, numerator: Cell, denominator: Cell) -> None:
        """Record a withheld rate (numerator of denominator): neither count is printed there."""
        self.withheld_rates.add((numerator, denominator))

    def merge(self, other: Observation) -> None:
        """Add another collection (another view, another day)."""
        for cell, value in other.shown.items():
            self.show(cell, value)
        for cell in other.withheld:
            self.withhold(cell, other.bounds.get(cell))
        self.withheld_rates |= other.withheld_rates


@dataclass(frozen=True)
class Finding:
    """A secret the attacker worked out."""

    cell: Cell
    value: int
    method: str  # "linear algebra" or "bounds"
    what: str  # "withheld count", "withheld rate" (its numerator) or "small count"

    def __str__(self) -> str:
        return f"{self.cell} = {self.value} ({self.what}; by {self.method})"


def attack(observation: Observation, splits: Iterable[Split], *, threshold: int) -> list[Finding]:
    """Every secret the observation gives away (an empty list: nothing found)."""
    splits = tuple(splits)
    if not observation.shown and not observation.withheld:
        return []
    system = _System.build(observation, splits)
    exact = system.solve_exactly()
    bounded = system.propagate_bounds(exact)
    unprotected = {child for s in splits if not s.protected for child in s.children}
    findings: dict[Cell, Finding] = {}
    for method, values in (("linear algebra", exact), ("bounds", bounded)):
        found = {system.cells[i]: v for i, v in values.items()}
        for cell, value in found.items():
            if cell in findings or cell in observation.shown:
                continue
            if cell in observation.withheld:
                findings[cell] = Finding(cell, value, method, "withheld count")
            elif 0 < value < threshold and cell.population not in unprotected:
                findings[cell] = Finding(cell, value, method, "small count")
        for numerator, denominator in observation.withheld_rates:
            if numerator in findings or numerator in observation.shown:
                continue
            if numerator in found and (denominator in found or denominator in observation.shown):
                findings[numerator] = Finding(numerator, found[numerator], method, "withheld rate")
    return sorted(findings.values(), key=str)


@dataclass
class _System:
    cells: list[Cell]
    index: dict[Cell, int]
    # each equation: coefficients over cell indices, sum = 0
    equations: list[dict[int, int]]
    known: dict[int, int]
    bounds: dict[int, tuple[int, int]]

    @classmethod
    def build(cls, observation: Observation, splits: tuple[Split, ...]) -> _System:
        seen = [*observation.shown, *observation.withheld]
        periods = sorted({c.period for c in seen})
        atoms = _atoms(periods)
        width = len(seen[0].groups)
        values: list[set[str]] = [set() for _ in range(width)]
        for cell in seen:
            for position, value in enumerate(cell.groups):
                if value is not None:
                    values[position].add(value)
        populations = {c.population for c in seen}
        for split in splits:
            populations |= {split.parent, *split.children}
        groupings = list(
            itertools.product(*[[None, *sorted(v)] for v in values])
        )  # every cell of every grouping, totals included
        period_nodes = sorted(set(periods) | set(atoms))
        cells = [
            Cell(period, groups, population)
            for period in period_nodes
            for groups in groupings
            for population in sorted(populations)
        ]
        index = {cell: i for i, cell in enumerate(cells)}
        equations: list[dict[int, int]] = []
        for groups, population in itertools.product(groupings, populations):
            for period in periods:
                parts = [a for a in atoms if period[0] <= a[0] and a[1] <= period[1]]
                if parts != [period]:
                    equations.append(
                        _sum_of(
                            index,
                            Cell(period, groups, population),
                            [Cell(a, groups, population) for a in parts],
                        )
                    )
        for period, population in itertools.product(period_nodes, populations):
            for groups in groupings:
                for position, value in enumerate(groups):
                    if value is not None:
                        continue
                    parts = [
                        Cell(period, (*groups[:position], v, *groups[position + 1 :]), population)
                        for v in sorted(values[position])
                    ]
                    equations.append(_sum_of(index, Cell(period, groups, population), parts))
        for period, groups in itertools.product(period_nodes, groupings):
            for split in splits:
                parts = [Cell(period, groups, child) for child in split.children]
                equations.append(_sum_of(index, Cell(period, groups, split.parent), parts))
        known = {index[c]: v for c, v in observation.shown.items()}
        bounds = {index[c]: b for c, b in observation.bounds.items()}
        return cls(cells, index, equations, known, bounds)

    def _reduced(self) -> list[tuple[dict[int, int], int]]:
        """The equations over the unknowns only: known cells moved to the right-hand side."""
        reduced = []
        for equation in self.equations:
            rest = {i: a for i, a in equation.items() if i not in self.known}
            constant = -sum(a * self.known[i] for i, a in equation.items() if i in self.known)
            if rest:
                reduced.append((rest, constant))
            elif constant != 0:
                msg = "the shown figures do not add up"
                raise AssertionError(msg)
        return reduced

    def solve_exactly(self) -> dict[int, int]:
        """Unknowns the equations determine, with their values (exact, reduced echelon form)."""
        pivots: dict[int, tuple[dict[int, Fraction], Fraction]] = {}
        holders: dict[int, set[int]] = defaultdict(set)  # column -> pivots whose rows hold it
        for coefficients, constant in self._reduced():
            row = {i: Fraction(a) for i, a in coefficients.items()}
            rhs = Fraction(constant)
            for column in [c for c in row if c in pivots]:
                factor = row[column]
                pivot_row, pivot_rhs = pivots[column]
                for c, a in pivot_row.items():
                    value = row.get(c, 0) - factor * a
                    if value:
                        row[c] = value
                    else:
                        row.pop(c, None)
                rhs -= factor * pivot_rhs
            if not row:
                if rhs != 0:
                    msg = "the shown figures contradict each other"
                    raise AssertionError(msg)
                continue
            pivot = min(row, key=lambda c: (len(holders[c]), c))
            scale = row[pivot]
            row = {c: a / scale for c, a in row.items()}
            rhs /= scale
            for other in list(holders[pivot]):
                other_row, other_rhs = pivots[other]
                factor = other_row.pop(pivot)
                for c, a in row.items():
                    if c == pivot:
                        continue
                    value = other_row.get(c, 0) - factor * a
                    if value:
                        if c not in other_row:
                            holders[c].add(other)
                        other_row[c] = value
                    else:
                        if c in other_row:
                            holders[c].discard(other)
                        other_row.pop(c, None)
                pivots[other] = (other_row, other_rhs - factor * rhs)
            holders.pop(pivot, None)
            pivots[pivot] = (row, rhs)
            for c in row:
                if c != pivot:
                    holders[c].add(pivot)
        found = {}
        for pivot, (row, rhs) in pivots.items():
            if len(row) == 1:
                if rhs.denominator != 1:
                    msg = f"{self.cells[pivot]} works out as {rhs}, not a count"
                    raise AssertionError(msg)
                found[pivot] = int(rhs)
        return found

    def propagate_bounds(self, exact: Mapping[int, int], rounds: int = 200) -> dict[int, int]:
        """Unknowns whose bounds collapse to one value: non-negative integers, label bounds."""
        low: dict[int, float] = defaultdict(float)
        high: dict[int, float] = defaultdict(lambda: math.inf)
        for i, (lo, hi) in self.bounds.items():
            low[i], high[i] = lo, hi
        for i, value in exact.items():
            low[i] = high[i] = value
        equations = self._reduced()
        for _ in range(rounds):
            changed = False
            for coefficients, constant in equations:
                for target, a in coefficients.items():
                    # a * x_target = constant - sum(others)
                    rest_low = rest_high = 0.0
                    for i, b in coefficients.items():
                        if i == target:
                            continue
                        lo, hi = (b * low[i], b * high[i]) if b > 0 else (b * high[i], b * low[i])
                        rest_low += lo
                        rest_high += hi
                    lo, hi = (constant - rest_high) / a, (constant - rest_low) / a
                    if a < 0:
                        lo, hi = hi, lo
                    lo = math.ceil(lo - 1e-9) if math.isfinite(lo) else lo
                    hi = math.floor(hi + 1e-9) if math.isfinite(hi) else hi
                    if lo > low[target]:
                        low[target], changed = lo, True
                    if hi < high[target]:
                        high[target], changed = hi, True
                    if low[target] > high[target]:
                        msg = f"no value fits {self.cells[target]}"
                        raise AssertionError(msg)
            if not changed:
                break
        return {
            i: int(low[i])
            for i in range(len(self.cells))
            if i not in self.known and low[i] == high[i]
        }


def _atoms(periods: list[Period]) -> list[Period]:
    """The elementary day ranges that the boundaries of ``periods`` cut the calendar into."""
    if not periods:
        return []
    starts = {p[0] for p in periods} | {p[1] + dt.timedelta(days=1) for p in periods}
    edges = sorted(starts)
    atoms = []
    for first, after in itertools.pairwise(edges):
        atom = (first, after - dt.timedelta(days=1))
        if any(p[0] <= atom[0] and atom[1] <= p[1] for p in periods):
            atoms.append(atom)
    return atoms


def _sum_of(index: dict[Cell, int], total: Cell, parts: list[Cell]) -> dict[int, int]:
    """``total - sum(parts) = 0`` as coefficients."""
    equation: dict[int, int] = defaultdict(int)
    equation[index[total]] += 1
    for part in parts:
        equation[index[part]] -= 1
    return {i: a for i, a in equation.items() if a}
