"""Interactive supply maps: a plan in, a Leaflet map out.

``supply_map(run)`` draws one year of a run: bases, demand nodes, flows as
corridors along their routes, rail sections, terminals and battery-swap
stations with their utilisation, and the boundaries of the cities involved,
each layer switchable, with a legend and a title block of headline KPIs.
``comparison_map(run_a, run_b)`` puts two runs side by side on synchronised
maps under a bar of KPI differences.

Offline (the default without a basemap) the page embeds Leaflet and every
script and style it needs (the ``folium-offline`` package), so it opens from a
USB stick with no network; with a basemap the tiles come from OpenStreetMap,
Tianditu or Gaode, and the Gaode map moves our WGS-84 geometry to GCJ-02 so it
lies on Gaode's roads.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, Figure

from aggregates.errors import InputError
from aggregates.files import write_text
from aggregates.vocab import Nearness
from aggregates.viz import fmt
from aggregates.viz.corridors import MODES, corridors
from aggregates.viz.gcj02 import shift_geometry
from aggregates.viz.labels import Lang, both, check_lang, text
from aggregates.viz.mapstyle import (
    BASE_BINS,
    DEMAND_BINS,
    MODE_COLOURS,
    UTILISATION_BINS,
    bin_colour,
    flow_weight,
    legend_html,
    map_css,
    title_html,
)
from aggregates.viz.layers import Drawable

BASEMAPS = ("none", "osm", "tianditu", "gaode")
TIANDITU_ENV = "TIANDITU_KEY"
MARKETS = ("Beijing", "Tianjin", "Xiong'an")

_LAYER_NAMES = {
    "boundaries": ("行政边界", "Boundaries"),
    "rail_lines": ("铁路线(利用率)", "Rail lines (utilisation)"),
    "flow_rail": ("运输流:铁路", "Flows: rail"),
    "flow_bet": ("运输流:纯电动货车", "Flows: battery-electric truck"),
    "flow_diesel": ("运输流:柴油货车", "Flows: diesel truck"),
    "terminals": ("装车站/卸车场", "Loading stations / unloading yards"),
    "swap": ("换电站", "Battery-swap stations"),
    "bases": ("砂石基地", "Aggregate bases"),
    "candidates": ("未建候选基地", "Candidate bases not built"),
    "demand": ("需求点", "Demand nodes"),
    "coverage": ("覆盖范围(近距离供应占比)", "Coverage (share supplied from near bases)"),
}
_FIELDS = {
    "city": ("城市", "city"),
    "feedstock": ("原料", "feedstock"),
    "status": ("状态", "status"),
    "level": ("产能档位", "capacity level"),
    "capacity": ("产能", "capacity"),
    "utilisation": ("利用率", "utilisation"),
    "output": ("外运量", "shipped"),
    "unsold": ("未售出", "made, not sold"),
    "feedstock_left": ("剩余原料", "feedstock left"),
    "chains": ("运输方式", "chains used"),
    "shadow": ("产能影子价格", "capacity shadow price"),
    "demand": ("需求量", "demand"),
    "solid_waste": ("固废砂石供应", "solid-waste aggregate"),
    "share": ("固废砂石占比", "share from solid waste"),
    "natural": ("天然砂石", "natural sand and gravel"),
    "unmet": ("未满足", "unmet"),
    "suppliers": ("供应基地", "suppliers"),
    "delivered": ("平均到厂成本", "average delivered cost"),
    "co2e_per_t": ("单位碳排放", "CO2e per tonne"),
    "tonnes": ("运量", "tonnes"),
    "tkm": ("本段周转量", "t-km on this stretch"),
    "cost": ("本段运输成本*", "transport cost here*"),
    "co2e": ("本段碳排放*", "CO2e here*"),
    "apportioned": ("*各流向的总量按距离分摊到本段", "*each flow's total shared out over its route by distance"),
    "flows": ("流向数", "flows"),
    "from_to": ("起讫", "from / to"),
    "load": ("负荷", "load"),
    "section": ("区段", "section"),
    "length": ("长度", "length"),
    "kind": ("类型", "kind"),
    "swaps": ("换电次数", "swaps"),
    "not_built": ("未建(本方案未选)", "not built in this plan"),
    "built_new": ("新建(本方案选中)", "new, built in this plan"),
    "near": ("近距离基地供应", "supplied from near bases"),
    "near_share": ("近距离供应占需求", "share of demand from near bases"),
}


@dataclass(frozen=True)
class MapOptions:
    """How to draw a map.

    Attributes
    ----------
    lang
        ``zh`` (default; popups add English) or ``en``.
    basemap
        ``none`` (no tiles, works with no network), ``osm``, ``tianditu`` or ``gaode``.
    offline
        Embed the JavaScript and CSS in the page; ``None``: unless the basemap is ``osm``.
    tianditu_key
        Tianditu API key; otherwise read from the ``TIANDITU_KEY`` environment variable.
    year
        The year drawn; ``None``: the first year with a substitution target.
    simplify_deg
        Display simplification of lines, in degrees (~100 m per 0.001).
    coverage_rule
        When the coverage layer counts a delivery as near; default: the run's scenario's
        ``coverage_check`` rule.
    switch
        A link in the title block to the same map in the other language, a sibling file:
        ``("add", "en")`` on ``x.html`` goes to ``x.en.html``, ``("strip", "en")`` back.
    """

    lang: Lang = "zh"
    basemap: str = "none"
    offline: bool | None = None
    tianditu_key: str | None = None
    year: int | None = None
    simplify_deg: float = 0.001
    switch: tuple[str, str] | None = None
    coverage_rule: Nearness | None = None

    @property
    def embeds(self) -> bool:
        """Whether the page carries its own scripts and styles.

        By default everywhere but on OpenStreetMap: with no basemap the page must work with no network,
        and the Chinese basemaps are for users in China, where the foreign CDNs folium loads from are
        often unreachable.
        """
        return self.offline if self.offline is not None else self.basemap != "osm"

    def checked(self) -> MapOptions:
        """These options, validated.

        Raises
        ------
        InputError
            For an unknown language or basemap, or Tianditu without a key.
        """
        try:
            check_lang(self.lang)
        except ValueError as exc:
            raise InputError(f"--lang: {exc}") from None
        if self.basemap not in BASEMAPS:
            raise InputError(f"--basemap must be one of {', '.join(BASEMAPS)}, got '{self.basemap}'")
        if self.basemap == "tianditu" and not self.key():
            raise InputError(
                "--basemap tianditu needs a Tianditu API key: get one at the Tianditu developer console "
                f"and set the {TIANDITU_ENV} environment variable or --tianditu-key (or use --basemap none)"
            )
        return self

    def key(self) -> str | None:
        """The Tianditu key from the options or the environment."""
        return self.tianditu_key or os.environ.get(TIANDITU_ENV) or None


def folium_lib(embedded: bool):
    if embedded:
        import offlinefolium as lib
    else:
        import folium as lib
    return lib


def _lib_of(m):
    return folium_lib(type(m).__module__.startswith("offlinefolium"))


def _word(pair: tuple[str, str], lang: Lang, bilingual: bool = False) -> str:
    zh, en = pair
    if lang == "en":
        return en
    return f"{zh} {en}" if bilingual else zh


def layer_name(key: str, lang: Lang) -> str:
    """The name a layer has in the layer control."""
    return _word(_LAYER_NAMES[key], lang)


def supply_map(run: Drawable, options: MapOptions | None = None, m=None):
    """Draw one year of a run.

    Parameters
    ----------
    run
        A plan with its map layers (an :class:`aggregates.Result`, solved or read from a run folder).
    options
        Language, basemap, year; see :class:`MapOptions`.
    m
        An existing map to draw onto (its own tiles and controls are kept);
        default: a new map.

    Returns
    -------
    folium.Map
        The map (``offlinefolium.Map`` when embedding its scripts).
    """
    options = (options or MapOptions()).checked()
    year = run.plan.headline_year(options.year)
    project = projector(options)
    if m is None:
        m = new_map(options)
    add_plan_layers(m, run, year, options, project)
    lib = _lib_of(m)
    lib.LayerControl(collapsed=False, position="topright").add_to(m)
    m.get_root().html.add_child(Element(title_html({**title_info(run, year, options.lang), "switch": options.switch})))
    m.get_root().html.add_child(Element(legend_html(options.lang)))
    fit_plan(m, run, project)
    return m


def new_map(options: MapOptions):
    """An empty map of the region with the chosen basemap and page styles."""
    lib = folium_lib(options.embeds)
    m = lib.Map(location=[39.9, 116.9], zoom_start=8, tiles=None, control_scale=True, zoom_snap=0.25, zoom_delta=0.5)
    for tile in tile_layers(lib, options):
        tile.add_to(m)
    m.get_root().header.add_child(Element(map_css(options.basemap == "none")))
    return m


def tile_layers(lib, options: MapOptions) -> list:
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


def _latlon(geometry, project) -> list[float]:
    point = project(geometry)
    return [round(point.y, 5), round(point.x, 5)]


def add_plan_layers(m, run: Drawable, year: int, options: MapOptions, project: Callable | None = None):
    """Add a run's layers for ``year`` to an existing map (no controls, title or legend)."""
    project = project or projector(options)
    lang = options.lang
    lib = _lib_of(m)
    resources = run.plan.resources[run.plan.resources["year"] == year].set_index("resource")
    layers = run.layers
    _boundaries(lib, layers.boundaries, lang, project).add_to(m)
    for group in _flows(lib, run, year, lang, project, options.simplify_deg):
        group.add_to(m)
    # Drawn over the flows: a used section's utilisation shows as a dashed line along its blue rail flow.
    _rail_lines(lib, layers.rail_segments, resources, lang, project, options.simplify_deg).add_to(m)
    _terminals(lib, layers.terminals, resources, lang, project).add_to(m)
    _swap_stations(lib, layers.swap_stations, resources, lang, project).add_to(m)
    built, unbuilt = _bases(lib, run, year, lang, project)
    unbuilt.add_to(m)
    built.add_to(m)
    _demand(lib, run, year, lang, project).add_to(m)
    _coverage(lib, run, year, lang, project, options.coverage_rule or run.plan.scenario.coverage_check.nearness).add_to(m)
    return m


