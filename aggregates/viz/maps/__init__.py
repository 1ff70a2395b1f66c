"""Interactive maps (Leaflet, through folium): a plan in, a map out.

* :func:`supply_map` draws one year of a run (:mod:`.supply`, its layers in :mod:`.plan_layers` and
  :mod:`.region_layers`, their tooltips and popups in :mod:`.popups`);
* :func:`comparison_map` puts 2 to 6 runs side by side on synchronised maps (:mod:`.comparison`);
* :func:`coverage_map` draws a coverage report (:mod:`.coverage`);
* :func:`save_html` writes any of them with stable ids, :func:`render_page` gives the page as text (:mod:`.saving`).

:class:`MapOptions` (:mod:`.options`) chooses language, basemap and year; :mod:`.basemaps` the tiles
and whether the page embeds its scripts; :mod:`.style` and :mod:`.panels` the look, the title block
and the legend; :mod:`.words` the layer and field names.
"""

from aggregates.viz.maps.basemaps import folium_lib, new_map, projector, tile_layers
from aggregates.viz.maps.comparison import MAX_COMPARED, comparison_map, kpi_table
from aggregates.viz.maps.coverage import coverage_map
from aggregates.viz.maps.options import BASEMAPS, TIANDITU_ENV, MapOptions
from aggregates.viz.maps.plan_layers import add_plan_layers, coverage_shares
from aggregates.viz.maps.saving import render_page, save_html, stable_ids
from aggregates.viz.maps.supply import fit_plan, supply_map, title_info
from aggregates.viz.maps.words import layer_name

__all__ = [
    "BASEMAPS",
    "MAX_COMPARED",
    "TIANDITU_ENV",
    "MapOptions",
    "add_plan_layers",
    "comparison_map",
    "coverage_map",
    "coverage_shares",
    "fit_plan",
    "folium_lib",
    "kpi_table",
    "layer_name",
    "new_map",
    "projector",
    "render_page",
    "save_html",
    "stable_ids",
    "supply_map",
    "tile_layers",
    "title_info",
]
