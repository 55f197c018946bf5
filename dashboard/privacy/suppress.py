"""Which cells are withheld: small counts (primary suppression) and, for each, the corners
of a hypercube of other cells (complementary suppression), so that no withheld count can
be worked out from what is shown, by any subtraction along any dimension.

The method is the hypercube method of tau-ARGUS (Repsilber's GHMITER; Giessing and
Repsilber, "Tools and strategies to protect multiple tables with the GHQUAR cell
suppression engine", 2002): each small cell becomes a corner of a hypercube, one null
vector per dimension (the cell's node and a sibling, or the node and its ancestors, with
the children their relations need), every corner withheld. The signed corners are a
null vector of every additive relation, so each corner's value can move up or down
without changing any shown figure: it is not determined by any combination of the
relations. Every relation then has no withheld member or at least two.

Choosing the hypercube, per dimension: the candidate that costs least on the cell's own
line (a sibling already withheld or never printed costs nothing, else the smallest
non-zero shown sibling, else the parent), combined across dimensions in order of rank,
taking the first combination whose every corner is at least 1 (each corner can then
move by 1 either way, so bounds pin nothing down either); failing that, one whose zeros
all lie on corners of one sign (each corner can still move by 1 one way: a value is
never pinned down, though one of its bounds may be its value); failing that, the
fallback: the cell's ancestors on every axis down to one non-empty finest cell, whose
corners are never empty. Zeros are shown unless a hypercube needs one as a corner.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from dashboard.privacy.hierarchy import Chooser, Hierarchy, Vector

Counts = np.ndarray[Any, np.dtype[np.int64]]
Mask = np.ndarray[Any, np.dtype[np.bool_]]
#: Candidate combinations tried per small cell before the always-safe fallback.
COMBINATIONS = 64
#: Stop at the first combination whose every corner is at least 1 (trying more saved
#: under 1% of the withheld cells on the demo and at 10,000 episodes, at twice the time).
GOOD_ENOUGH = 1
#: Once a one-way hypercube is found, stop after this many combinations.
PATIENCE = 16
#: Siblings tried per node (the cheapest on the cell's own line).
SIBLINGS = 3


class SuppressionError(RuntimeError):
    """A withheld cell could still be derived (never expected: the page shows nothing)."""


def primary(counts: Counts, axes: Sequence[Hierarchy], *, threshold: int) -> Mask:
    """Cells of a protected node on every axis with a count from 1 to ``threshold - 1``.

    Examples
    --------
    >>> from dashboard.privacy.cube import CubeSpec, Dimension, Split, build_cube
    >>> import polars as pl
    >>> frame = pl.DataFrame({"site": ["A"] * 12 + ["B"] * 3, "done": [True] * 15})
    >>> spec = CubeSpec("episodes", (Dimension("site", ("site",)),),
    ...                 (Split.binary("done", parent="episodes", column="done"),))
    >>> cube = build_cube(frame, spec)
    >>> primary(cube.counts, cube.axes, threshold=11)[:, 0].tolist()  # A, B, All
    [False, True, False]
    """
    protected = _outer(axes, lambda axis: np.array(axis.protected, dtype=bool))
    return protected & (counts >= 1) & (counts < threshold)


def suppress(counts: Counts, axes: Sequence[Hierarchy], *, threshold: int) -> Mask:
    """Every withheld cell: the small ones and their complements.

    Raises :class:`SuppressionError` if any additive relation is left with exactly one
    withheld member (a check; the method never leaves one).

    Examples
    --------
    >>> from dashboard.privacy.cube import CubeSpec, Dimension, build_cube
    >>> import polars as pl
    >>> frame = pl.DataFrame({"site": ["A"] * 12 + ["B"] * 3 + ["C"] * 20})
    >>> cube = build_cube(frame, CubeSpec("episodes", (Dimension("site", ("site",)),)))
    >>> withheld = suppress(cube.counts, cube.axes, threshold=11)
    >>> [cube.axes[0].labels[i] for i in np.flatnonzero(withheld[:, 0])]  # B, smallest sibling
    ['A', 'B']
    """
    small = primary(counts, axes, threshold=threshold)
    withheld = small.copy()
    covered = np.zeros_like(small)
    shown = _outer(axes, lambda axis: np.array(axis.shown, dtype=bool))
    fixed: dict[tuple[int, int], list[Vector]] = {}  # vectors that need no data to build
    for cell in _in_order(small, axes):
        if covered[cell]:
            continue
        supports = _hypercube(cell, counts, axes, withheld, shown, fixed)
        corners = np.ix_(*supports)
        withheld[corners] = True
        covered[corners] = True
    check(withheld, axes)
    return withheld


def check(withheld: Mask, axes: Sequence[Hierarchy]) -> None:
    """Fail if some relation (parent and children along one axis) has one withheld member."""
    for position, axis in enumerate(axes):
        moved = np.moveaxis(withheld, position, 0)
        for parent, children in axis.relations():
            members = moved[[parent, *children]].sum(axis=0)
            if (members == 1).any():
                msg = f"a withheld {axis.name} cell could be derived from its relation"
                raise SuppressionError(msg)


def _outer(axes: Sequence[Hierarchy], vector: Any) -> Mask:
    result = np.ones(tuple(len(a) for a in axes), dtype=bool)
    for position, axis in enumerate(axes):
        shape = [1] * len(axes)
        shape[position] = len(axis)
        result &= vector(axis).reshape(shape)
    return result


def _in_order(small: Mask, axes: Sequence[Hierarchy]) -> list[tuple[int, ...]]:
    """Small cells, the most aggregated first (their hypercubes often cover finer ones)."""
    found = np.argwhere(small)
    inner = [np.array([bool(s) for s in axis.splits], dtype=np.int64) for axis in axes]
    depth = np.zeros(len(found), dtype=np.int64)
    for a in range(len(axes)):
        depth += inner[a][found[:, a]]
    order = np.lexsort([*(found[:, a] for a in reversed(range(len(axes)))), -depth])
    return [tuple(int(i) for i in found[o]) for o in order]


def _hypercube(
    cell: tuple[int, ...],
    counts: Counts,
    axes: Sequence[Hierarchy],
    withheld: Mask,
    shown: Mask,
    fixed: dict[tuple[int, int], list[Vector]],
) -> list[list[int]]:
    """The nodes per axis of the hypercube chosen for one small cell.

    Combinations of each axis's best vectors are tried in order of their ranks. A
    combination whose every corner is at least 1 lets each corner move 1 either way; one
    with zeros among the corners of one sign only still moves every corner one way (the
    cell's value is not pinned down, but one of its bounds is its value): taken only when
    no combination of the first kind is found. Among those found, the cheapest (the
    shown counts it newly withholds) wins.
    """
    ranked = [
        _ranked_vectors(cell, position, counts, axes[position], withheld, shown, fixed)
        for position in range(len(axes))
    ]
    costly = shown & ~withheld
    size = len(axes)
    meshes = [  # each vector's nodes and signs, shaped to broadcast along its own axis
        [
            (
                np.array([n for n, _ in v], dtype=np.intp).reshape(_along(a, len(v), size)),
                np.array([s for _, s in v], dtype=np.int64).reshape(_along(a, len(v), size)),
            )
            for v in ranked[a][:4]
        ]
        for a in range(size)
    ]
    best: tuple[tuple[int, int], list[list[int]]] | None = None
    found = 0
    for tried, combo in enumerate(_combinations(tuple(len(m) for m in meshes))):
        if best is not None and tried >= PATIENCE:
            break  # a one-way hypercube is at hand: stop looking for a two-way one
        chosen = [meshes[a][i] for a, i in enumerate(combo)]
        corners = tuple(nodes for nodes, _ in chosen)
        values = counts[corners]
        empty = values < 1
        both_ways = not empty.any()
        if not both_ways:
            signs = functools.reduce(np.multiply, (s for _, s in chosen))
            if (empty & (signs > 0)).any() and (empty & (signs < 0)).any():
                continue  # zeros on both sides: the corners could not move at all
        score = (0 if both_ways else 1, int((values * costly[corners]).sum()))
        if best is None or score < best[0]:
            best = (score, [nodes.ravel().tolist() for nodes in corners])
        found += both_ways
        if found >= GOOD_ENOUGH:
            break
    return best[1] if best is not None else _fallback(cell, counts, axes)


def _along(axis: int, length: int, size: int) -> list[int]:
    """The shape of a vector of ``length`` laid along ``axis`` of ``size`` axes."""
    return [length if a == axis else 1 for a in range(size)]


@functools.cache
def _combinations(depths: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Index combinations of the axes' ranked vectors, best ranks first."""
    combos = itertools.product(*(range(d) for d in depths))
    return sorted(combos, key=lambda c: (sum(c), c))[:COMBINATIONS]


def _ranked_vectors(
    cell: tuple[int, ...],
    position: int,
    counts: Counts,
    axis: Hierarchy,
    withheld: Mask,
    shown: Mask,
    fixed: dict[tuple[int, int], list[Vector]],
) -> list[Vector]:
    """One axis's null vectors through the cell, best first, judged on the cell's line."""
    line = tuple(slice(None) if a == position else n for a, n in enumerate(cell))
    values: list[int] = counts[line].tolist()
    already: list[bool] = withheld[line].tolist()
    cost = [
        v if s and not w else 0
        for v, s, w in zip(values, shown[line].tolist(), already, strict=True)
    ]

    def cheapest(children: tuple[int, ...], _sign: int) -> int:
        usable = [c for c in children if values[c] >= 1] or list(children)
        return min(usable, key=lambda c: (cost[c], not already[c], c))

    def largest(children: tuple[int, ...], _sign: int) -> int:
        return max(children, key=lambda c: (values[c], -c))

    def best_siblings(siblings: tuple[int, ...]) -> list[int]:
        return sorted(siblings, key=lambda c: (values[c] < 1, cost[c], c))[:SIBLINGS]

    node = cell[position]
    if (position, node) in fixed:  # the same whatever the data: every sibling, ranked below
        vectors = fixed[(position, node)]
    else:
        asked = []

        def ask(choose: Chooser) -> Chooser:
            def chosen(children: tuple[int, ...], sign: int) -> int:
                asked.append(True)
                return choose(children, sign)

            return chosen

        vectors = axis.vectors(node, [ask(cheapest), ask(largest)], siblings=best_siblings)
        if not asked:  # no down-tree to choose: cache them all, whatever the siblings' counts
            fixed[(position, node)] = vectors = axis.vectors(node, [cheapest])

    def score(vector: Vector) -> tuple[bool, int, int]:
        zero = False
        total = 0
        for n, _ in vector:
            zero = zero or values[n] < 1
            total += cost[n]
        return (zero, total - cost[node], len(vector))

    return sorted(vectors, key=score)


def _fallback(cell: tuple[int, ...], counts: Counts, axes: Sequence[Hierarchy]) -> list[list[int]]:
    """A hypercube that always exists with every corner at least 1: on each grouping axis
    the cell's node, its ancestors and the path down to one finest cell with members; on
    the population axis the ancestors, with down-trees chosen non-empty in that finest cell."""
    *groupings, population = cell
    leaves = [axes[a].leaves_under(n) for a, n in enumerate(groupings)]
    block = counts[np.ix_(*leaves, [population])][..., 0]
    finest = np.unravel_index(int(np.argmax(block)), block.shape)
    leaf = [leaves[a][int(i)] for a, i in enumerate(finest)]
    supports = [
        [n, *axes[a].ancestors(n), *axes[a].path_down(n, leaf[a])] for a, n in enumerate(groupings)
    ]
    values = counts[tuple(leaf)]  # every population of that finest cell

    def largest(children: tuple[int, ...], _sign: int) -> int:
        return max(children, key=lambda c: (int(values[c]), -c))

    vector = axes[-1].chain_vector([population, *axes[-1].ancestors(population)], largest)
    supports.append(list(dict.fromkeys(n for n, _ in vector)))
    if counts[np.ix_(*supports)].min() < 1:  # cannot happen: every corner holds the finest cell
        msg = "no hypercube with non-empty corners"
        raise SuppressionError(msg)
    return supports
