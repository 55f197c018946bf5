"""What may be shown: every table of the cube with its counts, or null where withheld.

Pages and exports draw only from a :class:`Release`: a count that is withheld comes out as
null, and so does every summary (median, mean) of a population whose count is withheld.
Rates are built by the caller from two released counts (numerator and denominator); a
null in either withholds the rate, its interval and its n.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard.privacy.cube import POPULATION, Cube, CubeSpec, build_cube, level_choices
from dashboard.privacy.hierarchy import Hierarchy
from dashboard.privacy.suppress import Mask, suppress

#: The level of a dimension's total (the one cell over all its values).
TOTAL = "all"


@dataclass(frozen=True, eq=False)
class Release:
    """A cube and its withheld cells."""

    cube: Cube
    withheld: Mask

    @property
    def spec(self) -> CubeSpec:
        """What was counted."""
        return self.cube.spec

    @property
    def dimensions(self) -> tuple[Hierarchy, ...]:
        """The grouping axes (the population axis left out)."""
        return self.cube.axes[:-1]

    def levels(self, dimension: str) -> list[str]:
        """A dimension's levels, finest first (``"all"`` last where it has a total)."""
        return self._axis(dimension).level_names()

    def values(self, dimension: str, level: str) -> list[str]:
        """The labels of a dimension's nodes at one level, in order."""
        axis = self._axis(dimension)
        return [axis.labels[n] for n in axis.nodes_at(level)]

    def table(self, levels: Mapping[str, str]) -> pl.DataFrame:
        """One table: a row per combination of the dimensions' values at ``levels``.

        Columns: one per dimension (its value's label), one per population that is ever
        printed (its count; null where withheld; a hidden population never comes out),
        one per summary (null where its population is withheld or empty).

        Examples
        --------
        >>> frame = pl.DataFrame({"site": ["A"] * 12 + ["B"] * 3 + ["C"] * 20})
        >>> from dashboard.privacy.cube import Dimension
        >>> release = release_of(frame, CubeSpec("episodes", (Dimension("site", ("site",)),)))
        >>> release.table({"site": "site"}).rows()
        [('A', None), ('B', None), ('C', 20)]
        >>> release.table({"site": "all"}).rows()
        [('All', 35)]
        """
        axes = self.cube.axes
        unknown = set(levels) - {a.name for a in self.dimensions}
        if unknown or len(levels) != len(self.dimensions):
            msg = f"a table names a level for each of {[a.name for a in self.dimensions]}"
            raise ValueError(msg)
        nodes = [axis.nodes_at(levels[axis.name]) for axis in self.dimensions]
        for axis, found in zip(self.dimensions, nodes, strict=True):
            if not found:
                msg = f"{axis.name} has no level {levels[axis.name]!r}"
                raise ValueError(msg)
        populations = list(range(len(axes[-1])))
        block = np.ix_(*nodes, populations)
        counts = self.cube.counts[block].reshape(-1, len(populations))
        withheld = self.withheld[block].reshape(-1, len(populations))
        combos = list(itertools.product(*nodes))
        columns: dict[str, pl.Series] = {}
        for position, axis in enumerate(self.dimensions):
            labels = [axis.labels[c[position]] for c in combos]
            columns[axis.name] = pl.Series(axis.name, labels, dtype=pl.String)
        for p, name in enumerate(axes[-1].labels):
            if not axes[-1].shown[p]:
                continue
            values = [
                None if w else int(c) for c, w in zip(counts[:, p], withheld[:, p], strict=True)
            ]
            columns[name] = pl.Series(name, values, dtype=pl.Int64)
        table = pl.DataFrame(columns)
        for summary in self.spec.summaries:
            table = self._with_summary(table, levels, nodes, summary.name)
        return table

    def tables(self) -> list[tuple[dict[str, str], pl.DataFrame]]:
        """Every table the cube can make: each choice of one level per dimension."""
        names = [a.name for a in self.dimensions]
        return [
            (
                dict(zip(names, choice, strict=True)),
                self.table(dict(zip(names, choice, strict=True))),
            )
            for choice in level_choices(self.cube.axes)
        ]

    def _with_summary(
        self, table: pl.DataFrame, levels: Mapping[str, str], nodes: list[list[int]], name: str
    ) -> pl.DataFrame:
        summary = next(s for s in self.spec.summaries if s.name == name)
        population = self.cube.axes[-1].labels.index(summary.population)
        keys = []
        for axis in self.dimensions:
            level = levels[axis.name]
            if level != TOTAL:
                keys.append(pl.col(level).alias(axis.name))
        members = self.cube.rows.filter(pl.col(f"__member_{population}"))
        counts = self.cube.counts[np.ix_(*nodes, [population])].reshape(-1)
        withheld = self.withheld[np.ix_(*nodes, [population])].reshape(-1)
        released = pl.Series([None if w else int(c) for c, w in zip(counts, withheld, strict=True)])
        if keys:
            values = members.group_by(keys).agg(summary.expression.alias(name))
            table = table.join(values, on=[k.meta.output_name() for k in keys], how="left")
        else:
            value = members.select(summary.expression.alias(name))
            scalar = value[name][0] if value.height else None
            table = table.with_columns(pl.lit(scalar, dtype=value.schema[name]).alias(name))
        return table.with_columns(pl.when(released.fill_null(0) > 0).then(pl.col(name)).alias(name))

    def _axis(self, dimension: str) -> Hierarchy:
        for axis in self.cube.axes:
            if axis.name == dimension:
                return axis
        msg = f"no dimension {dimension!r}"
        raise ValueError(msg)


def release_of(frame: pl.DataFrame, spec: CubeSpec) -> Release:
    """Count the cube of ``frame`` and withhold what must be withheld.

    Examples
    --------
    >>> from dashboard.privacy.cube import Dimension, Split
    >>> frame = pl.DataFrame({
    ...     "site": ["A"] * 30 + ["B"] * 30,
    ...     "done": [True] * 25 + [False] * 5 + [True] * 15 + [False] * 15})
    >>> spec = CubeSpec("episodes", (Dimension("site", ("site",)),),
    ...                 (Split.binary("done", parent="episodes", column="done"),))
    >>> release_of(frame, spec).table({"site": "site"}).select("site", "episodes", "done").rows()
    [('A', 30, None), ('B', 30, None)]
    """
    names = {d.name for d in spec.dimensions} | {POPULATION}
    clashes = names & (set(spec.populations()) | {s.name for s in spec.summaries})
    if clashes:
        msg = f"a population or summary is named like a dimension: {sorted(clashes)}"
        raise ValueError(msg)
    cube = build_cube(frame, spec)
    return Release(cube, suppress(cube.counts, cube.axes, threshold=spec.threshold))
