"""Names on the map and the map's own basemap: labels of bases, demand nodes and towns, roads.

The basemap is drawn from the region's own layers (main roads and named towns; the boundaries and
rail lines are layers of their own), so a map needs no tile server. Labels are permanent text next to
their marker; a small script hides a label that would overlap a more important one (cities, then
bases by capacity, then demand nodes by demand, then towns) each time the view changes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

from aggregates.viz.labels import Lang
from aggregates.viz.layers import Drawable, MapLayers
from aggregates.viz.maps.basemaps import geojson, latlon
from aggregates.viz.maps.words import layer_name
from aggregates.vocab import MT

# Label priorities: lower is kept first when two overlap.
RANK_CITY, RANK_BASE, RANK_DEMAND, RANK_TOWN = 0, 1000, 3000, 6000
ROAD_STYLE = {"expressway": (2.2, "#b9a78f"), "motorway": (2.2, "#b9a78f"), "national": (1.6, "#c9bda9")}
_BRACKETS = re.compile(r"\s*[(（][^)）]*[)）]")
_ZH_SUFFIXES = ("绿色砂石基地", "砂石基地", "绿色建材基地", "机制砂", "砂石", "基地")
_EN_SUFFIXES = (" green aggregate base", " aggregate base", " aggregates", " aggregate", " base")
SHORT_MAX = {"zh": 8, "en": 22}


def short_name(name: str, lang: Lang) -> str:
    """A label-length name: bracketed notes and generic endings dropped, cut with … when still long.

    E.g. ``迁安首矿(首钢矿业)绿色砂石基地`` -> ``迁安首矿``, ``Chengde Baotong green aggregate base`` ->
    ``Chengde Baotong``.
    """
    short = _BRACKETS.sub("", str(name)).strip()
    for suffix in _ZH_SUFFIXES if lang == "zh" else _EN_SUFFIXES:
        if short.lower().endswith(suffix) and len(short) > len(suffix) + 1:
            short = short[: -len(suffix)].strip()
            break
    most = SHORT_MAX[lang]
    return short if len(short) <= most else short[: most - 1] + "…"


def label_icon(lib, text: str, css: str, rank: int, dx: float = 0.0):
    """A DivIcon writing ``text`` (class ``agg-lbl`` and ``css``), ``dx`` pixels right of its point."""
    style = f' style="margin-left:{dx:.0f}px"' if dx else ""
    body = f'<div class="agg-lbl {css}" data-rank="{rank}"{style}>{html.escape(text)}</div>'
    return lib.DivIcon(html=body, icon_size=(0, 0), class_name="agg-lbl-icon")


def labels_layer(lib, run: Drawable, year: int, lang: Lang, project: Callable):
    """Labels of the year's built bases and of the demand nodes (toggled as one layer)."""
    group = lib.FeatureGroup(name=layer_name("labels", lang))
    bases = run.layers.bases
    bases = bases[(bases["year"] == year) & (bases["level"] >= 0) & (bases["capacity_t"] > 0)]
    order = np.argsort(-bases["capacity_t"].to_numpy(float), kind="stable")
    for rank, row in enumerate(bases.iloc[order].itertuples()):
        name = row.name_zh if lang == "zh" and isinstance(row.name_zh, str) and row.name_zh else row.name
        radius = 4 + 2.4 * np.sqrt(row.capacity_t / MT)  # the base's circle (plan_layers._bases)
        icon = label_icon(lib, short_name(name, lang), "agg-lbl-base", RANK_BASE + rank, radius + 3)
        lib.Marker(latlon(row.geometry, project), icon=icon, interactive=False).add_to(group)
    demand = run.layers.demand
    demand = demand[demand["year"] == year]
    sizes = demand.groupby("node")["demand_t"].sum().sort_values(ascending=False, kind="stable")
    first = demand.drop_duplicates("node").set_index("node")
    for rank, (node, tonnes) in enumerate(sizes.items()):
        row = first.loc[node]
        name = row["name_zh"] if lang == "zh" and isinstance(row["name_zh"], str) else row["name"]
        radius = 3 + 1.6 * np.sqrt(tonnes / MT)  # the node's circle (plan_layers._demand)
        icon = label_icon(lib, short_name(name, lang), "agg-lbl-demand", RANK_DEMAND + rank, radius + 3)
        lib.Marker(latlon(row["geometry"], project), icon=icon, interactive=False).add_to(group)
    return group


