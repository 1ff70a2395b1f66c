"""One HTML page a planner can send by email: KPIs, charts, the map and the result tables.

:func:`report_html` and :func:`write_report` (:mod:`.page`) put together the headline cards and the
KPI table (:mod:`.figures`), the charts, the map, and the tables of the headline year (:mod:`.tables`),
their cells written as :mod:`.cells` writes them.
"""

from aggregates.viz.report.cells import fmt_in, fmt_number, fmt_percent
from aggregates.viz.report.figures import card_values
from aggregates.viz.report.page import report_html, write_report

__all__ = ["card_values", "fmt_in", "fmt_number", "fmt_percent", "report_html", "write_report"]
