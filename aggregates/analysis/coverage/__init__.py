"""Coverage checks: can a construction site be supplied from near solid-waste bases, and how?

:func:`check_coverage` answers for one or more :class:`~aggregates.data.sites.Site` objects against
a plan's residual capacity; :func:`result_dict` and :func:`summary_table` give the answers as data.
"""

from aggregates.analysis.coverage.answers import result_dict, summary_table
from aggregates.analysis.coverage.check import Coverage, Optimizer, Report, check_coverage, site_options
from aggregates.analysis.coverage.mix import STATUSES, cheapest_mix

__all__ = [
    "STATUSES",
    "Coverage",
    "Optimizer",
    "Report",
    "cheapest_mix",
    "check_coverage",
    "result_dict",
    "site_options",
    "summary_table",
]