def basemap_layer(lib, layers: MapLayers, lang: Lang, project: Callable, simplify_deg: float):
    """The map's own basemap: the region's main roads and its named towns (no tiles, nothing fetched)."""
    group = lib.FeatureGroup(name=layer_name("basemap", lang))
    roads = layers.roads
    if not roads.empty:
        lib.GeoJson(
            geojson(roads[["kind", "geometry"]], project, simplify_deg),
            style_function=lambda f: {
                "color": ROAD_STYLE.get(f["properties"]["kind"], (1.1, "#d3cabb"))[1],
                "weight": ROAD_STYLE.get(f["properties"]["kind"], (1.1, "#d3cabb"))[0],
                "opacity": 0.9,
            },
            interactive=False,
            control=False,
        ).add_to(group)
    places = layers.places
    places = places[places["kind"] == "town"] if "kind" in places else places.iloc[:0]
    for rank, row in enumerate(places.sort_values("id").itertuples() if not places.empty else []):
        name = row.name_zh if lang == "zh" else row.name_en
        where = latlon(row.geometry, project)
        lib.CircleMarker(where, radius=1.8, color="#6b6b6b", weight=1, fill=True, fill_opacity=1.0).add_to(group)
        icon = label_icon(lib, short_name(name, lang), "agg-lbl-town", RANK_TOWN + rank, 4)
        lib.Marker(where, icon=icon, interactive=False).add_to(group)
    return group


DECLUTTER_JS = """<script>
function aggDeclutter(map){
  function run(){
    var els = Array.prototype.slice.call(map.getContainer().querySelectorAll('.agg-lbl'));
    els.sort(function(a, b){ return (+a.dataset.rank) - (+b.dataset.rank); });
    els.forEach(function(el){ el.style.visibility = 'visible'; });
    var boxes = els.map(function(el){ return el.getBoundingClientRect(); });  // one layout for all
    var kept = [];
    els.forEach(function(el, i){
      var r = boxes[i];
      if (!r.width) { return; }
      var g = 3;  // pixels kept clear between two labels
      var hit = kept.some(function(k){
        return r.left < k.right + g && r.right + g > k.left && r.top < k.bottom + g && r.bottom + g > k.top;
      });
      if (hit) { el.style.visibility = 'hidden'; } else { kept.push(r); }
    });
  }
  map.on('zoomend moveend overlayadd overlayremove resize', function(){ setTimeout(run, 0); });
  map.whenReady(function(){ setTimeout(run, 30); });
  if (document.fonts) { document.fonts.ready.then(run); }  // fallback glyphs change the labels' widths
  // A map kept in step with another (Leaflet.Sync) moves without its own events, and labels change width
  // when the browser brings in fallback glyphs after the first paint: watch the view and the labels' widths.
  var seen = null;
  setInterval(function(){
    var c = map.getCenter(), s = map.getSize(), width = 0;
    map.getContainer().querySelectorAll('.agg-lbl').forEach(function(el){ width += el.offsetWidth; });
    var now = [map.getZoom(), c.lat.toFixed(5), c.lng.toFixed(5), s.x, s.y, width].join(':');
    if (now !== seen) { seen = now; run(); }
  }, 500);
  map._aggDeclutter = run;
}
</script>"""


class Declutter(MacroElement):
    """Hides labels that overlap more important ones on the map it is added to (see :data:`DECLUTTER_JS`)."""

    _template = Template("{% macro script(this, kwargs) %}aggDeclutter({{ this._parent.get_name() }});{% endmacro %}")

    def __init__(self):
        super().__init__()
        self._name = "Declutter"


def add_declutter(m, page=None) -> None:
    """Declutter ``m``'s labels; the function is put once in ``page``'s header (default: ``m``'s own page)."""
    root = page if page is not None else m.get_root()
    if not getattr(root, "_agg_declutter", False):
        root.header.add_child(Element(DECLUTTER_JS), name="agg_declutter")
        root._agg_declutter = True
    Declutter().add_to(m)
