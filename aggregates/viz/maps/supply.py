"""The supply map: one year of a plan with every layer, a layer control, the title block and the legend.

``supply_map(run)`` draws bases, demand nodes, flows as corridors along their routes, rail sections,
terminals and battery-swap stations with their utilisation, and the boundaries of the cities involved,
each layer switchable, with a legend and a title block of headline KPIs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from branca.element import Element

from aggregates.analysis.conclusion import conclusion
from aggregates.analysis.supply import supply_matrix
from aggregates.viz import fmt
from aggregates.viz.labels import Lang
from aggregates.viz.layers import Drawable
from aggregates.viz.maps.basemaps import latlon, lib_of, new_map, projector
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.panels import legend_html, matrix_html, title_html
from aggregates.viz.maps.plan_layers import add_plan_layers
from aggregates.viz.report.matrix import matrix_table
from aggregates.vocab import MT


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
    lib = lib_of(m)
    lib.LayerControl(collapsed=False, position="topright").add_to(m)
    m.get_root().html.add_child(Element(title_html({**title_info(run, year, options.lang), "switch": options.switch})))
    m.get_root().html.add_child(Element(legend_html(options.lang)))
    table = matrix_table(supply_matrix(run.plan, year), options.lang)
    m.get_root().html.add_child(Element(matrix_html(table, year, options.lang)))
    fit_plan(m, run, project, legend_px=200)
    return m


def title_info(run: Drawable, year: int, lang: Lang) -> dict:
    """What the title block shows (:func:`aggregates.viz.maps.panels.title_html`): scenario, year and
    headline KPIs written as :mod:`aggregates.viz.fmt` writes them."""
    k = run.plan.year(year)
    return {
        "scenario": run.plan.name,
        "year": year,
        "lang": lang,
        "substitution": fmt.tonnes_per_year(k.substitution_mt * MT, lang),
        "target": fmt.tonnes_per_year(k.target_mt * MT, lang) if k.target_mt > 0 else "–",
        "met": bool(k.target_met),
        "rail_share": fmt.share(k.rail_share_t),
        "cost": fmt.per_t(k.cost_yuan_per_t, lang),
        "co2e": fmt.co2e(k.co2e_t, lang),
        "nox": fmt.kg(k.nox_t * 1e3, lang, "NOx"),
        "unmet": fmt.tonnes(k.unmet_mt * MT, lang) if k.unmet_mt > 0 else None,
        "status": run.plan.solve.status,
        "proven": run.plan.solve.optimal,
        "access": fmt.access(run.plan.scenario.policies.access_rules, k.fleet, lang),
        "conclusion": conclusion(run.plan, year, lang),
    }



def fit_plan(m, run: Drawable, project, legend_px: int = 250) -> None:
    """Fit ``m``'s view to the plan's bases and demand nodes, clear of the title block and legend."""
    points = pd.concat([run.layers.bases.geometry, run.layers.demand.geometry])
    xy = np.array([latlon(p, project) for p in points])
    # Keep the plan clear of the title block (top left) and the legend (bottom right).
    m.fit_bounds(
        [[xy[:, 0].min(), xy[:, 1].min()], [xy[:, 0].max(), xy[:, 1].max()]],
        padding_top_left=(20, 120),
        padding_bottom_right=(legend_px, 20),
    )
