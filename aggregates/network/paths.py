"""Shortest paths in bulk on a link graph, with sums along the paths.

The graph is undirected unless some links are one-way; then it is directed, and
:func:`round_trip_sums` pairs each loaded run with its empty return, the cheapest path
back from the target to the source.

One Dijkstra run from many sources at once (``scipy.sparse.csgraph``) gives the
cheapest path trees. Link attributes (km, hours, ...) are then summed along the
paths either to every node of every tree (:func:`path_sums`, by pointer doubling
in O(log depth) numpy steps) or, much cheaper on a large graph, to a few targets
only (:func:`target_sums`: each distinct source's Dijkstra once, in blocks of
sources so the full trees are freed early, and a walk back from all targets at
once through the predecessors).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from scipy.sparse import csr_array, csr_matrix
from scipy.sparse.csgraph import dijkstra

NO_PRED = -9999  # what scipy writes for "no predecessor"
# Distances and predecessors of one block of Dijkstra sources take at most about this many bytes.
BLOCK_BYTES = 256 << 20


@dataclass(frozen=True)
class LinkGraph:
    """A graph with one chosen link per node pair: undirected, or directed when some links are one-way.

    Parameters
    ----------
    n
        Number of nodes.
    u, v
        Node indices of each link: undirected, one direction (both are used); directed, the
        link runs from ``u`` to ``v`` only.
    weight
        What paths minimise (e.g. yuan per tonne). Parallel links keep the
        one of least weight.
    attrs
        Other per-link values to sum along paths (e.g. ``km``, ``hours``).
    link_index
        Position of each kept link in the caller's link table (directed: a two-way link of the
        table appears twice, once per direction).
    directed
        Whether each link runs from ``u`` to ``v`` only.
    """

    n: int
    u: np.ndarray
    v: np.ndarray
    weight: np.ndarray
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    link_index: np.ndarray | None = None
    directed: bool = False

    @classmethod
    def build(cls, n: int, u, v, weight, attrs: dict | None = None, oneway=None) -> LinkGraph:
        """Keep, for each node pair, the link of least weight.

        Parameters
        ----------
        n, u, v, weight, attrs
            As the class's fields; one entry per link of the caller's table.
        oneway
            Per link: 0 both ways, 1 only from ``u`` to ``v``, -1 only from ``v`` to ``u``
            (None: all both ways). With no one-way link the graph is undirected, one link per
            unordered pair; with some, it is directed, one link per ordered pair.
        """
        u, v, weight = np.asarray(u, int), np.asarray(v, int), np.asarray(weight, float)
        attrs = {k: np.asarray(a, float) for k, a in (attrs or {}).items()}
        oneway = np.zeros(len(u), int) if oneway is None else np.asarray(oneway, int)
        if oneway.any():
            return cls._directed(n, u, v, weight, attrs, oneway)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        order = np.lexsort((weight, hi, lo))
        keep = order[np.r_[True, (np.diff(lo[order]) != 0) | (np.diff(hi[order]) != 0)]]
        keep = np.sort(keep)
        return cls(n, u[keep], v[keep], weight[keep], {k: a[keep] for k, a in attrs.items()}, keep)

    @classmethod
    def _directed(cls, n: int, u, v, weight, attrs: dict, oneway: np.ndarray) -> LinkGraph:
        """One arc per direction a link may be driven; per ordered node pair the arc of least weight."""
        forward = np.flatnonzero(oneway >= 0)
        backward = np.flatnonzero(oneway <= 0)
        row = np.r_[forward, backward]
        tail, head = np.r_[u[forward], v[backward]], np.r_[v[forward], u[backward]]
        order = np.lexsort((weight[row], head, tail))
        if len(order) == 0:
            return cls(n, tail, head, weight[row], {k: a[row] for k, a in attrs.items()}, row, True)
        first = np.r_[True, (np.diff(tail[order]) != 0) | (np.diff(head[order]) != 0)]
        keep = np.sort(order[first])
        taken = {k: a[row][keep] for k, a in attrs.items()}
        return cls(n, tail[keep], head[keep], weight[row][keep], taken, row[keep], True)

    def reversed(self) -> LinkGraph:
        """The same links driven the other way (itself when undirected)."""
        if not self.directed:
            return self
        return replace(self, u=self.v, v=self.u)

    def csr(self) -> csr_matrix:
        """The symmetric weight matrix that Dijkstra runs on (built once per graph)."""
        return self._csr

    @cached_property
    def _csr(self) -> csr_matrix:
        # Zero weights would vanish from a sparse matrix; a tiny epsilon keeps the link.
        w = np.maximum(self.weight, 1e-12)
        if self.directed:
            return csr_matrix((w, (self.u, self.v)), shape=(self.n, self.n))
        rows = np.r_[self.u, self.v]
        cols = np.r_[self.v, self.u]
        return csr_matrix((np.r_[w, w], (rows, cols)), shape=(self.n, self.n))

    @cached_property
    def _link_matrix(self) -> csr_array:
        """Link position + 1 at [node, predecessor] for every link (0: none); self-loops left out.

        Undirected, both [a, b] and [b, a]; directed, [v, u] only (a link reaches v from u).
        """
        keep = np.flatnonzero(self.u != self.v)
        if self.directed:
            return csr_array((keep + 1, (self.v[keep], self.u[keep])), shape=(self.n, self.n))
        link = np.r_[keep, keep] + 1
        rows = np.r_[self.u[keep], self.v[keep]]
        cols = np.r_[self.v[keep], self.u[keep]]
        return csr_array((link, (rows, cols)), shape=(self.n, self.n))

    @cached_property
    def _entry_rows(self) -> np.ndarray:
        """Row (node) of each entry of :attr:`_link_matrix`, in storage order."""
        return np.repeat(np.arange(self.n), np.diff(self._link_matrix.indptr))

    def _keys(self) -> tuple[np.ndarray, np.ndarray]:
        if self.directed:
            keys = self.u * self.n + self.v
            order = np.argsort(keys)
            return keys[order], order
        keys = np.r_[self.u * self.n + self.v, self.v * self.n + self.u]
        order = np.argsort(keys)
        link = np.r_[np.arange(len(self.u)), np.arange(len(self.u))]
        return keys[order], link[order]

    def link_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Position (in this graph) of the link joining each a[i]-b[i] (directed: from a[i] to b[i]); -1 where none."""
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
    dist, pred = dijkstra(graph.csr(), directed=graph.directed, indices=sources, return_predecessors=True)
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


