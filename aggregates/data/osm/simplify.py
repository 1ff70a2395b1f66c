"""The road network from OSM way segments, on arrays: largest component, degree-2 chains merged, direction kept.

This does on numpy arrays what ``osmnx.simplify_graph`` did on the two-way
graph before (same rules, same result on the shipped fixtures):

- a node is an *endpoint* unless it has exactly two segments, to two different
  neighbours, whose ways agree on ``highway``, ``ref`` and ``toll`` (a way
  segment counts once, whatever its direction);
- the segments between two endpoints through non-endpoints make one link; a
  chain that comes back to its start is dropped (a self-loop), and a component
  without any endpoint (a lone ring) is dropped too;
- between the same two nodes only the shortest link is kept.

Direction is carried, not used for the topology: a link is one-way when every
segment of it is one-way the same way round; parallel links between the same
two nodes pool their directions (a dual carriageway mapped as two one-way ways
is one two-way link). A chain whose one-way segments contradict each other (a
mapping error) is kept two-way rather than cutting the road.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from aggregates.data.osm.arrays import BACKWARD, BOTH, FORWARD, OsmWays
from aggregates.errors import RegionError

LOGGER = logging.getLogger("aggregates.data.osm")

EARTH_RADIUS_M = 6_371_009  # the radius osmnx uses for great-circle lengths


@dataclass(frozen=True)
class Dropped:
    """What was dropped when keeping the largest connected component."""

    components: int
    nodes: int
    km: float


@dataclass(frozen=True)
class RoadArrays:
    """The simplified road network, one row per road node and per road link.

    Attributes
    ----------
    nodes
        int64 [N]: the road nodes (indexes into the ways' ``node_id``), ascending.
    lo, hi
        int64 [L]: each link's end nodes (indexes into the ways' ``node_id``), ``lo < hi``.
    length_m
        float64 [L]: great-circle length along the link, metres.
    way
        int64 [L]: a way of the link (all its ways share ``highway``, ``ref`` and ``toll``).
    path_ptr, path
        The nodes along each link from ``lo`` to ``hi``:
        ``path[path_ptr[i]:path_ptr[i + 1]]`` (CSR layout).
    names
        object [L]: the distinct ``name`` values of the link's ways, ``;``-joined sorted, or None.
    oneway
        int8 [L]: ``0`` both ways, ``1`` only ``lo`` to ``hi``, ``-1`` only ``hi`` to ``lo``.
    """

    nodes: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    length_m: np.ndarray
    way: np.ndarray
    path_ptr: np.ndarray
    path: np.ndarray
    names: np.ndarray
    oneway: np.ndarray


def great_circle_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distance in metres, computed exactly as osmnx computes edge lengths."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    delta_x = np.deg2rad(lon2) - np.deg2rad(lon1)
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(delta_x / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.minimum(1, h))) * EARTH_RADIUS_M


def road_arrays(ways: OsmWays, highways: tuple[str, ...]) -> tuple[RoadArrays, Dropped]:
    """Keep the largest connected component of the ways and merge degree-2 chains.

    Parameters
    ----------
    ways
        The kept highway ways.
    highways
        The highway filter (named in the error message).

    Returns
    -------
    roads, dropped
        The simplified network and what the largest-component cut removed.

    Raises
    ------
    RegionError
        When there is no segment at all.
    """
    seg = _unique_segments(ways)
    if len(seg.u) == 0:
        raise RegionError(
            f"the OSM data holds no road of the classes {sorted(highways)}; "
            "check the extract covers the region and the highway filter"
        )
    length = great_circle_m(ways.lat[seg.u], ways.lon[seg.u], ways.lat[seg.v], ways.lon[seg.v])
    keep, dropped = _largest_component(len(ways.node_id), seg, length)
    seg, length = seg.take(keep), length[keep]
    ptr, inc = _incidence(len(ways.node_id), seg)
    endpoint = _endpoints(seg, _split_codes(ways, seg.way), ptr, inc)
    return _links(ways, seg, length, endpoint, ptr, inc), dropped


@dataclass(frozen=True)
class _Segments:
    u: np.ndarray
    v: np.ndarray
    way: np.ndarray
    dir: np.ndarray

    def take(self, index: np.ndarray) -> _Segments:
        return _Segments(self.u[index], self.v[index], self.way[index], self.dir[index])


def _unique_segments(ways: OsmWays) -> _Segments:
    """One segment per node pair and way (a way running over a pair twice counts once)."""
    lo, hi = np.minimum(ways.seg_u, ways.seg_v), np.maximum(ways.seg_u, ways.seg_v)
    order = np.lexsort((ways.seg_way, hi, lo))
    key = np.stack([lo[order], hi[order], ways.seg_way[order]])
    first = np.ones(len(order), dtype=bool)
    first[1:] = (key[:, 1:] != key[:, :-1]).any(axis=0)
    kept = np.sort(order[first])
    return _Segments(ways.seg_u[kept], ways.seg_v[kept], ways.seg_way[kept], ways.seg_dir[kept])


def _largest_component(n: int, seg: _Segments, length: np.ndarray) -> tuple[np.ndarray, Dropped]:
    """Segments of the largest component (ties: the one with the lowest node id) and what the rest held."""
    graph = coo_matrix((np.ones(len(seg.u), dtype=np.int8), (seg.u, seg.v)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    used = np.zeros(n, dtype=bool)
    used[seg.u] = used[seg.v] = True
    labels, first, size = np.unique(label[used], return_index=True, return_counts=True)
    best = labels[np.lexsort((first, -size))[0]]
    keep = label[seg.u] == best
    dropped = Dropped(
        components=len(labels) - 1,
        nodes=int(used.sum() - size[labels == best][0]),
        km=float(length[~keep].sum()) / 1000.0,
    )
    return keep, dropped


def _split_codes(ways: OsmWays, seg_way: np.ndarray) -> np.ndarray:
    """Per segment, one integer per tag that splits links (highway, ref, toll); equal ints, equal tags."""
    columns = [pd.factorize(values, use_na_sentinel=True)[0][seg_way] for values in (ways.highway, ways.ref, ways.toll)]
    return np.stack(columns, axis=1)


def _incidence(n: int, seg: _Segments) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the segments at each node: ``inc[ptr[k]:ptr[k + 1]]``, by segment index."""
    ends = np.concatenate([seg.u, seg.v])
    order = np.argsort(ends, kind="stable")
    inc = np.concatenate([np.arange(len(seg.u)), np.arange(len(seg.u))])[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
    return ptr, inc


def _endpoints(seg: _Segments, codes: np.ndarray, ptr: np.ndarray, inc: np.ndarray) -> np.ndarray:
    """Whether each node ends links (osmnx's rules on the two-way graph; see the module docstring)."""
    degree = np.diff(ptr)
    endpoint = degree != 2
    two = np.flatnonzero(degree == 2)
    a, b = inc[ptr[two]], inc[ptr[two] + 1]
    other_a = np.where(seg.u[a] == two, seg.v[a], seg.u[a])
    other_b = np.where(seg.u[b] == two, seg.v[b], seg.u[b])
    endpoint[two] = (other_a == other_b) | (codes[a] != codes[b]).any(axis=1)
    endpoint[degree == 0] = False
    return endpoint


def _links(
    ways: OsmWays, seg: _Segments, length: np.ndarray, endpoint: np.ndarray, ptr: np.ndarray, inc: np.ndarray
) -> RoadArrays:
    lo, hi, steps, step_ptr, forward = _walk_chains(ptr, inc, seg, endpoint)
    link_len = _sums(length[steps], step_ptr)
    step_way = seg.way[steps]
    pick, group = _shortest_per_pair(lo, hi, link_len, lambda links: _tie_keys(ways.way_id[step_way], step_ptr, links))
    oneway = _directions(np.where(forward, seg.dir[steps], -seg.dir[steps]), step_ptr, group, len(pick))
    path_ptr, path = _paths(seg, steps, step_ptr, forward, lo, pick)
    return RoadArrays(
        nodes=np.flatnonzero(endpoint),
        lo=lo[pick],
        hi=hi[pick],
        length_m=link_len[pick],
        way=step_way[step_ptr[:-1][pick]],
        path_ptr=path_ptr,
        path=path,
        names=_link_names(ways, step_way, step_ptr, pick),
        oneway=oneway,
    )


def _directions(along: np.ndarray, step_ptr: np.ndarray, group: np.ndarray, count: int) -> np.ndarray:
    """Per node pair: 0 both ways, 1 lo to hi only, -1 back only, from the steps' directions along each link."""
    if count == 0:
        return np.zeros(0, np.int8)
    can_go = np.logical_and.reduceat(along != BACKWARD, step_ptr[:-1])
    can_back = np.logical_and.reduceat(along != FORWARD, step_ptr[:-1])
    contradicted = ~(can_go | can_back)
    if contradicted.any():
        LOGGER.info("%d OSM link(s) with contradictory one-way tags kept two-way", int(contradicted.sum()))
    go = np.zeros(count, bool)
    back = np.zeros(count, bool)
    np.logical_or.at(go, group, can_go | contradicted)
    np.logical_or.at(back, group, can_back | contradicted)
    return np.where(go & back, BOTH, np.where(go, FORWARD, BACKWARD)).astype(np.int8)


def _walk_chains(
    ptr: np.ndarray, inc: np.ndarray, seg: _Segments, endpoint: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Follow every chain from its lower endpoint; drop self-loops and endpoint-free rings.

    Returns
    -------
    lo, hi, steps, step_ptr, forward
        Per link its end nodes; the segments along it in order (CSR by link), and per
        step whether the segment is walked from its ``u`` to its ``v``.
    """
    u_list, v_list = seg.u.tolist(), seg.v.tolist()
    ptr_list, inc_list = ptr.tolist(), inc.tolist()
    is_end = endpoint.tolist()
    used = bytearray(len(u_list))
    lo: list[int] = []
    hi: list[int] = []
    steps: list[int] = []
    step_ptr = [0]
    forward: list[bool] = []
    for start in np.flatnonzero(endpoint).tolist():
        for k in range(ptr_list[start], ptr_list[start + 1]):
            s = inc_list[k]
            if used[s]:
                continue
            mark = len(steps)
            node = start
            while True:
                used[s] = 1
                steps.append(s)
                ahead = u_list[s] == node
                forward.append(ahead)
                node = v_list[s] if ahead else u_list[s]
                if is_end[node]:
                    break
                a = ptr_list[node]
                s = inc_list[a] if inc_list[a] != s else inc_list[a + 1]
            if node == start:  # a loop back to its start: osmnx makes it a self-loop, which is no link
                del steps[mark:], forward[mark:]
                continue
            lo.append(start)
            hi.append(node)
            step_ptr.append(len(steps))
    return (
        np.array(lo, dtype=np.int64),
        np.array(hi, dtype=np.int64),
        np.array(steps, dtype=np.int64),
        np.array(step_ptr, dtype=np.int64),
        np.array(forward, dtype=bool),
    )


def _sums(values: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Sum of ``values[ptr[i]:ptr[i + 1]]`` for each i, left to right (as osmnx sums a path)."""
    if len(ptr) < 2:
        return np.zeros(0)
    return np.add.reduceat(values, ptr[:-1]) if len(values) else np.zeros(len(ptr) - 1)


def _tie_keys(step_way_id: np.ndarray, step_ptr: np.ndarray, links: np.ndarray) -> list[str]:
    """The way id(s) of ``links`` as text, osmnx's last tie-break between parallel links of equal length."""
    keys = []
    for link in links.tolist():
        distinct = sorted(set(step_way_id[step_ptr[link] : step_ptr[link + 1]].tolist()))
        keys.append(str(distinct[0]) if len(distinct) == 1 else str(distinct))
    return keys


def _link_names(ways: OsmWays, step_way: np.ndarray, step_ptr: np.ndarray, links: np.ndarray) -> np.ndarray:
    """Per link of ``links``, its ways' distinct non-empty names, sorted and ``;``-joined (None without any)."""
    names = np.full(len(links), None, dtype=object)
    if len(links) == 0:
        return names
    clean = np.array([None if v is None or not str(v).strip() else str(v).strip() for v in ways.name], dtype=object)
    count = np.diff(step_ptr)[links]
    rank = np.repeat(np.arange(len(links)), count)
    steps = np.repeat(step_ptr[:-1][links] - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(int(count.sum()))
    way = step_way[steps]
    named = np.fromiter((v is not None for v in clean), dtype=bool, count=len(clean))[way]
    pairs = np.unique(rank[named] * len(clean) + way[named])
    link_of, way_of = pairs // len(clean), pairs % len(clean)
    single = (np.bincount(link_of, minlength=len(links)) == 1)[link_of]
    names[link_of[single]] = clean[way_of[single]]
    found: dict[int, set[str]] = {}
    for link, w in zip(link_of[~single].tolist(), way_of[~single].tolist(), strict=True):
        found.setdefault(link, set()).add(clean[w])
    for link, values in found.items():
        names[link] = ";".join(sorted(values))
    return names


def _shortest_per_pair(
    lo: np.ndarray, hi: np.ndarray, length: np.ndarray, tie_keys: Callable[[np.ndarray], list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """The shortest link of each node pair (ties: ``tie_keys``) and each link's pair group."""
    if len(lo) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((length, hi, lo))
    new = np.ones(len(order), dtype=bool)
    new[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
    group = np.empty(len(order), dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    shared = np.bincount(group)[group] > 1
    if shared.any():  # text tie-break, only where a pair has several links
        tie = np.full(len(lo), "", dtype=object)
        tie[shared] = tie_keys(np.flatnonzero(shared))
        order = np.lexsort((tie.astype(str), length, hi, lo))
    return order[new], group


def _paths(
    seg: _Segments, steps: np.ndarray, step_ptr: np.ndarray, forward: np.ndarray, lo: np.ndarray, pick: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nodes along the picked links (CSR): the start node, then the far end of every step."""
    far = np.where(forward, seg.v[steps], seg.u[steps])
    count = np.diff(step_ptr)[pick]
    path_ptr = np.zeros(len(pick) + 1, dtype=np.int64)
    np.cumsum(count + 1, out=path_ptr[1:])
    path = np.empty(int(path_ptr[-1]), dtype=np.int64)
    path[path_ptr[:-1]] = lo[pick]
    starts = step_ptr[pick]
    index = np.repeat(starts - path_ptr[:-1] - 1, count) + np.arange(int(path_ptr[-1]))[_not_first(path_ptr)]
    path[_not_first(path_ptr)] = far[index]
    return path_ptr, path


def _not_first(path_ptr: np.ndarray) -> np.ndarray:
    mask = np.ones(int(path_ptr[-1]), dtype=bool)
    mask[path_ptr[:-1]] = False
    return mask
