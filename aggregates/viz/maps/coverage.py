"""The coverage map: each site with its answer, the bases of its mix and the routes they would take.

Sites are green (covered), amber (partly) or red (not), named on the map, with the answer's sentence
in the title block; the bases of a mix are named too, and their routes are drawn along the roads and
rail sections they use (straight dashed lines, said so in the legend, where a route has no
geometry). Under them: the city boundaries, the region's roads and rail lines, and every other base
as a small grey dot. Chinese by default; works offline (scripts embedded, no tiles).
"""

from __future__ import annotations

import html

import geopandas as gpd
from branca.element import Element

from aggregates.analysis.coverage import answer_of
from aggregates.viz.maps.basemaps import geojson, lib_of, new_map, projector
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.popups import rows_html
from aggregates.viz.maps.region_layers import boundaries_layer
from aggregates.vocab import CHAIN_LABELS, COVERAGE_STATUS_LABELS

STATUS_COLOURS = {"covered": "#1a9850", "partly": "#f5a623", "not": "#d73027"}
STATUS_WORDS = {k: v[1] for k, v in COVERAGE_STATUS_LABELS.items()}
WORDS = {
    "title": ("工地砂石供应核查", "Can the site be supplied?"),
    "roads": ("公路", "Roads"),
    "rail": ("铁路", "Rail lines"),
    "bases": ("其他砂石基地", "Other aggregate bases"),
    "routes": ("供应路线", "Supply routes"),
    "sites": ("工地", "Sites"),
    "along": ("沿公路/铁路的供应路线", "supply route along roads / rail"),
    "straight": ("直线(非实际路线)", "straight line (not the route)"),
    "other_base": ("其他基地", "other base"),
    "supplier": ("供应基地", "supplying base"),
    "boundary": ("市界", "city boundary"),
    "road": ("公路 / 铁路", "road / rail"),
}
LABEL_CSS = """<style>
.agg-cov-label{transform:translate(14px,-50%);white-space:nowrap;width:max-content;font-size:13px;font-weight:600;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none;color:#222;}
.agg-cov-base{font-size:12px;font-weight:500;color:#444;}
.agg-cov-title{max-width:560px;}
.agg-cov-title p{margin:4px 0 0 0;}
</style>"""


def _w(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "zh" else 1]


def _popup(result, lang: str, basis: str) -> str:
    a = answer_of(result, basis)
    rows = [
        ("status" if lang == "en" else "结论", COVERAGE_STATUS_LABELS[a.status][0 if lang == "zh" else 1]),
        ("share covered" if lang == "en" else "供应比例", f"{result.share_covered:.0%}"),
        ("mix cost" if lang == "en" else "到场价", _num(a.cost_yuan_per_t, " yuan/t" if lang == "en" else " 元/吨")),
        ("mix CO2e" if lang == "en" else "运输排放", _num(a.co2e_kg_per_t, " kg/t" if lang == "en" else " 千克/吨")),
    ]
    if a.natural is not None:
        rows.append(("natural" if lang == "en" else "天然砂石", _num(a.natural.yuan_per_t, " yuan/t" if lang == "en" else " 元/吨")))
    return rows_html(rows, title=result.site.name) + f'<div class="agg-note">{html.escape(a.sentence(lang))}</div>'


def _num(value: float, unit: str) -> str:
    return "-" if value != value else f"{value:,.1f}{unit}"


def _label(lib, where, text: str, css: str = "agg-cov-label"):
    return lib.Marker(where, icon=lib.DivIcon(html=f'<div class="{css}">{html.escape(text)}</div>', icon_size=(0, 0)))


def _network_layers(lib, m, region, lang: str, project) -> None:
    """The region's roads and rail lines, thin and grey, under everything else."""
    roads = region.roads[region.roads["kind"] != "access"][["id", "geometry"]]
    group = lib.FeatureGroup(name=_w("roads", lang)).add_to(m)
    style = {"color": "#9aa3ad", "weight": 1.2, "opacity": 0.8}
    lib.GeoJson(geojson(roads, project, 0.002), style_function=lambda f: style, interactive=False).add_to(group)
    rail = lib.FeatureGroup(name=_w("rail", lang)).add_to(m)
    rstyle = {"color": "#555", "weight": 1.5, "opacity": 0.7, "dashArray": "2 3"}
    lines = region.rail_segments[["id", "geometry"]]
    lib.GeoJson(geojson(lines, project, 0.002), style_function=lambda f: rstyle, interactive=False).add_to(rail)


def _route(lib, mix, site, lang: str, bases, colour: str, project):
    """One option of a mix: along its geometry when it has one, else a dashed straight line."""
    name = mix.name_zh if lang == "zh" else mix.name_en
    chain = CHAIN_LABELS[mix.chain][0 if lang == "zh" else 1]
    tip = f"{name} → {site.name}: {chain}, {mix.tonnes:,.0f} {'吨/年' if lang == 'zh' else 't/yr'}"
    geometry = getattr(mix, "geometry", None)
    if geometry is not None and not geometry.is_empty:
        coords = [(y, x) for x, y in project(geometry).coords]
        return lib.PolyLine(coords, color=colour, weight=4, opacity=0.85, tooltip=tip)
    lat, lon = bases[mix.base]
    return lib.PolyLine([(site.lat, site.lon), (lat, lon)], color=colour, weight=3, dash_array="8 6", tooltip=tip)