@dataclass(frozen=True)
class PathTable:
    """Cheapest paths from sources to targets: ``dist`` and each ``sums[attr]`` are [source, target].

    Unreachable pairs have an infinite ``dist`` and NaN sums; a source's path to itself sums to 0.
    ``longer`` (from :func:`round_trip_sums`; else empty) holds, per attribute, the larger sum of
    the way out and the way back.
    """

    sources: np.ndarray
    targets: np.ndarray
    dist: np.ndarray
    sums: dict[str, np.ndarray]
    longer: dict[str, np.ndarray] = field(default_factory=dict)


def target_sums(
    graph: LinkGraph, sources, targets, attrs=("km", "hours"), *, block_bytes: int = BLOCK_BYTES
) -> PathTable:
    """Cheapest-path costs, and sums of link attributes along those paths, from sources to targets.

    The same numbers as :func:`shortest_trees` and :func:`path_sums` at ``[:, targets]``, bit for
    bit, at a fraction of the time and memory on a large graph: Dijkstra runs once per distinct
    source, a block of sources at a time; only the paths to the targets are walked (all targets
    at once, back through the predecessors), and each block's full trees are dropped as soon as
    its targets are read.

    Parameters
    ----------
    graph
        The link graph.
    sources, targets
        Node indices; repeats are computed once.
    attrs
        Names of the link attributes to sum.
    block_bytes
        About how many bytes one block of sources may take (distances, predecessors, links up).

    Returns
    -------
    PathTable
        Rows in the order of ``sources``, columns in that of ``targets``.

    Raises
    ------
    ValueError
        For a node index outside the graph.
    """
    sources, targets = np.asarray(sources, int), np.asarray(targets, int)
    outside = np.r_[sources, targets]
    outside = outside[(outside < 0) | (outside >= graph.n)]
    if len(outside):
        raise ValueError(f"node indices outside 0..{graph.n - 1}: {sorted(set(outside.tolist()))[:5]}")
    src, src_row = np.unique(sources, return_inverse=True)
    dst, dst_col = np.unique(targets, return_inverse=True)
    dist = np.full((len(src), len(dst)), np.inf)
    sums = np.zeros((len(src), len(dst), len(attrs)))
    values = np.column_stack([np.asarray(graph.attrs[a], float) for a in attrs] or [np.zeros((len(graph.u), 0))])
    block = max(1, block_bytes // (16 * max(graph.n, 1)))  # distances, predecessors, link entries
    for start in range(0, len(src) if len(dst) else 0, block):
        rows = slice(start, start + block)
        # Undirected, the matrix holds both directions of every link, so a directed run gives the
        # same trees, faster; directed, it holds the arcs only.
        d, pred = dijkstra(graph.csr(), directed=True, indices=src[rows], return_predecessors=True)
        dist[rows] = np.atleast_2d(d)[:, dst]
        del d
        pred = np.atleast_2d(pred)
        sums[rows] = _walk_back(pred, _up_links(graph, pred), values, dst)
        del pred
    sums = np.where(np.isfinite(dist)[:, :, None], sums, np.nan)
    pick = np.ix_(src_row, dst_col)
    return PathTable(sources, targets, dist[pick], {a: sums[:, :, k][pick] for k, a in enumerate(attrs)})


def round_trip_sums(
    graph: LinkGraph, sources, targets, attrs=("km", "hours"), *, block_bytes: int = BLOCK_BYTES
) -> PathTable:
    """The mean of the cheapest path from each source to each target and of the one back.

    A truck runs loaded out and empty back; the link weights price both (per loaded km, the
    empty return over the same distance), so a round trip costs the mean of the way out and
    the way back, and so with its km and hours. On an undirected graph both ways are the same
    path and this is :func:`target_sums`, bit for bit. On a directed one the way back is the
    cheapest path from the target to the source: a path from the source to the target on the
    reversed graph, so the same sources' Dijkstra runs serve it.

    Parameters
    ----------
    graph, sources, targets, attrs, block_bytes
        As :func:`target_sums`.

    Returns
    -------
    PathTable
        Means of both ways, and in ``longer`` the larger of the two; a pair with either way
        impossible has an infinite ``dist`` and NaN sums.
    """
    out = target_sums(graph, sources, targets, attrs, block_bytes=block_bytes)
    if not graph.directed:
        return replace(out, longer=out.sums)
    back = target_sums(graph.reversed(), sources, targets, attrs, block_bytes=block_bytes)
    sums = {a: (out.sums[a] + back.sums[a]) / 2.0 for a in attrs}
    longer = {a: np.maximum(out.sums[a], back.sums[a]) for a in attrs}
    return PathTable(out.sources, out.targets, (out.dist + back.dist) / 2.0, sums, longer)


def _up_links(graph: LinkGraph, pred: np.ndarray) -> np.ndarray:
    """For each [source, node], the link (position in the graph) that joins the node to its tree
    predecessor (0 at roots and unreached nodes: never read).

    One pass over the matrix's entries per source, in memory order: far cheaper than looking the
    links up one by one along the paths.
    """
    links, entry_row = graph._link_matrix, graph._entry_rows
    up = np.zeros(pred.shape, np.int32)
    for k, tree in enumerate(pred):
        # One link joins a node to its predecessor, and entries are in node order: the matches,
        # in order, are the links up from the nodes that have a predecessor.
        found = np.flatnonzero(links.indices == np.take(tree, entry_row))
        up[k][tree >= 0] = np.take(links.data, found) - 1
    return up


def _walk_back(pred: np.ndarray, up_link: np.ndarray, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Sums [source, target, attr] of link values along the tree paths, walked back from all targets at once.

    ``up_link`` is :func:`_up_links`; ``values`` [link, attr] the link values. The sums are grouped exactly as :func:`path_sums` groups them (blocks
    of 2**j links counted from the target, padded with zeros), so both give the same floats: each pair
    keeps the open blocks of a binary counter, and as every pair still walking has taken the same
    number of steps, the carries are the same for all of them.
    """
    n_src, n = pred.shape
    flat, up_flat = pred.ravel(), up_link.ravel()
    n_pairs, n_attrs = n_src * len(targets), values.shape[1]
    out = np.zeros((n_pairs, n_attrs))
    walk = _Walk(
        np.arange(n_pairs),
        np.repeat(np.arange(n_src) * n, len(targets)),
        np.tile(targets, n_src),
        np.zeros((max(1, int(n).bit_length() + 1), n_pairs, n_attrs)),
    )
    alive = np.ones(n_pairs, bool)
    step = 0
    while walk.pair.size:
        here = walk.at + walk.node
        up = np.take(flat, here)  # np.take: far faster than fancy indexing here
        ended = up < 0
        new = ended & alive
        if new.any():
            _fold(out, walk.slots, walk.pair[new], np.flatnonzero(new), step)
            alive &= ~ended
            if alive.sum() < 0.8 * alive.size:  # drop the finished pairs now and then, not at every step
                walk, alive, up, here = walk.keep(alive), alive[alive], up[alive], here[alive]
                if not walk.pair.size:
                    break
        carry = np.take(values, np.take(up_flat, here), axis=0)
        level, count = 0, step
        while count & 1:
            carry += walk.slots[level]
            level, count = level + 1, count >> 1
        walk.slots[level] = carry
        walk.node = np.maximum(up, 0)  # finished pairs not dropped yet walk on harmlessly
        step += 1
    return out.reshape(n_src, len(targets), n_attrs)


@dataclass
class _Walk:
    """Pairs still walking back: their position in the output, source row offset, node, open blocks."""

    pair: np.ndarray
    at: np.ndarray
    node: np.ndarray
    slots: np.ndarray  # [level, pair, attr]

    def keep(self, mask: np.ndarray) -> _Walk:
        return _Walk(self.pair[mask], self.at[mask], self.node[mask], self.slots[:, mask])


def _fold(out: np.ndarray, slots: np.ndarray, pairs: np.ndarray, rows: np.ndarray, steps: int) -> None:
    """Close the open blocks of pairs (output positions; rows of ``slots``) that took ``steps`` links."""
    total = None
    for level in (k for k in range(steps.bit_length()) if steps >> k & 1):
        # The later, shorter block is added to the earlier one, as pointer doubling does.
        block = slots[level, rows]
        total = block if total is None else block + total
    out[pairs] = 0.0 if total is None else total


def walk(trees: Trees, row: int, target: int) -> list[int]:
    """Node sequence from the tree's source to ``target`` (empty if unreachable)."""
    if not np.isfinite(trees.dist[row, target]):
        return []
    path = [int(target)]
    while trees.pred[row, path[-1]] >= 0:
        path.append(int(trees.pred[row, path[-1]]))
    return path[::-1]
