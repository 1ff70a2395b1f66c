"""The road layer's tables from the OSM graph: road nodes, road links and access links from every site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from aggregates.data.osm.graph import Dropped, highway_of, is_tolled, road_kind, road_name
from aggregates.data.osm.reading import is_named_place
from aggregates.errors import RegionError

OSM_SOURCE = "OpenStreetMap (ODbL)"

NODE_COLUMNS = ("id", "name_en", "name_zh", "province", "source")

ROAD_COLUMNS = (
    "id",
    "road",
    "from_node",
    "to_node",
    "kind",
    "length_km",
    "toll",
    "source",
)

WGS84 = "EPSG:4326"


def road_nodes_from_graph(
    graph: nx.MultiDiGraph,
    places: pd.DataFrame | None,
    *,
    province_of: Callable[[float, float], str],
    place_radius_km: float = 5.0,
) -> gpd.GeoDataFrame:
    """One road node per graph node, id ``r-osm-<osmid>``.

    Parameters
    ----------
    graph
        Simplified road graph.
    places
        Named places (columns lon, lat, name_en, name_zh), or None.
    province_of
        ``(lon, lat) -> province`` of a road node.
    place_radius_km
        Search radius for naming a node after a place, km.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``road_nodes`` table, sorted by id.
    """
    osmids = sorted(graph.nodes)
    lon = np.array([graph.nodes[n]["x"] for n in osmids], dtype=float)
    lat = np.array([graph.nodes[n]["y"] for n in osmids], dtype=float)
    names_en, names_zh = _node_names(osmids, lon, lat, places, place_radius_km)
    province = [province_of(float(x), float(y)) for x, y in zip(lon, lat, strict=True)]
    frame = pd.DataFrame(
        {
            "id": [_node_id(n) for n in osmids],
            "name_en": names_en,
            "name_zh": names_zh,
            "province": province,
            "source": OSM_SOURCE,
        },
        columns=list(NODE_COLUMNS),
    )
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)
    return sorted_layer(gdf)


def road_links_from_graph(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One road link per node pair, id ``rd-osm-<u>-<v>`` with ``u < v``.

    Parallel links between the same two nodes are merged, keeping the
    shortest; self-loops are dropped.

    Parameters
    ----------
    graph
        Simplified road graph.

    Returns
    -------
    geopandas.GeoDataFrame
        The OSM part of the ``roads`` table, sorted by id.
    """
    best: dict[tuple[int, int], tuple[tuple, int, int, dict[str, Any]]] = {}
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        pair = (min(u, v), max(u, v))
        rank = (float(data["length"]), u != pair[0], str(data.get("osmid")))
        if pair not in best or rank < best[pair][0]:
            best[pair] = (rank, u, v, data)
    rows = [_link_row(graph, u, v, data) for _, u, v, data in best.values()]
    return sorted_layer(layer_frame(rows, ROAD_COLUMNS))


