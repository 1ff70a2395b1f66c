"""Several runs side by side: synchronised maps under a strip of their KPIs and differences.

``comparison_map(runs)`` draws 2 to ``MAX_COMPARED`` runs with :func:`aggregates.viz.maps.plan_layers.add_plan_layers`,
three per row, keeps their views in step (Leaflet.Sync, embedded when offline) and puts each run's
headline KPIs, and each one's difference from the first, in a strip above them.
"""

from __future__ import annotations

import folium
import folium.elements
import folium.plugins
import offlinefolium
import offlinefolium.elements
import offlinefolium.plugins
from branca.element import Element, Figure
from jinja2 import Template

from aggregates.errors import InputError
from aggregates.viz.labels import Lang, text
from aggregates.viz.layers import Drawable
from aggregates.viz.maps.changes import changes_layer, changes_legend, changes_summary
from aggregates.viz.maps.basemaps import empty_map, folium_lib, projector, tile_layers
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.panels import delta_html, grid_css, legend_html, strip_px, title_html
from aggregates.viz.maps.plan_layers import add_plan_layers
from aggregates.viz.maps.style import map_css
from aggregates.viz.maps.supply import fit_plan, title_info
from aggregates.vocab import KPIS

MAX_COMPARED = 6

# The strip's KPIs (named as in aggregates.vocab.KPIS) and how each is shown: per language the factor
# from the stored value and the unit of a difference, and the decimals. Shares differ in percentage points.
_STRIP_ROWS = (
    ("substitution_mt", {"zh": (100.0, "万吨"), "en": (1.0, "Mt")}, 0),
    ("rail_share_t", {"zh": (100.0, "个百分点"), "en": (100.0, "pp")}, 1),
    ("cost_yuan_per_t", {"zh": (1.0, "元/吨"), "en": (1.0, "yuan/t")}, 1),
    ("co2e_t", {"zh": (1e-4, "万吨"), "en": (1e-3, "kt")}, 1),
    ("nox_t", {"zh": (1.0, "吨"), "en": (1.0, "t")}, 0),
    ("trains_per_day", {"zh": (1.0, "列"), "en": (1.0, "")}, 1),
    ("truck_trips_per_day", {"zh": (1.0, "车次"), "en": (1.0, "")}, 0),
)


def kpi_table(runs: list[Drawable], year: int, lang: Lang) -> list[tuple[str, list[str], list[str]]]:
    """Headline KPIs of several runs in one year, formatted in ``lang``.

    Returns
    -------
    list of (name, values, differences)
        One entry per KPI: its name, its value in each run, and each later run's difference
        from the first (with unit).
    """
    per_run = [run.plan.year(year) for run in runs]
    rows = []
    for key, shown_in, digits in _STRIP_ROWS:
        scale, unit = shown_in[lang]
        values = [getattr(k, key) * scale for k in per_run]
        percent = "%" if KPIS[key].unit == "share" else ""
        shown = [f"{v:,.{digits}f}{percent}" for v in values]
        deltas = [f"{v - values[0]:+,.{digits}f} {unit}".strip() for v in values[1:]]
        rows.append((text(key, lang), shown, deltas))
    return rows


class _Synchronised:
    """Keeps every map's view in step with every other's (Leaflet.Sync); mixed into each library's element."""

    _template = Template(
        "{% macro script(this, kwargs) %}{% for a, b in this.pairs %}{{ a }}.sync({{ b }});{% endfor %}{% endmacro %}"
    )

    def __init__(self, members: list):
        super().__init__()
        self._name = "Synchronised"
        names = [m.get_name() for m in members]
        self.pairs = [(a, b) for a in names for b in names if a != b]


class _OfflineSynchronised(_Synchronised, offlinefolium.elements.JSCSSMixin):
    default_js = offlinefolium.plugins.DualMap.default_js  # embedded in the page by offlinefolium


class _OnlineSynchronised(_Synchronised, folium.elements.JSCSSMixin):
    default_js = folium.plugins.DualMap.default_js


def _synchronised(lib, maps: list):
    """An element that keeps every map's view in step with every other's (Leaflet.Sync, embedded when offline)."""
    return (_OfflineSynchronised if lib is offlinefolium else _OnlineSynchronised)(maps)


def comparison_map(runs: list[Drawable], options: MapOptions | None = None):
    """Several runs side by side on synchronised maps, under a strip of their KPIs and differences.

    Parameters
    ----------
    runs
        Two to six plans with their layers (:class:`aggregates.Result`), drawn left to right (three per row);
        the first is the reference the differences are taken from.
    options
        As for :func:`supply_map`; the year must be in every run.

    Returns
    -------
    branca.element.Figure
        The page (save with :func:`save_html`).
    """
    if not 2 <= len(runs) <= MAX_COMPARED:
        raise InputError(f"a comparison map shows 2 to {MAX_COMPARED} runs, got {len(runs)}")
    options = (options or MapOptions()).checked()
    year = runs[0].plan.headline_year(options.year)
    for run in runs[1:]:
        run.plan.headline_year(year)
    lib = folium_lib(options.embeds)
    figure = Figure()
    project = projector(options)
    columns = min(len(runs), 3)
    rows = -(-len(runs) // columns)
    maps, changes = [], [""]
    for i, run in enumerate(runs):
        place = {"width": f"{100 / columns:.4f}%", "height": f"{100 / rows:.4f}%"}
        place |= {"left": f"{100 * (i % columns) / columns:.4f}%", "top": f"{100 * (i // columns) / rows:.4f}%"}
        m = empty_map(lib, position="absolute", **place)
        figure.add_child(m)
        for tile in tile_layers(lib, options):
            tile.add_to(m)
        add_plan_layers(m, run, year, options, project)
        if i:
            layer, counts = changes_layer(lib, runs[0], run, year, options.lang, project, options.simplify_deg)
            layer.add_to(m)
            changes.append(changes_summary(counts, options.lang))
        lib.LayerControl(collapsed=True, position="topright").add_to(m)
        fit_plan(m, runs[0], project, legend_px=20)
        maps.append(m)
    figure.add_child(_synchronised(lib, maps))
    figure.header.add_child(Element(map_css(options.basemap == "none")))
    strip = strip_px(len(runs))
    figure.header.add_child(Element(grid_css([m.get_name() for m in maps], columns, rows, strip)))
    for i, run in enumerate(runs):
        slot = (i % columns, i // columns, columns, rows)
        info = {**title_info(run, year, options.lang), "changes": changes[i], "conclusion": None}
        title = title_html(info, slot=slot, ident=f"agg-title-{chr(97 + i)}", strip=strip)
        figure.html.add_child(Element(title))
    names = [run.plan.name for run in runs]
    figure.html.add_child(Element(delta_html(names, kpi_table(runs, year, options.lang), options.lang, strip)))
    figure.html.add_child(Element(legend_html(options.lang, open_=False, extra=changes_legend(options.lang))))
    return figure
