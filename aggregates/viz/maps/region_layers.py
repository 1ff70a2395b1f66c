"""The region's layers on a plan's map: boundaries, rail sections, terminals and battery-swap stations.

Each capacitated site (rail section, terminal, swap station) is coloured by how much of its capacity
the plan uses in the year drawn (``plan.resources``); unused ones are grey or white.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from aggregates.viz import fmt
from aggregates.viz.labels import Lang, both
from aggregates.viz.maps.basemaps import geojson, latlon
from aggregates.viz.maps.popups import rows_html
from aggregates.viz.maps.style import UTILISATION_BINS, bin_colour
from aggregates.viz.maps.words import field, layer_name, word
from aggregates.vocab import MT


def boundaries_layer(lib, boundaries: gpd.GeoDataFrame, lang: Lang, project: Callable):
    """Dashed outlines of the market areas and supply cities, each named at its middle."""
    group = lib.FeatureGroup(name=layer_name("boundaries", lang))
    if boundaries.empty:
        return group
    frame = boundaries[["id", "name", "name_zh", "kind", "geometry"]].copy()
    frame["label"] = frame["name_zh"] if lang == "zh" else frame["name"]
    lib.GeoJson(
        geojson(frame, project),
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
        where = latlon(row.geometry.representative_point(), project)
        css = "agg-area agg-area-market" if row.kind == "market" else "agg-area agg-area-supply"
        lib.Marker(
            where,
            icon=lib.DivIcon(
                html=f'<div class="agg-lbl {css}" data-rank="0">{html.escape(row.label)}</div>',
                icon_size=(0, 0),
                class_name="agg-lbl-icon",
            ),
            interactive=False,
        ).add_to(group)
    return group


PASSENGER_ONLY = ("客运专线, 不走砂石", "passenger-only: no aggregate")
PASSENGER_ONLY_COLOUR = "#b07cc6"


def rail_lines_layer(lib, rail: gpd.GeoDataFrame, resources: pd.DataFrame, lang: Lang, project, simplify_deg: float):
    """Rail sections coloured by utilisation (dashed where used), with their load and capacity.

    Passenger-dedicated sections (``freight`` false) are drawn thin and violet, titled as such."""
    group = lib.FeatureGroup(name=layer_name("rail_lines", lang))
    frame = rail[["id", "line_en", "line_zh", "from_station", "to_station", "length_km", "geometry"]].copy()
    freight = rail["freight"].to_numpy(bool) if "freight" in rail.columns else np.ones(len(rail), bool)
    util = resources["utilisation"].reindex(frame["id"]).fillna(0.0).to_numpy()
    load = resources["load"].reindex(frame["id"]).fillna(0.0).to_numpy()
    cap = resources["capacity"].reindex(frame["id"]).fillna(0.0).to_numpy()
    frame["colour"] = [
        bin_colour(u, UTILISATION_BINS) if lo > 0 else "#9aa3ad" for u, lo in zip(util, load, strict=True)
    ]
    frame.loc[~freight, "colour"] = PASSENGER_ONLY_COLOUR
    frame["weight"] = np.where(load > 0, 2.5, np.where(freight, 1.5, 1.0))
    frame["dash"] = np.where(load > 0, "7 5", "")
    frame["info"] = [
        rows_html(
            [
                (field("section", lang), f"{a} – {b}"),
                (field("length", lang), fmt.km(length, lang)),
                (field("load", lang), fmt.tonnes_per_year(lo, lang)),
                (field("capacity", lang), fmt.tonnes_per_year(c, lang)),
                (field("utilisation", lang), fmt.share(u)),
            ],
            title=word((zh, en), lang, True) + ("" if ok else f" · {word(PASSENGER_ONLY, lang)}"),
        )
        for a, b, length, lo, c, u, zh, en, ok in zip(
            frame["from_station"],
            frame["to_station"],
            frame["length_km"],
            load,
            cap,
            util,
            frame["line_zh"],
            frame["line_en"],
            freight,
            strict=True,
        )
    ]
    lib.GeoJson(
        geojson(frame[["id", "colour", "weight", "dash", "info", "geometry"]], project, simplify_deg),
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


def _usage(resources: pd.DataFrame, site: str, capacity: float = 0.0) -> tuple[float, float, float, str]:
    """A capacitated site's load, capacity, utilisation and utilisation colour (white when unused)."""
    load = float(resources["load"].get(site, 0.0))
    cap = float(resources["capacity"].get(site, capacity))
    util = float(resources["utilisation"].get(site, 0.0))
    return load, cap, util, bin_colour(util, UTILISATION_BINS) if load > 0 else "#ffffff"