def access_links(
    points: pd.DataFrame,
    road_nodes: gpd.GeoDataFrame,
    *,
    max_snap_km: float = 5.0,
    access_circuity: float = 1.3,
    dropped: Dropped | None = None,
) -> tuple[gpd.GeoDataFrame, float]:
    """Join every point to its nearest road node with an ``access`` link.

    Distances are straight lines in the local UTM projection.

    Parameters
    ----------
    points
        DataFrame with columns id, lon, lat.
    road_nodes
        The ``road_nodes`` table.
    max_snap_km
        Largest allowed straight distance, km.
    access_circuity
        Link length = straight distance x this factor, at least 0.1 km.
    dropped
        What the largest-component cut removed (named in the error message).

    Returns
    -------
    links, max_snap
        The access links (id ``rd-access-<point id>``, sorted) and the largest
        straight snap distance, km (0 with no points).

    Raises
    ------
    RegionError
        Listing every point farther than ``max_snap_km`` from all road nodes.
    """
    check_points(points)
    if points.empty:
        return layer_frame([], ROAD_COLUMNS), 0.0
    crs = utm_crs(float(road_nodes.geometry.x.mean()), float(road_nodes.geometry.y.mean()))
    node_xy = road_nodes.geometry.to_crs(crs)
    point_xy = _project(points["lon"].to_numpy(float), points["lat"].to_numpy(float), crs)
    tree = shapely.STRtree(node_xy.to_numpy())
    (src, dst), dist_m = tree.query_nearest(point_xy, return_distance=True, all_matches=False)
    order = np.argsort(src, kind="stable")
    nearest, dist_km = dst[order], dist_m[order] / 1000.0
    _check_snap(points["id"].tolist(), dist_km, max_snap_km, dropped)
    rows = [
        _access_row(pid, x, y, road_nodes.iloc[j], d, access_circuity)
        for pid, x, y, j, d in zip(points["id"], points["lon"], points["lat"], nearest, dist_km, strict=True)
    ]
    return sorted_layer(layer_frame(rows, ROAD_COLUMNS)), float(dist_km.max())


def utm_crs(lon: float, lat: float) -> str:
    """The WGS 84 / UTM zone CRS holding a point, e.g. ``EPSG:32650``.

    Parameters
    ----------
    lon, lat
        Degrees.

    Returns
    -------
    str
        ``EPSG:326zz`` (north) or ``EPSG:327zz`` (south).
    """
    zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def check_points(points: pd.DataFrame) -> None:
    """Validate the points table: columns, unique ids, finite coordinates."""
    missing = [c for c in ("id", "lon", "lat") if c not in points.columns]
    if missing:
        raise RegionError(f"points table lacks column(s) {missing}; needs id, lon, lat")
    ids = points["id"].astype(str)
    dupes = sorted(set(ids[ids.duplicated()]))
    if dupes:
        raise RegionError(f"points have duplicate ids: {dupes}")
    coords = points[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    bad = sorted(ids[~np.isfinite(coords.to_numpy(float)).all(axis=1)])
    if bad:
        raise RegionError(f"points without valid lon/lat: {bad}")


def _node_id(osmid: int) -> str:
    return f"r-osm-{osmid}"


def _link_geometry(graph: nx.MultiDiGraph, u: int, v: int, data: dict[str, Any]) -> LineString:
    """Edge geometry drawn from the lower to the higher osmid."""
    geom = data.get("geometry")
    if geom is None:
        geom = LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)])
    return geom if u < v else geom.reverse()


def _link_row(graph: nx.MultiDiGraph, u: int, v: int, data: dict[str, Any]) -> dict[str, Any]:
    lo, hi = min(u, v), max(u, v)
    highway = highway_of(data)
    return {
        "id": f"rd-osm-{lo}-{hi}",
        "road": road_name(data),
        "from_node": _node_id(lo),
        "to_node": _node_id(hi),
        "kind": road_kind(highway),
        "length_km": max(round(float(data["length"]) / 1000.0, 4), 0.001),
        "toll": is_tolled(data, highway),
        "source": OSM_SOURCE,
        "geometry": _link_geometry(graph, u, v, data),
    }


def _access_row(pid: Any, lon: float, lat: float, node: pd.Series, dist_km: float, circuity: float) -> dict[str, Any]:
    return {
        "id": f"rd-access-{pid}",
        "road": "access",
        "from_node": str(pid),
        "to_node": node["id"],
        "kind": "access",
        "length_km": max(round(dist_km * circuity, 4), 0.1),
        "toll": False,
        "source": f"straight line to nearest OSM road node x {circuity:g}",
        "geometry": LineString([(float(lon), float(lat)), (node.geometry.x, node.geometry.y)]),
    }


