"""Charts (Altair / Vega-Lite), written as HTML pages sharing one ``vega.js``, and as PNG when asked.

* :func:`chart_specs`, :func:`write_charts`: the charts of a plan (:mod:`.plan`; their tables in
  :mod:`.plan_data`);
* :func:`compare_chart_specs`, :func:`write_compare_charts`: a scenario comparison (:mod:`.compare`);
* :func:`tradeoff_specs`, :func:`write_tradeoff_charts`: Pareto front, sensitivity and tornado
  (:mod:`.tradeoffs`; their tables in :mod:`.tradeoff_data`);
* :func:`risk_specs`, :func:`write_risk_charts`: cost and substitution over sampled futures (:mod:`.risk`).

:func:`unit` (:mod:`.units`) says how each language shows tonnes, money and CO2e; :mod:`.style` is
the look and the fixed colours; :mod:`.page` writes the pages, their ``vega.js`` and the PNGs.
"""

from aggregates.viz.charts.compare import COMPARE_CHARTS, compare_chart_specs, write_compare_charts
from aggregates.viz.charts.page import chart_page, embed_script, script_json, vega_bundle
from aggregates.viz.charts.plan import CHART_NAMES, chart_specs, write_charts
from aggregates.viz.charts.risk import RISK_CHARTS, risk_specs, write_risk_charts
from aggregates.viz.charts.tradeoff_data import mix_data, pareto_data, sensitivity_data, tornado_data
from aggregates.viz.charts.tradeoffs import TRADEOFF_CHARTS, tradeoff_specs, write_tradeoff_charts
from aggregates.viz.charts.units import MetricUnit, Unit, metric_label, metric_unit, unit

__all__ = [
    "CHART_NAMES",
    "COMPARE_CHARTS",
    "RISK_CHARTS",
    "TRADEOFF_CHARTS",
    "MetricUnit",
    "Unit",
    "chart_page",
    "chart_specs",
    "compare_chart_specs",
    "embed_script",
    "metric_label",
    "metric_unit",
    "mix_data",
    "pareto_data",
    "risk_specs",
    "script_json",
    "sensitivity_data",
    "tornado_data",
    "tradeoff_specs",
    "unit",
    "vega_bundle",
    "write_charts",
    "write_compare_charts",
    "write_risk_charts",
    "write_tradeoff_charts",
]
