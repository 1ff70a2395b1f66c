"""The map under the plan: folium or its offline twin, the tiles, and the coordinates they expect.

Offline (the default without a basemap) the page embeds Leaflet and every script and style it
needs (the ``folium-offline`` package), so it opens from a USB stick with no network; with a
basemap the tiles come from OpenStreetMap, Tianditu or Gaode, and the Gaode map moves our WGS-84
geometry to GCJ-02 so it lies on Gaode's roads.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import folium
import geopandas as gpd
import offlinefolium
from branca.element import Element

from aggregates.viz.gcj02 import shift_geometry
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.style import map_css

CENTRE = (39.9, 116.9)  # where a new map looks before it is fitted to the plan


def folium_lib(embedded: bool) -> ModuleType:
    """``offlinefolium`` (scripts and styles embedded in the page) or ``folium`` (fetched from CDNs)."""
    return offlinefolium if embedded else folium


def lib_of(m) -> ModuleType:
    """The library ``m`` was made with: what to draw onto it with."""
    return folium_lib(type(m).__module__.startswith("offlinefolium"))


def empty_map(lib: ModuleType, **place):
    """A map of the region with no tiles; ``place`` positions it on a page of several maps."""
    return lib.Map(
        location=list(CENTRE), zoom_start=8, tiles=None, control_scale=True, zoom_snap=0.25, zoom_delta=0.5, **place
    )


def new_map(options: MapOptions):
    """An empty map of the region with the chosen basemap and page styles."""
    lib = folium_lib(options.embeds)
    m = empty_map(lib)
    for tile in tile_layers(lib, options):
        tile.add_to(m)
    m.get_root().header.add_child(Element(map_css(options.basemap == "none")))
    return m


def tile_layers(lib: ModuleType, options: MapOptions) -> list:
    """The basemap's tile layers (none for ``none``)."""
    lang = options.lang
    if options.basemap == "osm":
        return [lib.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False)]
    if options.basemap == "gaode":
        url = (
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang="
            + ("zh_cn" if lang == "zh" else "en")
            + "&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
        )
        return [lib.TileLayer(url, attr="© 高德地图 AutoNavi", subdomains="1234", name="Gaode", control=False)]
    if options.basemap == "tianditu":
        key = options.key()
        notes = "cva" if lang == "zh" else "eva"
        return [
            lib.TileLayer(_tianditu_url("vec", key), attr="© 天地图 Tianditu", subdomains="01234567", control=False),
            lib.TileLayer(
                _tianditu_url(notes, key), attr="© 天地图 Tianditu", subdomains="01234567", overlay=True, control=False
            ),
        ]
    return []


def _tianditu_url(layer: str, key: str) -> str:
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        f"&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
    )


def projector(options: MapOptions) -> Callable:
    """Identity for WGS-84 basemaps; WGS-84 to GCJ-02 for Gaode."""
    if options.basemap == "gaode":
        return shift_geometry
    return lambda geometry: geometry


def latlon(geometry, project: Callable) -> list[float]:
    """A point as ``[lat, lon]`` rounded to ~1 m, after ``project``."""
    point = project(geometry)
    return [round(point.y, 5), round(point.x, 5)]


def geojson(frame: gpd.GeoDataFrame, project: Callable, simplify_deg: float = 0.0) -> dict:
    """``frame`` as GeoJSON, its geometry simplified by ``simplify_deg`` (0: not) and projected."""
    frame = frame.copy()
    geometry = frame.geometry.simplify(simplify_deg) if simplify_deg > 0 else frame.geometry
    frame["geometry"] = [project(g) for g in geometry]
    return frame.__geo_interface__
