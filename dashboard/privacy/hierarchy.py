"""One dimension of the cube as a hierarchy: every node's count is the sum of its children's
in each of its splits (a year = its quarters; all sites = each site; episodes = completed +
not completed, and also = paired + not paired).

These additive relations are what an attacker subtracts along. A *null vector* of a
dimension is a signed set of nodes that leaves every relation unchanged: adding ``t`` to
each ``+`` node and taking ``t`` from each ``-`` node keeps every parent equal to the sum
of its children. The product of one null vector per dimension is a null vector of the
whole cube (a hypercube), so cells withheld as such a hypercube cannot be worked out from
everything else that is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: A null vector of one dimension: (node, sign) pairs, sign +1 or -1.
Vector = tuple[tuple[int, int], ...]
#: Picks one child of ``children`` for a vector's down-tree (sign given): the caller
#: looks at the data.
Chooser = Callable[[tuple[int, ...], int], int]


@dataclass(frozen=True)
class Hierarchy:
    """The nodes of one dimension and how they add up.

    Parameters
    ----------
    name
        The dimension's name (a column of the released tables).
    labels
        Each node's label, by node number.
    levels
        Each node's level name (``"quarter"``, ``"year"``, ``"all"``; a population's
        level is ``"population"``).
    parents
        Each node's parent, -1 for a root.
    splits
        Each node's splits: tuples of children whose counts add up to the node's.
    protected
        Whether a small count of this node is secret (primary suppression).
    shown
        Whether the node is ever printed (withholding a never-printed node costs nothing).
    """

    name: str
    labels: tuple[str, ...]
    levels: tuple[str, ...]
    parents: tuple[int, ...]
    splits: tuple[tuple[tuple[int, ...], ...], ...]
    protected: tuple[bool, ...]
    shown: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def siblings(self, node: int) -> tuple[int, ...]:
        """The other children of the split that ``node`` belongs to."""
        parent = self.parents[node]
        if parent < 0:
            return ()
        split = next(s for s in self.splits[parent] if node in s)
        return tuple(n for n in split if n != node)

    def ancestors(self, node: int) -> tuple[int, ...]:
        """The node's parent, grandparent, ... up to its root."""
        found = []
        while self.parents[node] >= 0:
            node = self.parents[node]
            found.append(node)
        return tuple(found)

    def down_tree(self, node: int, sign: int, choose: Chooser) -> list[tuple[int, int]]:
        """One chosen child in each split of ``node``, then of each chosen child, and so on:
        what a vector holding ``node`` needs so that the node's own relations still add up."""
        found: list[tuple[int, int]] = []
        for split in self.splits[node]:
            child = choose(split, sign)
            found.append((child, sign))
            found.extend(self.down_tree(child, sign, choose))
        return found

    def chain_vector(self, chain: Sequence[int], choose: Chooser) -> list[tuple[int, int]]:
        """``chain[0]`` and its ancestors ``chain[1:]`` up by the same amount; each ancestor's
        other splits take it up in one chosen child each, and ``chain[0]``'s own splits too."""
        node = chain[0]
        vector = [(node, 1), *self.down_tree(node, 1, choose)]
        below = node
        for ancestor in chain[1:]:
            vector.append((ancestor, 1))
            for split in self.splits[ancestor]:
                if below in split:
                    continue
                child = choose(split, 1)
                vector.extend([(child, 1), *self.down_tree(child, 1, choose)])
            below = ancestor
        return vector

    def vectors(
        self,
        node: int,
        choosers: Sequence[Chooser],
        *,
        siblings: Callable[[tuple[int, ...]], Sequence[int]] = tuple,
    ) -> list[Vector]:
        """Null vectors through ``node``: the node and its first ``k`` ancestors up, a sibling
        of the highest of them down (``k = 0``: a sibling of the node itself); or the node
        and every ancestor up to its root. Down-trees chosen by each chooser; no repeats.
        ``siblings`` picks which siblings to try (all by default).

        Examples
        --------
        >>> # all (2) = A (0) + B (1)
        >>> sites = Hierarchy("site", ("A", "B", "All"), ("site", "site", "all"), (2, 2, -1),
        ...                   ((), (), ((0, 1),)), (True,) * 3, (True,) * 3)
        >>> sites.vectors(0, [lambda children, sign: children[0]])
        [((0, 1), (1, -1)), ((0, 1), (2, 1))]
        """
        found: dict[frozenset[tuple[int, int]], Vector] = {}
        chain = [node, *self.ancestors(node)]
        for choose in choosers:
            for k, top in enumerate(chain):
                base = self.chain_vector(chain[: k + 1], choose)
                for sibling in siblings(self.siblings(top)):
                    vector = (*base, (sibling, -1), *self.down_tree(sibling, -1, choose))
                    found.setdefault(frozenset(vector), vector)
                if self.parents[top] < 0:
                    found.setdefault(frozenset(base), tuple(base))
        return list(found.values())

    def relations(self) -> list[tuple[int, tuple[int, ...]]]:
        """Every (parent, children) relation of this dimension."""
        return [(node, split) for node, splits in enumerate(self.splits) for split in splits]

    def leaves_under(self, node: int) -> list[int]:
        """The finest nodes under ``node`` (itself if it has no children), following the
        first split of each node (any split covers the same members)."""
        if not self.splits[node]:
            return [node]
        return [leaf for child in self.splits[node][0] for leaf in self.leaves_under(child)]

    def path_down(self, node: int, leaf: int) -> list[int]:
        """The nodes strictly between ``node`` and ``leaf`` below it, and ``leaf``
        (empty when ``leaf`` is ``node``), following the first split."""
        path = []
        while leaf != node:
            path.append(leaf)
            leaf = self.parents[leaf]
            if leaf < 0:
                msg = "the leaf is not under the node"
                raise ValueError(msg)
        return path[::-1]

    def nodes_at(self, level: str) -> list[int]:
        """The nodes of one level, in order."""
        return [n for n, lv in enumerate(self.levels) if lv == level]

    def level_names(self) -> list[str]:
        """The level names, finest first."""
        return list(dict.fromkeys(self.levels))