def _site_marker(lib, row, lang: Lang, project, rows: list, icon_html: str, size: int):
    """A point site drawn as a small HTML icon with a table tooltip."""
    info = rows_html(rows, title=word((row.name_zh, row.name_en), lang, True))
    icon = lib.DivIcon(html=icon_html, icon_size=(size, size), icon_anchor=(size // 2, size // 2))
    return lib.Marker(latlon(row.geometry, project), icon=icon, tooltip=lib.Tooltip(info, sticky=True))


def terminals_layer(lib, terminals: gpd.GeoDataFrame, resources: pd.DataFrame, lang: Lang, project):
    """Loading stations (triangles) and unloading yards (squares), filled by utilisation."""
    group = lib.FeatureGroup(name=layer_name("terminals", lang))
    for row in terminals.sort_values("id").itertuples():
        load, cap, util, colour = _usage(resources, row.id, row.capacity_mt_per_yr * MT)
        rows = [
            (field("kind", lang), both(row.kind, lang)),
            (field("load", lang), fmt.tonnes_per_year(load, lang)),
            (field("capacity", lang), fmt.tonnes_per_year(cap, lang)),
            (field("utilisation", lang), fmt.share(util)),
        ]
        shape = "agg-tri" if row.kind == "loading" else "agg-sq"
        _site_marker(lib, row, lang, project, rows, f'<div class="{shape}" style="--c:{colour}"></div>', 14).add_to(
            group
        )
    return group


def quarries_layer(lib, quarries: gpd.GeoDataFrame, year: int, lang: Lang, project):
    """Natural-aggregate quarries (diamonds), filled by the share of what they may ship that they ship."""
    group = lib.FeatureGroup(name=layer_name("quarries", lang), show=False)
    if quarries.empty:
        return group
    shown = quarries[quarries["year"] == year].rename(columns={"name": "name_en"}).sort_values("quarry")
    for row in shown.itertuples():
        colour = bin_colour(row.utilisation, UTILISATION_BINS) if row.shipped_t > 0 else "#ffffff"
        rows = [
            (field("capacity", lang), fmt.tonnes_per_year(row.capacity_t, lang)),
            (field("outside_share", lang), fmt.share(row.outside_share)),
            (field("available", lang), fmt.tonnes_per_year(row.available_t, lang)),
            (field("output", lang), fmt.tonnes_per_year(row.shipped_t, lang)),
            (field("utilisation", lang), fmt.share(row.utilisation)),
        ]
        icon = f'<div class="agg-sq" style="--c:{colour};transform:rotate(45deg)"></div>'
        _site_marker(lib, row, lang, project, rows, icon, 12).add_to(group)
    return group


def swap_stations_layer(lib, stations: gpd.GeoDataFrame, resources: pd.DataFrame, lang: Lang, project):
    """Battery-swap stations, filled by utilisation, with their swaps a year."""
    group = lib.FeatureGroup(name=layer_name("swap", lang))
    unit = "次/年" if lang == "zh" else "swaps/yr"
    for row in stations.sort_values("id").itertuples():
        load, cap, util, colour = _usage(resources, row.id)
        rows = [
            (field("swaps", lang), f"{load:,.0f} {unit}"),
            (field("capacity", lang), f"{cap:,.0f} {unit}"),
            (field("utilisation", lang), fmt.share(util)),
        ]
        icon = f'<div class="agg-swap" style="--c:{colour}">⚡</div>'
        _site_marker(lib, row, lang, project, rows, icon, 16).add_to(group)
    return group
