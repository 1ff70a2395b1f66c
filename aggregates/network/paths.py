"""Shortest paths in bulk on an undirected link graph, with sums along the paths.

One Dijkstra run from many sources at once (``scipy.sparse.csgraph``) gives the
cheapest path trees; any other link attribute (km, hours, ...) is then summed
along every tree path at once by pointer doubling, in O(log depth) numpy steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

NO_PRED = -9999  # what scipy writes for "no predecessor"


@dataclass(frozen=True)
class LinkGraph:
    """An undirected graph with one chosen link per node pair.

    Parameters
    ----------
    n
        Number of nodes.
    u, v
        Node indices of each link (one direction; both are used).
    weight
        What paths minimise (e.g. yuan per tonne). Parallel links keep the
        one of least weight.
    attrs
        Other per-link values to sum along paths (e.g. ``km``, ``hours``).
    link_index
        Position of each kept link in the caller's link table.
    """

    n: int
    u: np.ndarray
    v: np.ndarray
    weight: np.ndarray
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    link_index: np.ndarray | None = None

    @classmethod
    def build(cls, n: int, u, v, weight, attrs: dict | None = None) -> LinkGraph:
        """Keep, for each unordered node pair, the link of least weight."""
        u, v, weight = np.asarray(u, int), np.asarray(v, int), np.asarray(weight, float)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        order = np.lexsort((weight, hi, lo))
        keep = order[np.r_[True, (np.diff(lo[order]) != 0) | (np.diff(hi[order]) != 0)]]
        keep = np.sort(keep)
        attrs = {k: np.asarray(a, float)[keep] for k, a in (attrs or {}).items()}
        return cls(n, u[keep], v[keep], weight[keep], attrs, keep)

    def csr(self) -> csr_matrix:
        # Zero weights would vanish from a sparse matrix; a tiny epsilon keeps the link.
        w = np.maximum(self.weight, 1e-12)
        rows = np.r_[self.u, self.v]
        cols = np.r_[self.v, self.u]
        return csr_matrix((np.r_[w, w], (rows, cols)), shape=(self.n, self.n))

    def _keys(self) -> tuple[np.ndarray, np.ndarray]:
        keys = np.r_[self.u * self.n + self.v, self.v * self.n + self.u]
        order = np.argsort(keys)
        link = np.r_[np.arange(len(self.u)), np.arange(len(self.u))]
        return keys[order], link[order]

    def link_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Position (in this graph) of the link joining each a[i]-b[i]; -1 where none."""
        keys, link = self._keys()
        want = np.asarray(a, int) * self.n + np.asarray(b, int)
        pos = np.clip(np.searchsorted(keys, want), 0, len(keys) - 1)
        found = (len(keys) > 0) & (keys[pos] == want) & (np.asarray(a) >= 0)
        return np.where(found, link[pos], -1)


@dataclass(frozen=True)
class Trees:
    """Shortest-path trees from several sources: ``dist`` and ``pred`` are [source, node]."""

    sources: np.ndarray
    dist: np.ndarray
    pred: np.ndarray


def shortest_trees(graph: LinkGraph, sources) -> Trees:
    """Cheapest-path trees from every source at once.

    Parameters
    ----------
    graph
        The link graph.
    sources
        Node indices to start from.
    """
    sources = np.asarray(sources, int)
    if len(sources) == 0:
        empty = np.zeros((0, graph.n))
        return Trees(sources, empty, empty.astype(int))
    dist, pred = dijkstra(graph.csr(), directed=False, indices=sources, return_predecessors=True)
    return Trees(sources, np.atleast_2d(dist), np.atleast_2d(pred))


def path_sums(graph: LinkGraph, trees: Trees, attr: str) -> np.ndarray:
    """Sum of a link attribute along every tree path: array [source, node].

    Unreachable nodes get NaN; each source gets 0.
    """
    pred = trees.pred
    rows = np.arange(pred.shape[0])[:, None]
    nodes = np.broadcast_to(np.arange(graph.n), pred.shape)
    link = graph.link_of(pred.ravel(), nodes.ravel()).reshape(pred.shape)
    total = np.where(link >= 0, graph.attrs[attr][np.maximum(link, 0)], 0.0)
    jump = np.where(pred >= 0, pred, nodes)
    while True:
        nxt = jump[rows, jump]
        total = total + np.where(jump != nodes, total[rows, jump], 0.0)
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    return np.where(np.isfinite(trees.dist), total, np.nan)


def walk(trees: Trees, row: int, target: int) -> list[int]:
    """Node sequence from the tree's source to ``target`` (empty if unreachable)."""
    if not np.isfinite(trees.dist[row, target]):
        return []
    path = [int(target)]
    while trees.pred[row, path[-1]] >= 0:
        path.append(int(trees.pred[row, path[-1]]))
    return path[::-1]