def _check_snap(ids: list[Any], dist_km: np.ndarray, max_snap_km: float, dropped: Dropped | None) -> None:
    """Raise one error naming every point beyond ``max_snap_km``."""
    far = [(str(i), d) for i, d in zip(ids, dist_km, strict=True) if d > max_snap_km]
    if not far:
        return
    lines = [f"  - {pid}: {d:.2f} km" for pid, d in sorted(far)]
    hint = (
        "Fix: use a larger OSM extract that covers these points, or raise the "
        f"limit with --max-snap-km (now {max_snap_km:g} km)."
    )
    if dropped and dropped.nodes:
        hint += (
            f" Note: {dropped.components} disconnected road fragment(s) "
            f"({dropped.nodes} nodes, {dropped.km:.1f} km) were dropped; "
            "only the largest connected network is used."
        )
    raise RegionError(
        "\n".join(
            [
                (f"{len(far)} point(s) lie farther than {max_snap_km:g} km from every road node of the OSM network:"),
                *lines,
                hint,
            ]
        )
    )


def place_table(raw: nx.MultiDiGraph) -> pd.DataFrame:
    """Named settlements among the raw graph's nodes (lon, lat, names)."""
    rows = [
        {
            "lon": data["x"],
            "lat": data["y"],
            "name_en": data.get("name:en") or data["name"],
            "name_zh": data.get("name:zh") or data["name"],
        }
        for _, data in sorted(raw.nodes(data=True), key=lambda item: item[0])
        if is_named_place(data)
    ]
    return pd.DataFrame(rows, columns=["lon", "lat", "name_en", "name_zh"])


def _node_names(
    osmids: list[int],
    lon: np.ndarray,
    lat: np.ndarray,
    places: pd.DataFrame | None,
    radius_km: float,
) -> tuple[list[str], list[str]]:
    """Name each node after its nearest place within ``radius_km``."""
    fallback = [f"osm node {n}" for n in osmids]
    names_en, names_zh = list(fallback), list(fallback)
    if places is None or places.empty or not osmids:
        return names_en, names_zh
    crs = utm_crs(float(lon.mean()), float(lat.mean()))
    tree = shapely.STRtree(_project(places["lon"].to_numpy(float), places["lat"].to_numpy(float), crs))
    src, dst = tree.query_nearest(_project(lon, lat, crs), max_distance=radius_km * 1000.0, all_matches=False)
    for i, j in zip(src, dst, strict=True):
        names_en[i] = f"{places['name_en'].iat[j]} (osm node {osmids[i]})"
        names_zh[i] = f"{places['name_zh'].iat[j]} (osm node {osmids[i]})"
    return names_en, names_zh


def _project(lon: np.ndarray, lat: np.ndarray, crs: str) -> np.ndarray:
    """Shapely points of lon/lat projected to ``crs``."""
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def layer_frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """GeoDataFrame in EPSG:4326 with the given columns (also when empty)."""
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    if "toll" in frame.columns:
        frame["toll"] = frame["toll"].astype(bool)
    if "length_km" in frame.columns:
        frame["length_km"] = frame["length_km"].astype(float)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def sorted_layer(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.sort_values("id", kind="stable").reset_index(drop=True)


def concat_sorted(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if not f.empty] or frames[:1]
    merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)
    merged["toll"] = merged["toll"].astype(bool)
    return sorted_layer(merged)


def nearest_province(points: pd.DataFrame) -> Callable[[float, float], str]:
    """``(lon, lat) -> province`` of the nearest of ``points`` (columns lon, lat, province).

    Raises
    ------
    RegionError
        When ``points`` has no ``province`` column, or no rows.
    """
    if "province" not in points.columns:
        raise RegionError("the points need a 'province' column (or give province_of) to place road nodes in provinces")
    if points.empty:
        raise RegionError("there are no points to take road nodes' provinces from; give province_of")
    xy = points[["lon", "lat"]].to_numpy(float)
    names = points["province"].astype(str).to_numpy()

    def province_of(lon: float, lat: float) -> str:
        return str(names[int(np.argmin((xy[:, 0] - lon) ** 2 + (xy[:, 1] - lat) ** 2))])

    return province_of
