"""The map of a dispatched day (``day_map.html``): each depot's routes, sized by the day's loads, by hour.

A route is a depot and a destination with the loads of the day on it: direct hauls from a base to a
market, first miles from a base to its loading yard, last miles from an unloading yard to a market.
Routes follow the plan's route geometry (the flow's line, cut at the rail yards for first and last
miles) when the run's map layers are given, otherwise they are drawn straight and dashed, and the
legend says so. One layer holds the whole day; a time slider (30-minute steps over the dispatch day, clock
time, with a play button) shows on each route the trucks under way at that time: loaded on the road or
waiting, unloading, or returning empty; one layer per three hours (by unloading time) shows when the
loads arrive, switched in the layer control. The slider is a small inline script driving Leaflet layers
(the map embeds its scripts; nothing is fetched). Chinese by default; with no basemap tiles the region's
roads and towns are drawn as the basemap.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from branca.element import Element, MacroElement, Template
from shapely.geometry import LineString, Point
from shapely.ops import substring

from aggregates.viz.labels import Lang
from aggregates.viz.maps.annotations import add_declutter, basemap_layer
from aggregates.viz.maps.basemaps import lib_of, new_map, projector
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.popups import rows_html
from aggregates.viz.maps.region_layers import boundaries_layer
from aggregates.viz.maps.saving import save_html
from aggregates.vocab import RAIL_CHAINS

if TYPE_CHECKING:
    from aggregates.dispatch import DayPlan
    from aggregates.viz.layers import MapLayers

BAND_HOURS = 3
STEP_MINUTES = 30  # the time slider's step
PHASES = ("loaded", "unloading", "empty")
LEG_COLOURS = {"direct": "#d9822b", "first_mile": "#5b8fd1", "last_mile": "#1f5fa8"}
TYPE_COLOURS = {"bet": "#2a9d5c", "diesel": "#d9822b"}
MAX_WEIGHT = 12.0

WORDS: dict[str, tuple[str, str]] = {
    "title": ("调度日地图", "Map of the day"),
    "typical": ("典型日", "typical day"),
    "peak": ("高峰日", "peak day"),
    "direct": ("直达公路", "direct haul"),
    "first_mile": ("首公里 (基地→装车站)", "first mile (base → loading yard)"),
    "last_mile": ("末公里 (卸车站→需求点)", "last mile (unloading yard → destination)"),
    "all_day": ("全天线路", "routes, whole day"),
    "depots": ("场站 (基地、卸车站)", "depots (bases, unloading yards)"),
    "band": ("{a}-{b} 卸货", "unloading {a}-{b}"),
    "loads": ("车次", "loads"),
    "trucks": ("车辆", "trucks"),
    "km": ("单程公里", "km one way"),
    "leg": ("类别", "leg"),
    "depot": ("场站", "depot"),
    "node": ("目的地", "destination"),
    "along": ("沿线路走向", "along the route"),
    "straight": ("直线 (无线路几何)", "straight line (no route geometry)"),
    "width": ("线宽: 当日车次", "width: loads of the day"),
    "summary": (
        "{loads} 车次, {trucks} 辆车, {trains} 列火车; 图层按卸货时刻每 {h} 小时一层",
        "{loads} loads, {trucks} trucks, {trains} trains; one layer per {h} hours of unloading",
    ),
    "straight_note": ("{n} 条线路无几何, 以直线表示", "{n} routes have no geometry and are drawn straight"),
    "missing": ("{n} 条线路缺少坐标, 未绘制", "{n} routes not drawn: no coordinates"),
    "at_time": ("滑块时刻在途车辆", "trucks under way at the slider's time"),
    "play": ("播放", "play"),
    "pause": ("暂停", "pause"),
    "clock": (
        "{t}: {loaded} 辆重载在途或等待, {unloading} 辆卸货中, {empty} 辆空车返回",
        "{t}: {loaded} trucks loaded on the road or waiting, {unloading} unloading, {empty} returning empty",
    ),
    "loaded": ("重载在途/等待", "loaded on the road / waiting"),
    "unloading": ("卸货中", "unloading"),
    "empty": ("空车返回", "returning empty"),
    "slider_note": ("拖动滑块查看各时刻线路上的车辆", "move the slider to see the trucks on each route at that time"),
    "bet": ("换电重卡", "electric truck"),
    "diesel": ("柴油重卡", "diesel truck"),
}


def _w(key: str, lang: Lang) -> str:
    zh, en = WORDS.get(key, (key, key))
    return zh if lang == "zh" else en


def day_routes(day: DayPlan) -> pd.DataFrame:
    """One row per depot, leg and destination: loads, trucks (``trucks``, and ``bet``/``diesel`` by type) and km
    of the day, and the loads
    per band of ``BAND_HOURS`` hours of unloading clock time (``band`` columns ``b0``, ``b1``, ...)."""
    t = day.trips
    keys = ["depot", "leg", "node"]
    bands = 24 // BAND_HOURS
    columns = [*keys, "loads", "trucks", "bet", "diesel", "km", *(f"b{i}" for i in range(bands))]
    if not len(t):
        return pd.DataFrame(columns=columns)
    start = day.scenario.dispatch.day_start_hour
    hour = (t["unload_min"] / 60.0 + start) % 24
    t = t.assign(band=(hour // BAND_HOURS).astype(int))
    g = t.groupby(keys, sort=True)
    out = g.agg(loads=("truck", "size"), trucks=("truck", "nunique"), km=("km_loaded", "mean"))
    by_type = t.groupby([*keys, "type"])["truck"].nunique().unstack("type", fill_value=0)
    for kind in ("bet", "diesel"):
        out[kind] = by_type[kind] if kind in by_type else 0
    per = t.groupby([*keys, "band"]).size().unstack("band", fill_value=0)
    for i in range(bands):
        out[f"b{i}"] = per.get(i, 0)
    return out.reset_index()[columns]


def slider_steps(day: DayPlan) -> list[int]:
    """The time slider's steps: minutes after the day's start, every ``STEP_MINUTES`` through the day."""
    return list(range(0, 1440, STEP_MINUTES))


def under_way(day: DayPlan, routes: pd.DataFrame) -> np.ndarray:
    """Trucks on each route at each slider step, by phase: ``[route, step, phase]`` with phases :data:`PHASES`.

    A trip is loaded from its start until its unloading starts (driving, or waiting for the window), unloading
    for ``fleet.truck_unload_minutes``, then empty until it is back. The day repeats, so a trip that runs past
    the day's end is counted at the start of the day as well.
    """
    steps = np.asarray(slider_steps(day), dtype=float)
    counts = np.zeros((len(routes), len(steps), len(PHASES)), dtype=int)
    t = day.trips
    if not len(t) or not len(routes):
        return counts
    index = {key: i for i, key in enumerate(zip(routes["depot"], routes["leg"], routes["node"], strict=True))}
    rows = np.array([index[k] for k in zip(t["depot"], t["leg"], t["node"], strict=True)])
    unload = float(day.scenario.fleet.truck_unload_minutes)
    starts = t["start_min"].to_numpy(float)
    unloads = t["unload_min"].to_numpy(float)
    ends = np.minimum(unloads + unload, t["back_min"].to_numpy(float))
    phases = ((starts, unloads), (unloads, ends), (ends, t["back_min"].to_numpy(float)))
    for p, (a, b) in enumerate(phases):
        inside = ((steps[None, :] - a[:, None]) % 1440) < (b - a)[:, None]  # trips x steps, wrapping the day
        np.add.at(counts[:, :, p], rows, inside.astype(int))
    return counts


def route_lines(
    day: DayPlan, routes: pd.DataFrame, flow_lines: pd.DataFrame | None
) -> list[tuple[LineString | None, bool]]:
    """Each route's line (WGS-84) and whether it follows the route geometry; ``None`` without coordinates.

    ``flow_lines``: the plan's flows with their route lines (``MapLayers.flows``); a first mile is its flow's
    line up to the loading yard, a last mile from the unloading yard on.
    """
    xy = (
        {}
        if not len(day.places)
        else dict(zip(day.places["id"], zip(day.places["lon"], day.places["lat"], strict=True), strict=True))
    )
    flows = _year_flows(flow_lines, day.year)
    out = []
    for r in routes.itertuples(index=False):
        line = _along(flows, r.leg, r.depot, r.node, xy)
        if line is not None:
            out.append((line, True))
        elif r.depot in xy and r.node in xy:
            out.append((LineString([xy[r.depot], xy[r.node]]), False))
        else:
            out.append((None, False))
    return out


def _year_flows(flow_lines: pd.DataFrame | None, year: int) -> pd.DataFrame:
    if flow_lines is None or not len(flow_lines) or "geometry" not in flow_lines:
        return pd.DataFrame(columns=["base", "node", "chain", "loading_terminal", "unloading_terminal", "geometry"])
    f = flow_lines[flow_lines["year"] == year] if "year" in flow_lines else flow_lines
    for column in ("loading_terminal", "unloading_terminal"):
        if column not in f:
            f = f.assign(**{column: ""})
    return f


def _along(flows: pd.DataFrame, leg: str, depot: str, node: str, xy: dict) -> LineString | None:
    """The part of a plan flow's line a leg drives, or ``None`` when there is none to cut."""
    if not len(flows):
        return None
    rail = flows["chain"].isin(RAIL_CHAINS)
    if leg == "direct":
        rows = flows[~rail & (flows["base"] == depot) & (flows["node"] == node)]
    elif leg == "first_mile":
        rows = flows[rail & (flows["base"] == depot) & (flows["loading_terminal"] == node)]
    else:
        rows = flows[rail & (flows["unloading_terminal"] == depot) & (flows["node"] == node)]
    lines = [g for g in rows.geometry if isinstance(g, LineString) and not g.is_empty and g.length > 0]
    if not lines:
        return None
    line = lines[0]
    if leg == "direct":
        return line
    yard = node if leg == "first_mile" else depot
    if yard not in xy:
        return None
    at = line.project(Point(xy[yard]))
    part = substring(line, 0.0, at) if leg == "first_mile" else substring(line, at, line.length)
    return part if isinstance(part, LineString) and part.length > 0 else None


