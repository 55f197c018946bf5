"""What is counted: dimensions with levels, populations split by outcomes, summaries; and
the cube of counts built from one row per episode with polars."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from dashboard.privacy.hierarchy import Hierarchy

#: Counts from 1 to 10 are withheld: the CMS cell size suppression policy ("no cell 10 or
#: less may be displayed", https://resdac.org/articles/cms-cell-size-suppression-policy).
SMALL_CELL = 11
#: The name of the population dimension in released tables.
POPULATION = "population"


@dataclass(frozen=True)
class Dimension:
    """A grouping of episodes: input columns from the finest level to the coarsest, each
    value of a level inside one value of the next (a quarter inside one year).

    ``total`` labels one more level above the coarsest, a single cell over every value
    ("All"); ``None`` leaves it out (no table adds up years).
    """

    name: str
    levels: tuple[str, ...]
    total: str | None = "All"


@dataclass(frozen=True)
class Split:
    """A population split by the value of ``column`` into named child populations.

    Every member of ``parent`` must have one of the values (a null or other value is an
    error: the split would not add up). ``protected`` makes a small count on any side a
    secret (primary suppression); ``hidden`` children are never printed (the "not" side of
    a rate), so withholding them costs nothing.
    """

    parent: str
    column: str
    children: tuple[tuple[Any, str], ...]
    protected: bool = True
    hidden: tuple[str, ...] = ()

    @classmethod
    def binary(cls, name: str, *, parent: str, column: str, protected: bool = True) -> Split:
        """``name`` where ``column`` is true, ``not <name>`` (never printed) where false.

        Examples
        --------
        >>> Split.binary("completed", parent="episodes", column="completed").children
        ((True, 'completed'), (False, 'not completed'))
        """
        other = f"not {name}"
        return cls(parent, column, ((True, name), (False, other)), protected, (other,))


@dataclass(frozen=True, eq=False)
class Summary:
    """A figure over a population that is not a count (a median, a mean): ``expression``
    aggregates the population's rows. It is released only beside its population's count."""

    name: str
    population: str
    expression: pl.Expr


@dataclass(frozen=True, eq=False)
class CubeSpec:
    """Everything a page can count: the root population, its dimensions, its splits (each
    binary outcome over its denominator) and summaries, and the threshold.

    ``root_protected`` False makes a small count of the root no secret (the episodes with
    paired scores of a measure: how complete the data is, not how anyone is)."""

    root: str
    dimensions: tuple[Dimension, ...]
    splits: tuple[Split, ...] = ()
    summaries: tuple[Summary, ...] = ()
    threshold: int = SMALL_CELL
    root_protected: bool = True

    def populations(self) -> list[str]:
        """The root, then every split's children, in order."""
        names = [self.root]
        for split in self.splits:
            if split.parent not in names:
                msg = f"split of {split.column!r}: its parent {split.parent!r} is not defined yet"
                raise ValueError(msg)
            for _, child in split.children:
                if child in names:
                    msg = f"population {child!r} is defined twice"
                    raise ValueError(msg)
                names.append(child)
        return names

    def membership(self) -> dict[str, pl.Expr]:
        """A boolean expression per population: which rows belong to it."""
        members: dict[str, pl.Expr] = {self.root: pl.lit(value=True)}
        for split in self.splits:
            for value, child in split.children:
                members[child] = members[split.parent] & (pl.col(split.column) == value).fill_null(
                    value=False
                )
        return members


@dataclass(frozen=True, eq=False)
class Cube:
    """The counts of every cell: one axis per dimension, the population axis last."""

    spec: CubeSpec
    axes: tuple[Hierarchy, ...]
    counts: np.ndarray[Any, np.dtype[np.int64]]
    rows: pl.DataFrame = field(repr=False)  # level columns and membership, for summaries


def build_cube(frame: pl.DataFrame, spec: CubeSpec) -> Cube:
    """Count every cell of every table the spec can make, vectorised with polars.

    Examples
    --------
    >>> frame = pl.DataFrame({"site": ["A", "A", "B"], "done": [True, False, True]})
    >>> spec = CubeSpec(
    ...     "episodes", (Dimension("site", ("site",)),),
    ...     (Split.binary("done", parent="episodes", column="done"),))
    >>> cube = build_cube(frame, spec)
    >>> [cube.axes[0].labels, cube.axes[1].labels]
    [('A', 'B', 'All'), ('episodes', 'done', 'not done')]
    >>> cube.counts.tolist()
    [[2, 1, 1], [1, 1, 0], [3, 2, 1]]
    """
    populations = spec.populations()
    _check_columns(frame, spec)
    members = spec.membership()
    rows = _rows(frame, spec, populations, members)
    axes = (
        *(_dimension_axis(rows, d) for d in spec.dimensions),
        _population_axis(spec, populations),
    )
    shape = tuple(len(a) for a in axes)
    counts = np.zeros(shape, dtype=np.int64)
    leaf_columns = [d.levels[0] for d in spec.dimensions]
    member_columns = [f"__member_{i}" for i in range(len(populations))]
    if rows.height:
        grouped = rows.group_by(leaf_columns).agg(pl.col(member_columns).sum())
        index = []
        for d, axis in zip(spec.dimensions, axes, strict=False):
            lookup = {axis.labels[n]: n for n in axis.nodes_at(d.levels[0])}
            index.append(np.array([lookup[v] for v in grouped[d.levels[0]].to_list()]))
        values = grouped.select(member_columns).to_numpy().astype(np.int64)
        counts[tuple(index)] = values
    for position, axis in enumerate(axes[:-1]):
        _add_up(counts, position, axis)
    return Cube(spec, axes, counts, rows)