def _geojson(frame: gpd.GeoDataFrame, project: Callable, simplify_deg: float = 0.0) -> dict:
    frame = frame.copy()
    geometry = frame.geometry.simplify(simplify_deg) if simplify_deg > 0 else frame.geometry
    frame["geometry"] = [project(g) for g in geometry]
    return frame.__geo_interface__


def _boundaries(lib, boundaries: gpd.GeoDataFrame, lang: Lang, project: Callable):
    group = lib.FeatureGroup(name=layer_name("boundaries", lang))
    if boundaries.empty:
        return group
    frame = boundaries[["id", "name", "name_zh", "kind", "geometry"]].copy()
    frame["label"] = frame["name_zh"] if lang == "zh" else frame["name"]
    lib.GeoJson(
        _geojson(frame, project),
        style_function=lambda f: {
            "color": "#7a4f9a" if f["properties"]["kind"] == "market" else "#8c6d31",
            "weight": 1.6,
            "dashArray": "6 4",
            "fillColor": "#7a4f9a" if f["properties"]["kind"] == "market" else "#c9a86a",
            "fillOpacity": 0.05,
        },
        tooltip=lib.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
        interactive=False,
    ).add_to(group)
    for row in frame.itertuples():
        where = _latlon(row.geometry.representative_point(), project)
        css = "agg-area agg-area-market" if row.kind == "market" else "agg-area agg-area-supply"
        lib.Marker(
            where, icon=lib.DivIcon(html=f'<div class="{css}">{html.escape(row.label)}</div>', icon_size=(0, 0))
        ).add_to(group)
    return group