def day_map(day: DayPlan, layers: MapLayers | None = None, options: MapOptions | None = None):
    """Draw a dispatched day.

    Parameters
    ----------
    day
        The day (its ``places`` give where depots and destinations are).
    layers
        The run's map layers (:attr:`aggregates.Result.layers`): route geometry, boundaries, roads and
        towns; without them routes are straight and there is no basemap.
    options
        Language and basemap (default: Chinese, offline, no tiles).

    Returns
    -------
    folium.Map
    """
    options = (options or MapOptions()).checked()
    lang, project = options.lang, projector(options)
    m = new_map(options)
    lib = lib_of(m)
    if layers is not None:
        if options.basemap == "none":
            basemap_layer(lib, layers, lang, project, options.simplify_deg).add_to(m)
        boundaries_layer(lib, layers.boundaries, lang, project).add_to(m)
    routes = day_routes(day)
    lines = route_lines(day, routes, layers.flows if layers is not None else None)
    top = max([1, *routes["loads"]]) if len(routes) else 1
    whole = lib.FeatureGroup(name=_w("all_day", lang)).add_to(m)
    at_time = lib.FeatureGroup(name=_w("at_time", lang)).add_to(m)
    bands = []
    for i in range(24 // BAND_HOURS):
        a, b = i * BAND_HOURS, (i + 1) * BAND_HOURS
        name = _w("band", lang).format(a=f"{a:02d}:00", b=f"{b:02d}:00")
        bands.append(lib.FeatureGroup(name=name, show=False).add_to(m))
    drawn = []
    for r, (line, along) in zip(routes.itertuples(index=False), lines, strict=True):
        if line is None:
            continue
        coords = [(round(y, 5), round(x, 5)) for x, y in project(line).coords]
        drawn += coords
        tip = _tip(r, along, lang)
        _polyline(lib, coords, r.leg, r.loads, top, along, tip, opacity=0.35).add_to(whole)
        for i, group in enumerate(bands):
            n = int(getattr(r, f"b{i}"))
            if n:
                _polyline(lib, coords, r.leg, n, top, along, tip).add_to(group)
    _depots(lib, day, project, lang).add_to(m)
    lib.LayerControl(collapsed=False, position="topright").add_to(m)
    _add_slider(m, at_time, day, routes, lines, project, lang)
    straight = sum(1 for line, along in lines if line is not None and not along)
    missing = sum(1 for line, _ in lines if line is None)
    m.get_root().html.add_child(Element(_title(day, lang, straight, missing)))
    m.get_root().html.add_child(Element(_legend(lang, straight > 0)))
    add_declutter(m)
    if drawn:
        lats, lons = [c[0] for c in drawn], [c[1] for c in drawn]
        m.fit_bounds(
            [(min(lats), min(lons)), (max(lats), max(lons))], padding_top_left=(20, 140), padding_bottom_right=(240, 20)
        )
    return m


def _polyline(lib, coords, leg: str, loads: int, top: int, along: bool, tip: str, opacity: float = 0.8):
    weight = round(2.0 + (MAX_WEIGHT - 2.0) * math.sqrt(loads / top), 1)
    dash = None if along else "8 6"
    return lib.PolyLine(
        coords, color=LEG_COLOURS.get(leg, "#777"), weight=weight, opacity=opacity, dash_array=dash, tooltip=tip
    )


class _Clock(MacroElement):
    """The time slider's script, rendered after the map's layers (it fills the ``at_time`` group)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.script }}{% endmacro %}")

    def __init__(self, script: str) -> None:
        super().__init__()
        self._name = "DayClock"
        self.script = script


def _add_slider(m, group, day: DayPlan, routes: pd.DataFrame, lines: list, project: Callable, lang: Lang) -> None:
    """The time slider box (slider, play button, clock line) and its script drawing ``group`` at each step."""
    counts = under_way(day, routes)
    start = day.scenario.dispatch.day_start_hour * 60
    labels = [f"{int((start + s) // 60) % 24:02d}:{int(start + s) % 60:02d}" for s in slider_steps(day)]
    drawn = []
    for i, (r, (line, along)) in enumerate(zip(routes.itertuples(index=False), lines, strict=True)):
        if line is None:
            continue
        coords = [(round(y, 5), round(x, 5)) for x, y in project(line).coords]
        head = f"{html.escape(str(r.depot))} → {html.escape(str(r.node))} · {html.escape(_w(r.leg, lang))}"
        drawn.append(
            {
                "c": coords,
                "colour": LEG_COLOURS.get(r.leg, "#777"),
                "dash": None if along else "8 6",
                "head": head,
                "n": counts[i].tolist(),
            }
        )
    totals = counts.sum(axis=(0, 2))
    data = {
        "labels": labels,
        "routes": drawn,
        "top": int(max(1, counts.sum(axis=2).max(initial=0))),
        "initial": int(np.argmax(totals)) if len(totals) else 0,
        "weight": MAX_WEIGHT,
        "words": {k: _w(k, lang) for k in ("clock", *PHASES, "play", "pause")},
    }
    payload = json.dumps(data, ensure_ascii=True).replace("</", "<\\/")
    m.get_root().html.add_child(Element(_slider_box(lang, len(labels))))
    _Clock(_SLIDER_JS.replace("__DATA__", payload).replace("__GROUP__", group.get_name())).add_to(m)


def _slider_box(lang: Lang, steps: int) -> str:
    return (
        '<div class="agg-box agg-clock" id="agg-clock" style="bottom:48px;left:10px;max-width:min(620px,60vw)">'
        f'<button type="button" id="agg-play" title="{html.escape(_w("play", lang))}">▶</button> '
        f'<input type="range" id="agg-time" min="0" max="{steps - 1}" step="1" value="0" style="width:min(420px,40vw);'
        f'vertical-align:middle" aria-label="{html.escape(_w("slider_note", lang))}">'
        '<div id="agg-time-label" style="margin-top:3px;font-variant-numeric:tabular-nums"></div></div>'
    )


# Draws the routes of the slider's step into the "at the slider's time" group: width by the trucks on the
# route, a tooltip with them by phase; the box's data-shown counts the routes drawn (for the tests).
_SLIDER_JS = r"""
(function () {
  const D = __DATA__, group = __GROUP__;
  const box = document.getElementById('agg-clock'), slider = document.getElementById('agg-time');
  const label = document.getElementById('agg-time-label'), play = document.getElementById('agg-play');
  const lines = D.routes.map(r => L.polyline(r.c, {color: r.colour, dashArray: r.dash, opacity: 0.95}).bindTooltip(''));
  const fmt = (t, v) => t.replace(/\{(\w+)\}/g, (_, k) => v[k]);
  function show(k) {
    const sum = [0, 0, 0];
    let shown = 0;
    D.routes.forEach((r, i) => {
      const n = r.n[k], on = n[0] + n[1] + n[2];
      n.forEach((x, p) => { sum[p] += x; });
      if (!on) { group.removeLayer(lines[i]); return; }
      shown += 1;
      lines[i].setStyle({weight: 2 + (D.weight - 2) * Math.sqrt(on / D.top)});
      lines[i].setTooltipContent(r.head + '<br>' + D.words.loaded + ': ' + n[0] + '<br>' + D.words.unloading + ': '
        + n[1] + '<br>' + D.words.empty + ': ' + n[2]);
      group.addLayer(lines[i]);
    });
    slider.value = k;
    label.textContent = fmt(D.words.clock, {t: D.labels[k], loaded: sum[0], unloading: sum[1], empty: sum[2]});
    box.dataset.step = k; box.dataset.shown = shown; box.dataset.trucks = sum[0] + sum[1] + sum[2];
  }
  slider.addEventListener('input', () => show(+slider.value));
  let timer = null;
  play.addEventListener('click', () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = '▶'; play.title = D.words.play; return; }
    play.textContent = '❚❚'; play.title = D.words.pause;
    timer = setInterval(() => show((+slider.value + 1) % D.labels.length), 700);
  });
  show(D.initial);
})();
"""


def _tip(r, along: bool, lang: Lang) -> str:
    rows = [
        (_w("depot", lang), r.depot),
        (_w("node", lang), r.node),
        (_w("leg", lang), _w(r.leg, lang)),
        (_w("trucks", lang), ", ".join(f"{n} {_w(k, lang)}" for k, n in (("bet", r.bet), ("diesel", r.diesel)) if n)),
        (_w("loads", lang), f"{r.loads}"),
        (_w("km", lang), f"{r.km:,.1f}"),
    ]
    if not along:
        rows.append(("", _w("straight", lang)))
    return rows_html([(html.escape(str(k)), html.escape(str(v))) for k, v in rows])


def _depots(lib, day: DayPlan, project: Callable, lang: Lang):
    group = lib.FeatureGroup(name=_w("depots", lang))
    if not len(day.trips) or not len(day.places):
        return group
    where = day.places.drop_duplicates("id").set_index("id")
    trucks = day.trucks()
    for depot, rows in trucks.groupby("depot", sort=True):
        if depot not in where.index:
            continue
        point = project(Point(where.at[depot, "lon"], where.at[depot, "lat"]))
        parts = [
            (_w(t, lang), f"{int(n)} {_w('trucks', lang)}, {int(k)} {_w('loads', lang)}")
            for t, n, k in zip(rows["type"], rows["trucks"], rows["trips"], strict=True)
        ]
        tip = rows_html([(html.escape(a), html.escape(b)) for a, b in parts], html.escape(str(depot)))
        lib.CircleMarker(
            [round(point.y, 5), round(point.x, 5)],
            radius=4 + math.sqrt(float(rows["trucks"].sum())),
            color="#333",
            weight=1.5,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.9,
            tooltip=tip,
        ).add_to(group)
    return group


def _title(day: DayPlan, lang: Lang, straight: int, missing: int) -> str:
    s = day.summary()
    head = f"{_w('title', lang)}: {day.scenario.name}, {day.year} {_w(day.basis.day, lang)}"
    lines = [
        _w("summary", lang).format(loads=f"{s['loads']:,}", trucks=f"{s['trucks']:,}", trains=s["trains"], h=BAND_HOURS),
        _w("slider_note", lang),
    ]
    if straight:
        lines.append(_w("straight_note", lang).format(n=straight))
    if missing:
        lines.append(_w("missing", lang).format(n=missing))
    body = "".join(f"<p style='margin:4px 0 0 0'>{html.escape(x)}</p>" for x in lines)
    return f'<div class="agg-box agg-title" id="agg-title"><h1>{html.escape(head)}</h1>{body}</div>'


def _legend(lang: Lang, straight: bool) -> str:
    line = (
        '<span class="agg-line" style="display:inline-block;width:26px;margin-right:6px;border-top:{s} {c}"></span>{t}'
    )
    items = [line.format(s="4px solid", c=c, t=html.escape(_w(k, lang))) for k, c in LEG_COLOURS.items()]
    items.append(line.format(s="4px solid", c="#777", t=html.escape(_w("along", lang))))
    if straight:
        items.append(line.format(s="3px dashed", c="#777", t=html.escape(_w("straight", lang))))
    items.append(html.escape(_w("width", lang)))
    rows = "".join(f'<div class="agg-row"><span class="agg-item">{i}</span></div>' for i in items)
    return f'<div class="agg-box agg-legend" id="agg-legend">{rows}</div>'


def write_day_map(
    day: DayPlan,
    folder: str | Path,
    layers: MapLayers | None = None,
    options: MapOptions | None = None,
    name: str = "day_map.html",
) -> Path:
    """Write ``folder/<name>`` (``day_map.html``): the map of the day, scripts embedded unless the options ask
    for a CDN."""
    return save_html(day_map(day, layers, options), Path(folder) / name)