def _title(report, lang: str) -> str:
    lines = [
        f"<p><b>{html.escape(r.site.name)}</b> {html.escape(answer_of(r, report.basis).sentence(lang))}</p>"
        for r in report.results[:3]
    ]
    more = len(report.results) - 3
    if more > 0:
        lines.append(f"<p>{'另有' if lang == 'zh' else 'and '}{more}{'个工地见地图' if lang == 'zh' else ' more sites on the map'}</p>")
    return (
        f'<div class="agg-box agg-title agg-cov-title" id="agg-title"><h1>{_w("title", lang)}</h1>'
        f'{"".join(lines)}</div>'
    )


def _legend(lang: str) -> str:
    dot = '<span class="agg-swatch" style="background:{c}"></span>{t}'
    line = '<span class="agg-line" style="border-top:{s} {c}"></span>{t}'
    items = [dot.format(c=c, t=COVERAGE_STATUS_LABELS[k][0 if lang == "zh" else 1]) for k, c in STATUS_COLOURS.items()]
    items += [
        dot.format(c="#333", t=_w("supplier", lang)),
        dot.format(c="#bbb", t=_w("other_base", lang)),
        line.format(s="4px solid", c="#1a9850", t=_w("along", lang)),
        line.format(s="3px dashed", c="#1a9850", t=_w("straight", lang)),
        line.format(s="2px dashed", c="#7a4f9a", t=_w("boundary", lang)),
        line.format(s="2px solid", c="#9aa3ad", t=_w("road", lang)),
    ]
    rows = "".join(f'<div class="agg-row"><span class="agg-item">{i}</span></div>' for i in items)
    return f'<div class="agg-box agg-legend" id="agg-legend">{rows}</div>'


def coverage_map(report, region, boundaries: gpd.GeoDataFrame | None = None, options: MapOptions | None = None):
    """Draw a coverage report over the region.

    Parameters
    ----------
    report
        A :class:`aggregates.analysis.coverage.Report`.
    region
        The region (its bases, roads and rail lines; sites need not be in it).
    boundaries
        City boundaries to outline (:func:`aggregates.data.boundaries.read_boundaries`); none when omitted.
    options
        Map options (default: Chinese, offline, no tiles).

    Returns
    -------
    folium.Map
    """
    options = options or MapOptions()
    lang, project = options.lang, projector(options)
    m = new_map(options)
    lib = lib_of(m)
    m.get_root().header.add_child(Element(LABEL_CSS))
    if boundaries is not None:
        boundaries_layer(lib, boundaries, lang, project).add_to(m)
    _network_layers(lib, m, region, lang, project)
    bases = {b.id: (b.geometry.y, b.geometry.x) for b in region.bases.itertuples()}
    points = _draw_sites(lib, m, report, region, lang, project, bases)
    lib.LayerControl(collapsed=True, position="topright").add_to(m)
    m.get_root().html.add_child(Element(_title(report, lang) + _legend(lang)))
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    # room for the title block above and the legend at the right
    bounds = [(min(lats) - 0.05, min(lons) - 0.05), (max(lats) + 0.05, max(lons) + 0.05)]
    m.fit_bounds(bounds, padding_top_left=(40, 150), padding_bottom_right=(240, 40))
    return m


def _draw_sites(lib, m, report, region, lang: str, project, bases) -> list[tuple[float, float]]:
    """Routes, bases and sites; returns the points the view must hold."""
    routes = lib.FeatureGroup(name=_w("routes", lang)).add_to(m)
    others = lib.FeatureGroup(name=_w("bases", lang)).add_to(m)
    sites = lib.FeatureGroup(name=_w("sites", lang)).add_to(m)
    used = {b for r in report.results for b in r.mix["base"]} if report.results else set()
    for b in region.bases.itertuples():
        if b.id not in used:
            name = b.name_zh if lang == "zh" else b.name_en
            lib.CircleMarker(bases[b.id], radius=3, color="#999", fill=True, fill_opacity=0.8, tooltip=name).add_to(others)
    points = []
    for result in report.results:
        s, colour = result.site, STATUS_COLOURS[result.status]
        for mix in result.mix.itertuples():
            _route(lib, mix, s, lang, bases, colour, project).add_to(routes)
            points.append(bases[mix.base])
        for base, name_zh, name_en in result.mix[["base", "name_zh", "name_en"]].drop_duplicates("base").itertuples(index=False):
            name = name_zh if lang == "zh" else name_en
            lib.CircleMarker(bases[base], radius=6, color="#222", fill=True, fill_color="#333", fill_opacity=0.9, tooltip=name).add_to(routes)
            _label(lib, bases[base], name, "agg-cov-label agg-cov-base").add_to(routes)
        points.append((s.lat, s.lon))
        status = COVERAGE_STATUS_LABELS[result.status][0 if lang == "zh" else 1]
        lib.CircleMarker(
            (s.lat, s.lon), radius=10, color="#222", weight=1.5, fill=True, fill_color=colour, fill_opacity=0.95,
            tooltip=f"{s.name}: {status} ({result.share_covered:.0%})",
            popup=lib.Popup(_popup(result, lang, report.basis), max_width=440),
        ).add_to(sites)
        _label(lib, (s.lat, s.lon), f"{s.name} · {status}").add_to(sites)
    return points