def _rail_lines(lib, rail: gpd.GeoDataFrame, resources: pd.DataFrame, lang: Lang, project, simplify_deg: float):
    group = lib.FeatureGroup(name=layer_name("rail_lines", lang))
    frame = rail[["id", "line_en", "line_zh", "from_station", "to_station", "length_km", "geometry"]].copy()
    util = resources["utilisation"].reindex(frame["id"]).fillna(0.0).to_numpy()
    load = resources["load"].reindex(frame["id"]).fillna(0.0).to_numpy()
    cap = resources["capacity"].reindex(frame["id"]).fillna(0.0).to_numpy()
    frame["colour"] = [
        bin_colour(u, UTILISATION_BINS) if lo > 0 else "#9aa3ad" for u, lo in zip(util, load, strict=True)
    ]
    frame["weight"] = np.where(load > 0, 2.5, 1.5)
    frame["dash"] = np.where(load > 0, "7 5", "")
    frame["info"] = [
        _rows(
            [
                (_word(_FIELDS["section"], lang, True), f"{a} – {b}"),
                (_word(_FIELDS["length"], lang, True), fmt.km(length, lang)),
                (_word(_FIELDS["load"], lang, True), fmt.tonnes_per_year(lo, lang)),
                (_word(_FIELDS["capacity"], lang, True), fmt.tonnes_per_year(c, lang)),
                (_word(_FIELDS["utilisation"], lang, True), fmt.share(u)),
            ],
            title=f"{zh} {en}" if lang == "zh" else en,
        )
        for a, b, length, lo, c, u, zh, en in zip(
            frame["from_station"],
            frame["to_station"],
            frame["length_km"],
            load,
            cap,
            util,
            frame["line_zh"],
            frame["line_en"],
            strict=True,
        )
    ]
    lib.GeoJson(
        _geojson(frame[["id", "colour", "weight", "dash", "info", "geometry"]], project, simplify_deg),
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": f["properties"]["weight"],
            "opacity": 0.95,
            "dashArray": f["properties"]["dash"] or None,
            "lineCap": "butt",
        },
        tooltip=lib.GeoJsonTooltip(fields=["info"], labels=False, sticky=True),
        control=False,
    ).add_to(group)
    return group


