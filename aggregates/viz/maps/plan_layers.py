"""A plan's layers on a map: flows as corridors, bases, demand nodes and their coverage.

:func:`add_plan_layers` adds them, with the region's layers (:mod:`aggregates.viz.maps.region_layers`),
to any folium map: no layer control, title or legend (see :func:`aggregates.viz.maps.supply.supply_map`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from aggregates.viz.corridors import MODES, corridors
from aggregates.viz.labels import Lang
from aggregates.viz.layers import Drawable
from aggregates.viz.maps.annotations import add_declutter, basemap_layer, labels_layer
from aggregates.viz.maps.basemaps import geojson, latlon, lib_of, projector
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.popups import base_popup, corridor_info, coverage_info, demand_popup, site_names
from aggregates.viz.maps.region_layers import (
    boundaries_layer,
    quarries_layer,
    rail_lines_layer,
    swap_stations_layer,
    terminals_layer,
)
from aggregates.viz.maps.style import BASE_BINS, DEMAND_BINS, MODE_COLOURS, bin_colour, flow_weight
from aggregates.viz.maps.words import field, layer_name, word
from aggregates.vocab import MT, Nearness


def add_plan_layers(m, run: Drawable, year: int, options: MapOptions, project: Callable | None = None, page=None):
    """Add a run's layers for ``year`` to an existing map (no controls, title or legend).

    With no tiles (basemap ``none``) the region's roads and towns are drawn as the basemap; labels of
    bases and demand nodes are a layer of their own. ``page`` is the page holding ``m`` when it is
    not ``m``'s own (a comparison's figure)."""
    project = project or projector(options)
    lang = options.lang
    lib = lib_of(m)
    resources = run.plan.resources[run.plan.resources["year"] == year].set_index("resource")
    layers = run.layers
    if options.basemap == "none":  # no tiles: the region's own roads and towns are the basemap
        basemap_layer(lib, layers, lang, project, options.simplify_deg).add_to(m)
    boundaries_layer(lib, layers.boundaries, lang, project).add_to(m)
    for group in _flows(lib, run, year, lang, project, options.simplify_deg):
        group.add_to(m)
    # Drawn over the flows: a used section's utilisation shows as a dashed line along its blue rail flow.
    rail_lines_layer(lib, layers.rail_segments, resources, lang, project, options.simplify_deg).add_to(m)
    terminals_layer(lib, layers.terminals, resources, lang, project).add_to(m)
    swap_stations_layer(lib, layers.swap_stations, resources, lang, project).add_to(m)
    quarries_layer(lib, layers.quarries, year, lang, project).add_to(m)
    built, unbuilt = _bases(lib, run, year, lang, project)
    unbuilt.add_to(m)
    built.add_to(m)
    _demand(lib, run, year, lang, project).add_to(m)
    rule = options.coverage_rule or run.plan.scenario.coverage_check.nearness
    _coverage(lib, run, year, lang, project, rule).add_to(m)
    labels_layer(lib, run, year, lang, project).add_to(m)
    add_declutter(m, page)
    return m


def _flows(lib, run: Drawable, year: int, lang: Lang, project, simplify_deg: float) -> list:
    flows = run.layers.flows
    lines = corridors(flows[flows["year"] == year], run.layers.rail_segments, simplify_deg=simplify_deg)
    names = site_names(run)
    groups = []
    for mode in MODES:
        group = lib.FeatureGroup(name=layer_name(f"flow_{mode}", lang))
        part = lines[lines["mode"] == mode].copy()
        if not part.empty:
            part["info"] = [corridor_info(row, mode, names, lang) for row in part.itertuples()]
            part["weight"] = [flow_weight(t) for t in part["tonnes"]]
            lib.GeoJson(
                geojson(part[["mode", "weight", "info", "geometry"]], project),
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
        name = word((row.name_zh, row.name), lang, True)
        where = latlon(row.geometry, project)
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
                tooltip=f"{name} · {field('not_built', lang)}",
            ).add_to(unbuilt)
            continue
        lib.CircleMarker(
            where,
            radius=float(4 + 2.4 * np.sqrt(row.capacity_t / MT)),
            color="#4d2a06",
            weight=1.2,
            fill=True,
            fill_color=bin_colour(row.utilisation, BASE_BINS),
            fill_opacity=0.92,
            tooltip=name,
            popup=lib.Popup(base_popup(row, chains.get(row.base), lang), max_width=380),
        ).add_to(built)
    return built, unbuilt


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
    names = site_names(run)
    for node, row in _node_summary(run, year).iterrows():
        unmet = row["unmet_t"] > 0.5
        name = word((row["name_zh"], row["name"]), lang, True)
        lib.CircleMarker(
            latlon(row["geometry"], project),
            radius=float(3 + 1.6 * np.sqrt(row["demand_t"] / MT)),
            color="#d7191c" if unmet else "#3f007d",
            weight=3.0 if unmet else 1.0,
            fill=True,
            fill_color=bin_colour(row["share"], DEMAND_BINS),
            fill_opacity=0.9,
            tooltip=name + (" ⚠" if unmet else ""),
            popup=lib.Popup(demand_popup(row, by_node.get(node), names, lang), max_width=380),
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
        name = word((place["name_zh"], place["name"]), lang, True)
        lib.CircleMarker(
            latlon(place["geometry"], project),
            radius=float(7 + 1.6 * np.sqrt(row["demand_t"] / MT)),
            color=bin_colour(row["share"], DEMAND_BINS),
            weight=5,
            fill=False,
            tooltip=lib.Tooltip(coverage_info(row, name, limits, lang), sticky=True),
        ).add_to(group)
    return group