def _rows(
    frame: pl.DataFrame, spec: CubeSpec, populations: list[str], members: dict[str, pl.Expr]
) -> pl.DataFrame:
    levels = [pl.col(level).cast(pl.String) for d in spec.dimensions for level in d.levels]
    needed = {
        name
        for summary in spec.summaries
        for name in summary.expression.meta.root_names()
        if name not in {lv for d in spec.dimensions for lv in d.levels}
    }
    return frame.select(
        *levels,
        *[members[p].alias(f"__member_{i}") for i, p in enumerate(populations)],
        *sorted(needed),
    )


def _check_columns(frame: pl.DataFrame, spec: CubeSpec) -> None:
    needed = [lv for d in spec.dimensions for lv in d.levels] + [s.column for s in spec.splits]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        msg = f"the episodes have no column {', '.join(map(repr, missing))}"
        raise ValueError(msg)
    for d in spec.dimensions:
        nulls = [lv for lv in d.levels if frame[lv].null_count()]
        if nulls:
            msg = f"dimension {d.name!r}: {len(nulls)} level(s) with empty values ({nulls[0]!r})"
            raise ValueError(msg)
    members = spec.membership()
    for split in spec.splits:
        values = [v for v, _ in split.children]
        outside = frame.filter(
            members[split.parent]
            & ~pl.col(split.column).is_in(values, nulls_equal=False).fill_null(value=False)
        ).height
        if outside:
            msg = (
                f"split {split.column!r} of {split.parent!r}: {outside} member(s) with none of "
                f"its values {values}"
            )
            raise ValueError(msg)


def _dimension_axis(rows: pl.DataFrame, dimension: Dimension) -> Hierarchy:
    """The nodes of one dimension: the values of each level, then the total."""
    combos = rows.select(dimension.levels).unique().sort(list(dimension.levels))
    labels: list[str] = []
    levels: list[str] = []
    parent_key: list[str | None] = []
    index: dict[tuple[str, str], int] = {}
    for position, level in enumerate(dimension.levels):
        above = dimension.levels[position + 1] if position + 1 < len(dimension.levels) else None
        pairs = combos.select(level, *([above] if above else [])).unique()
        if pairs.height != pairs[level].n_unique():
            msg = f"dimension {dimension.name!r}: a {level} lies in two {above}s"
            raise ValueError(msg)
        for row in pairs.sort(level).iter_rows():
            index[(level, row[0])] = len(labels)
            labels.append(row[0])
            levels.append(level)
            parent_key.append(row[1] if above else None)
    if dimension.total is not None:
        index[("all", dimension.total)] = len(labels)
        labels.append(dimension.total)
        levels.append("all")
        parent_key.append(None)
    parents = []
    for node, level in enumerate(levels):
        position = dimension.levels.index(level) if level != "all" else len(dimension.levels)
        if position + 1 < len(dimension.levels):
            parents.append(index[(dimension.levels[position + 1], parent_key[node] or "")])
        elif position + 1 == len(dimension.levels) and dimension.total is not None:
            parents.append(index[("all", dimension.total)])
        else:
            parents.append(-1)
    children: list[list[int]] = [[] for _ in labels]
    for node, parent in enumerate(parents):
        if parent >= 0:
            children[parent].append(node)
    return Hierarchy(
        name=dimension.name,
        labels=tuple(labels),
        levels=tuple(levels),
        parents=tuple(parents),
        splits=tuple((tuple(c),) if c else () for c in children),
        protected=(True,) * len(labels),
        shown=(True,) * len(labels),
    )


def _population_axis(spec: CubeSpec, populations: list[str]) -> Hierarchy:
    position = {name: i for i, name in enumerate(populations)}
    parents = [-1] * len(populations)
    splits: list[list[tuple[int, ...]]] = [[] for _ in populations]
    protected = [True] * len(populations)
    protected[0] = spec.root_protected
    shown = [True] * len(populations)
    for split in spec.splits:
        children = tuple(position[name] for _, name in split.children)
        splits[position[split.parent]].append(children)
        for child in children:
            parents[child] = position[split.parent]
            protected[child] = split.protected
        for name in split.hidden:
            shown[position[name]] = False
    return Hierarchy(
        name=POPULATION,
        labels=tuple(populations),
        levels=("population",) * len(populations),
        parents=tuple(parents),
        splits=tuple(tuple(s) for s in splits),
        protected=tuple(protected),
        shown=tuple(shown),
    )


def _add_up(counts: np.ndarray[Any, np.dtype[np.int64]], position: int, axis: Hierarchy) -> None:
    """Fill each coarser node of one axis with the sum of its children, finest level first."""
    moved = np.moveaxis(counts, position, 0)  # a view: writes reach ``counts``
    for level in axis.level_names()[1:]:
        for node in axis.nodes_at(level):
            children = list(axis.splits[node][0]) if axis.splits[node] else []
            moved[node] = moved[children].sum(axis=0) if children else 0


def level_choices(axes: Sequence[Hierarchy]) -> list[tuple[str, ...]]:
    """Every table: one level per dimension (the population axis excluded)."""
    return [tuple(c) for c in itertools.product(*[a.level_names() for a in axes[:-1]])]