def _flows(lib, run: Drawable, year: int, lang: Lang, project, simplify_deg: float) -> list:
    flows = run.layers.flows
    lines = corridors(flows[flows["year"] == year], run.layers.rail_segments, simplify_deg=simplify_deg)
    names = _names(run)
    groups = []
    for mode in MODES:
        group = lib.FeatureGroup(name=layer_name(f"flow_{mode}", lang))
        part = lines[lines["mode"] == mode].copy()
        if not part.empty:
            part["info"] = [_corridor_info(row, mode, names, lang) for row in part.itertuples()]
            part["weight"] = [flow_weight(t) for t in part["tonnes"]]
            lib.GeoJson(
                _geojson(part[["mode", "weight", "info", "geometry"]], project),
                style_function=lambda f: {
                    "color": MODE_COLOURS[f["properties"]["mode"]],
                    "weight": f["properties"]["weight"],
                    "opacity": 0.78,
                    "lineCap": "round",
                    "lineJoin": "round",
                },
                highlight_function=lambda f: {"opacity": 1.0, "color": "#111111"},
                tooltip=lib.GeoJsonTooltip(fields=["info"], labels=False, sticky=True),
                control=False,
            ).add_to(group)
        groups.append(group)
    return groups


def _names(run: Drawable) -> dict[str, tuple[str, str]]:
    """Display names (zh, en) of bases and demand nodes by id."""
    names = {}
    for table, key in ((run.plan.bases, "base"), (run.plan.demand, "node")):
        first = table.drop_duplicates(key)
        names.update(zip(first[key], zip(first["name_zh"], first["name"], strict=True), strict=True))
    return names


