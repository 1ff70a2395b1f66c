"""The road layer's tables from the OSM arrays: road nodes, road links and access links from every site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from aggregates.data.osm.arrays import OsmWays
from aggregates.data.osm.graph import highway_of, is_tolled, road_kind, road_name
from aggregates.data.osm.simplify import Dropped, RoadArrays
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


def road_nodes_from_arrays(
    ways: OsmWays,
    roads: RoadArrays,
    *,
    province_of: Callable[[float, float], str],
    place_radius_km: float = 5.0,
) -> gpd.GeoDataFrame:
    """One road node per endpoint of the simplified network, id ``r-osm-<osmid>``.

    Parameters
    ----------
    ways
        The kept ways (node ids, coordinates and the named places).
    roads
        The simplified network.
    province_of
        ``(lon, lat) -> province`` of a road node.
    place_radius_km
        Search radius for naming a node after a place, km.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``road_nodes`` table, sorted by id.
    """
    osmids = ways.node_id[roads.nodes].tolist()
    lon, lat = ways.lon[roads.nodes], ways.lat[roads.nodes]
    names_en, names_zh = _node_names(osmids, lon, lat, ways.places, place_radius_km)
    province = [province_of(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
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


def road_links_from_arrays(ways: OsmWays, roads: RoadArrays, *, with_oneway: bool = False) -> gpd.GeoDataFrame:
    """One road link per node pair, id ``rd-osm-<u>-<v>`` with ``u < v``, drawn from ``u`` to ``v``.

    Parameters
    ----------
    ways
        The kept ways (tags and coordinates).
    roads
        The simplified network (one link per node pair already).
    with_oneway
        Add a column ``oneway``: ``0`` both ways, ``1`` only from ``from_node`` to
        ``to_node``, ``-1`` only back (see :mod:`aggregates.data.osm.simplify`).

    Returns
    -------
    geopandas.GeoDataFrame
        The OSM part of the ``roads`` table, sorted by id.
    """
    lo, hi = ways.node_id[roads.lo].tolist(), ways.node_id[roads.hi].tolist()
    classes = {h: highway_of({"highway": h}) for h in set(ways.highway.tolist())}
    highway = [classes[h] for h in ways.highway[roads.way].tolist()]
    kinds = {h: road_kind(h) for h in set(highway)}
    tolls = {
        (t, h): is_tolled({"toll": t}, h) for t, h in set(zip(ways.toll[roads.way].tolist(), highway, strict=True))
    }
    refs = ways.ref[roads.way].tolist()
    frame = pd.DataFrame(
        {
            "id": [f"rd-osm-{a}-{b}" for a, b in zip(lo, hi, strict=True)],
            "road": [_road(r, n) for r, n in zip(refs, roads.names.tolist(), strict=True)],
            "from_node": [_node_id(a) for a in lo],
            "to_node": [_node_id(b) for b in hi],
            "kind": [kinds[h] for h in highway],
            "length_km": [max(round(m / 1000.0, 4), 0.001) for m in roads.length_m.tolist()],
            "toll": [tolls[(t, h)] for t, h in zip(ways.toll[roads.way].tolist(), highway, strict=True)],
            "source": OSM_SOURCE,
        },
        columns=list(ROAD_COLUMNS),
    )
    if with_oneway:
        frame["oneway"] = roads.oneway.astype(int)
    coords = np.column_stack([ways.lon[roads.path], ways.lat[roads.path]])
    which = np.repeat(np.arange(len(lo)), np.diff(roads.path_ptr))
    geometry = shapely.linestrings(coords, indices=which) if len(lo) else []
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)
    gdf["toll"] = gdf["toll"].astype(bool)
    gdf["length_km"] = gdf["length_km"].astype(float)
    return sorted_layer(gdf)


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


def _road(ref: object, names: str | None) -> str:
    """:func:`road_name` of one link: ``names`` is already its distinct names, sorted and joined."""
    if isinstance(ref, str):
        return ref.strip() or names or "unnamed"
    return road_name({"ref": ref, "name": names})


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
