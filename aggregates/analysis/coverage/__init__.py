"""Coverage checks: can a construction site be supplied from near solid-waste bases, and how?

:func:`check_coverage` answers for one or more :class:`~aggregates.data.sites.Site` objects against
a plan's residual capacity; :func:`report_answers` gives each as a typed :class:`Answer` with a sentence in
Chinese or English, :func:`ranked_options` the options with room and the full ones apart,
:func:`explain_difference` why an answer against a published plan differs from a re-optimisation;
:func:`result_dict` and :func:`summary_table` give the answers as data.
"""

from aggregates.analysis.coverage.answer import Answer, Supply, answer_of, ranked_options, report_answers
from aggregates.analysis.coverage.answers import result_dict, summary_table
from aggregates.analysis.coverage.check import Coverage, Optimizer, Report, check_coverage, site_options
from aggregates.analysis.coverage.difference import BaseChange, Difference, explain_difference
from aggregates.analysis.coverage.mix import STATUSES, cheapest_mix
from aggregates.analysis.coverage.natural import NaturalPrice, natural_price

__all__ = [
    "STATUSES",
    "Answer",
    "BaseChange",
    "Coverage",
    "Difference",
    "NaturalPrice",
    "Optimizer",
    "Report",
    "Supply",
    "answer_of",
    "cheapest_mix",
    "check_coverage",
    "explain_difference",
    "natural_price",
    "ranked_options",
    "report_answers",
    "result_dict",
    "site_options",
    "summary_table",
]