def _short_list(ids: str, names: dict, lang: Lang, most: int = 4) -> str:
    items = [names.get(i, (i, i))[0 if lang == "zh" else 1] for i in ids.split(";") if i]
    more = len(items) - most
    shown = ", ".join(items[:most])
    return shown + (f" +{more}" if more > 0 else "")


def _corridor_info(row, mode: str, names: dict, lang: Lang) -> str:
    return (
        _rows(
            [
                (_word(_FIELDS["tonnes"], lang, True), fmt.tonnes_per_year(row.tonnes, lang)),
                (_word(_FIELDS["tkm"], lang, True), fmt.tkm(row.tkm, lang)),
                (_word(_FIELDS["cost"], lang, True), fmt.yuan(row.transport_cost_yuan, lang)),
                (_word(_FIELDS["co2e"], lang, True), fmt.co2e(row.co2e_t, lang)),
                (_word(_FIELDS["delivered"], lang, True), fmt.per_t(row.delivered_cost_yuan_per_t, lang)),
                (_word(_FIELDS["flows"], lang, True), f"{row.flows}"),
                (_word(_FIELDS["suppliers"], lang, True), _short_list(row.bases, names, lang)),
                (_word(_FIELDS["demand"], lang, True), _short_list(row.nodes, names, lang)),
            ],
            title=both(mode, lang),
        )
        + f'<div class="agg-note">{html.escape(_word(_FIELDS["apportioned"], lang, True))}</div>'
    )


def _rows(rows: list[tuple[str, str]], title: str | None = None) -> str:
    """An HTML key/value table for a tooltip or popup; every value escaped."""
    head = f'<div class="agg-pop-title">{html.escape(title)}</div>' if title else ""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'{head}<table class="agg-pop">{body}</table>'


def _usage(resources: pd.DataFrame, site: str, capacity: float = 0.0) -> tuple[float, float, float, str]:
    """A capacitated site's load, capacity, utilisation and utilisation colour (white when unused)."""
    load = float(resources["load"].get(site, 0.0))
    cap = float(resources["capacity"].get(site, capacity))
    util = float(resources["utilisation"].get(site, 0.0))
    return load, cap, util, bin_colour(util, UTILISATION_BINS) if load > 0 else "#ffffff"


def _site_marker(lib, row, lang: Lang, project, rows: list, icon_html: str, size: int):
    """A point site drawn as a small HTML icon with a table tooltip."""
    info = _rows(rows, title=f"{row.name_zh} {row.name_en}" if lang == "zh" else row.name_en)
    icon = lib.DivIcon(html=icon_html, icon_size=(size, size), icon_anchor=(size // 2, size // 2))
    return lib.Marker(_latlon(row.geometry, project), icon=icon, tooltip=lib.Tooltip(info, sticky=True))


def _terminals(lib, terminals: gpd.GeoDataFrame, resources: pd.DataFrame, lang: Lang, project):
    group = lib.FeatureGroup(name=layer_name("terminals", lang))
    for row in terminals.sort_values("id").itertuples():
        load, cap, util, colour = _usage(resources, row.id, row.capacity_mt_per_yr * 1e6)
        rows = [
            (_word(_FIELDS["kind"], lang, True), both(row.kind, lang)),
            (_word(_FIELDS["load"], lang, True), fmt.tonnes_per_year(load, lang)),
            (_word(_FIELDS["capacity"], lang, True), fmt.tonnes_per_year(cap, lang)),
            (_word(_FIELDS["utilisation"], lang, True), fmt.share(util)),
        ]
        shape = "agg-tri" if row.kind == "loading" else "agg-sq"
        _site_marker(lib, row, lang, project, rows, f'<div class="{shape}" style="--c:{colour}"></div>', 14).add_to(
            group
        )
    return group


def _swap_stations(lib, stations: gpd.GeoDataFrame, resources: pd.DataFrame, lang: Lang, project):
    group = lib.FeatureGroup(name=layer_name("swap", lang))
    unit = "次/年" if lang == "zh" else "swaps/yr"
    for row in stations.sort_values("id").itertuples():
        load, cap, util, colour = _usage(resources, row.id)
        rows = [
            (_word(_FIELDS["swaps"], lang, True), f"{load:,.0f} {unit}"),
            (_word(_FIELDS["capacity"], lang, True), f"{cap:,.0f} {unit}"),
            (_word(_FIELDS["utilisation"], lang, True), fmt.share(util)),
        ]
        icon = f'<div class="agg-swap" style="--c:{colour}">⚡</div>'
        _site_marker(lib, row, lang, project, rows, icon, 16).add_to(group)
    return group


def _chains_by_site(flows: pd.DataFrame, key: str) -> dict[str, pd.Series]:
    return {site: part.groupby("chain")["tonnes"].sum() for site, part in flows.groupby(key)}


def _bases(lib, run: Drawable, year: int, lang: Lang, project):
    built = lib.FeatureGroup(name=layer_name("bases", lang))
    unbuilt = lib.FeatureGroup(name=layer_name("candidates", lang), show=False)
    points = run.layers.bases
    bases = points[points["year"] == year].sort_values("base")
    flows = run.plan.flows[run.plan.flows["year"] == year]
    chains = _chains_by_site(flows, "base")
    for row in bases.itertuples():
        name = f"{row.name_zh} {row.name}" if lang == "zh" else row.name
        where = _latlon(row.geometry, project)
        if row.level < 0 or row.capacity_t <= 0:
            lib.CircleMarker(
                where,
                radius=4,
                color="#7f7f7f",
                weight=1.2,
                dash_array="2 2",
                fill=True,
                fill_color="#ffffff",
                fill_opacity=0.6,
                tooltip=f"{name} · {_word(_FIELDS['not_built'], lang, True)}",
            ).add_to(unbuilt)
            continue
        lib.CircleMarker(
            where,
            radius=float(4 + 2.4 * np.sqrt(row.capacity_t / 1e6)),
            color="#4d2a06",
            weight=1.2,
            fill=True,
            fill_color=bin_colour(row.utilisation, BASE_BINS),
            fill_opacity=0.92,
            tooltip=name,
            popup=lib.Popup(_base_popup(row, chains.get(row.base), lang), max_width=380),
        ).add_to(built)
    return built, unbuilt


def _chain_list(by_chain: pd.Series | None, lang: Lang) -> str:
    if by_chain is None or by_chain.empty:
        return "–"
    ordered = by_chain.sort_values(ascending=False)
    return "; ".join(f"{text(c, lang)} {fmt.tonnes(t, lang)}" for c, t in ordered.items())


def _status(row, lang: Lang) -> str:
    """A base's status as the plan leaves it: existing, or a candidate the plan builds."""
    if row.status == "candidate" and row.level >= 0:
        return _word(_FIELDS["built_new"], lang, True)
    return both(row.status, lang)


def _base_popup(row, by_chain: pd.Series | None, lang: Lang) -> str:
    rows = [
        (_word(_FIELDS["city"], lang, True), both(row.city, lang)),
        (_word(_FIELDS["feedstock"], lang, True), both(row.feedstock, lang)),
        (_word(_FIELDS["status"], lang, True), _status(row, lang)),
        (_word(_FIELDS["level"], lang, True), f"{row.level}"),
        (_word(_FIELDS["capacity"], lang, True), fmt.tonnes_per_year(row.capacity_t, lang)),
        (_word(_FIELDS["utilisation"], lang, True), fmt.share(row.utilisation)),
        (both("sand", lang), fmt.tonnes(row.output_sand_t, lang)),
        (both("coarse", lang), fmt.tonnes(row.output_coarse_t, lang)),
        (_word(_FIELDS["unsold"], lang, True), fmt.tonnes(row.unsold_t, lang)),
        (_word(_FIELDS["feedstock_left"], lang, True), fmt.tonnes(row.feedstock_left_t, lang)),
        (_word(_FIELDS["chains"], lang, True), _chain_list(by_chain, lang)),
    ]
    if row.shadow_price_yuan_per_t and row.shadow_price_yuan_per_t > 0:
        rows.append((_word(_FIELDS["shadow"], lang, True), fmt.per_t(row.shadow_price_yuan_per_t, lang)))
    title = f"{row.name_zh} {row.name}" if lang == "zh" else row.name
    return _rows(rows, title=title)


def _node_summary(run: Drawable, year: int) -> pd.DataFrame:
    demand = run.layers.demand
    part = demand[demand["year"] == year]
    weighted = part.assign(
        cost_x=part["delivered_cost_yuan_per_t"].fillna(0) * part["solid_waste_t"],
        co2e_x=part["co2e_kg_per_t"].fillna(0) * part["solid_waste_t"],
    )
    sums = weighted.groupby("node")[["demand_t", "solid_waste_t", "natural_t", "unmet_t", "cost_x", "co2e_x"]].sum()
    first = part.drop_duplicates("node").set_index("node")[["name", "name_zh", "city", "geometry"]]
    out = first.join(sums)
    waste = out["solid_waste_t"].replace(0, np.nan)
    return out.assign(
        share=(out["solid_waste_t"] / out["demand_t"].replace(0, np.nan)).fillna(0.0),
        delivered=out["cost_x"] / waste,
        co2e_per_t=out["co2e_x"] / waste,
    ).sort_index()


def _demand(lib, run: Drawable, year: int, lang: Lang, project):
    group = lib.FeatureGroup(name=layer_name("demand", lang))
    flows = run.plan.flows[run.plan.flows["year"] == year]
    by_node = {node: part.groupby("base")["tonnes"].sum() for node, part in flows.groupby("node")}
    names = _names(run)
    for node, row in _node_summary(run, year).iterrows():
        unmet = row["unmet_t"] > 0.5
        name = f"{row['name_zh']} {row['name']}" if lang == "zh" else row["name"]
        lib.CircleMarker(
            _latlon(row["geometry"], project),
            radius=float(3 + 1.6 * np.sqrt(row["demand_t"] / 1e6)),
            color="#d7191c" if unmet else "#3f007d",
            weight=3.0 if unmet else 1.0,
            fill=True,
            fill_color=bin_colour(row["share"], DEMAND_BINS),
            fill_opacity=0.9,
            tooltip=name + (" ⚠" if unmet else ""),
            popup=lib.Popup(_demand_popup(row, by_node.get(node), names, lang), max_width=380),
        ).add_to(group)
    return group


def coverage_shares(run: Drawable, year: int, rule: Nearness) -> pd.DataFrame:
    """Per demand node: demand, the tonnes delivered from bases within the rule, and their share of demand."""
    flows = run.plan.flows[run.plan.flows["year"] == year]
    within = flows[rule.of_routes(flows)].groupby("node")["tonnes"].sum()
    demand = run.plan.demand[run.plan.demand["year"] == year].groupby("node")["demand_t"].sum()
    out = pd.DataFrame({"demand_t": demand, "near_t": within.reindex(demand.index).fillna(0.0)})
    return out.assign(share=(out["near_t"] / out["demand_t"].replace(0, np.nan)).fillna(0.0))


def _coverage(lib, run: Drawable, year: int, lang: Lang, project, rule: Nearness):
    group = lib.FeatureGroup(name=layer_name("coverage", lang), show=False)
    shares = coverage_shares(run, year, rule)
    points = _node_summary(run, year)
    limits = rule.short()
    for node, row in shares.iterrows():
        if node not in points.index:
            continue
        place = points.loc[node]
        name = f"{place['name_zh']} {place['name']}" if lang == "zh" else place["name"]
        rows = [
            (_word(_FIELDS["demand"], lang, True), fmt.tonnes_per_year(row["demand_t"], lang)),
            (_word(_FIELDS["near"], lang, True) + f" ({limits})", fmt.tonnes(row["near_t"], lang)),
            (_word(_FIELDS["near_share"], lang, True), fmt.share(row["share"])),
        ]
        lib.CircleMarker(
            _latlon(place["geometry"], project),
            radius=float(7 + 1.6 * np.sqrt(row["demand_t"] / 1e6)),
            color=bin_colour(row["share"], DEMAND_BINS),
            weight=5,
            fill=False,
            tooltip=lib.Tooltip(_rows(rows, title=name), sticky=True),
        ).add_to(group)
    return group


def _demand_popup(row: pd.Series, suppliers: pd.Series | None, names: dict, lang: Lang) -> str:
    rows = [
        (_word(_FIELDS["city"], lang, True), both(row["city"], lang)),
        (_word(_FIELDS["demand"], lang, True), fmt.tonnes_per_year(row["demand_t"], lang)),
        (_word(_FIELDS["solid_waste"], lang, True), fmt.tonnes(row["solid_waste_t"], lang)),
        (_word(_FIELDS["share"], lang, True), fmt.share(row["share"])),
        (_word(_FIELDS["natural"], lang, True), fmt.tonnes(row["natural_t"], lang)),
    ]
    if row["unmet_t"] > 0.5:
        rows.append(("⚠ " + _word(_FIELDS["unmet"], lang, True), fmt.tonnes(row["unmet_t"], lang)))
    if row["solid_waste_t"] > 0:
        rows.append((_word(_FIELDS["delivered"], lang, True), fmt.per_t(row["delivered"], lang)))
        rows.append((_word(_FIELDS["co2e_per_t"], lang, True), f"{row['co2e_per_t']:,.1f} kg CO₂e/t"))
    if suppliers is not None and not suppliers.empty:
        label = _word(_FIELDS["suppliers"], lang, True)
        for i, (base, t) in enumerate(suppliers.sort_values(ascending=False).items()):
            zh, en = names.get(base, (base, base))
            rows.append((label if i == 0 else "", f"{zh if lang == 'zh' else en}: {fmt.tonnes(t, lang)}"))
    title = f"{row['name_zh']} {row['name']}" if lang == "zh" else row["name"]
    return _rows(rows, title=title)


def title_info(run: Drawable, year: int, lang: Lang) -> dict:
    k = run.plan.year(year)
    return {
        "scenario": run.plan.name,
        "year": year,
        "lang": lang,
        "substitution": fmt.tonnes_per_year(k.substitution_mt * 1e6, lang),
        "target": fmt.tonnes_per_year(k.target_mt * 1e6, lang) if k.target_mt > 0 else "–",
        "met": bool(k.target_met),
        "rail_share": fmt.share(k.rail_share_t),
        "cost": fmt.per_t(k.cost_yuan_per_t, lang),
        "co2e": fmt.co2e(k.co2e_t, lang),
        "nox": fmt.kg(k.nox_t * 1e3, lang, "NOx"),
        "unmet": fmt.tonnes(k.unmet_mt * 1e6, lang) if k.unmet_mt > 0 else None,
        "status": run.plan.solve.status,
    }


def fit_plan(m, run: Drawable, project, legend_px: int = 250) -> None:
    points = pd.concat([run.layers.bases.geometry, run.layers.demand.geometry])
    xy = np.array([_latlon(p, project) for p in points])
    # Keep the plan clear of the title block (top left) and the legend (bottom right).
    m.fit_bounds(
        [[xy[:, 0].min(), xy[:, 1].min()], [xy[:, 0].max(), xy[:, 1].max()]],
        padding_top_left=(20, 120),
        padding_bottom_right=(legend_px, 20),
    )


_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def stable_ids(page: str) -> str:
    """Replace folium's random element ids by sequence numbers, so the same plan gives the same bytes."""
    seen: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"{len(seen) + 1:06d}")

    return _RANDOM_ID.sub(number, page)


def save_html(page, path: str | Path) -> Path:
    """Write a map or figure to ``path`` through a temporary file, so a failure leaves no partial page."""
    root = page.get_root() if not isinstance(page, Figure) else page
    return write_text(path, stable_ids(root.render()))
