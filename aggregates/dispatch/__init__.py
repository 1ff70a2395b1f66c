"""Day dispatch: one working day's trucks and trains from an annual plan (README, "Day dispatch").

:func:`day_flows` joins what a day needs to the plan's flows, :func:`day_basis` picks the typical or peak
day, :func:`dispatch_day` routes every depot's trucks with PyVRP, slots the trains and checks the result
with :func:`check_day` and :func:`check_trains`, independent functions; :class:`DayPlan` holds the day and writes its files.
"""

from aggregates.dispatch.check import check_day, check_trains
from aggregates.dispatch.day import DayPlan, dispatch_day, timed_orders
from aggregates.dispatch.inputs import day_flows
from aggregates.dispatch.orders import DayBasis, day_basis, day_orders, largest_remainder, window_minutes
from aggregates.dispatch.trains import day_trains

__all__ = [
    "DayBasis",
    "DayPlan",
    "check_day",
    "check_trains",
    "day_basis",
    "day_flows",
    "day_orders",
    "day_trains",
    "dispatch_day",
    "largest_remainder",
    "timed_orders",
    "window_minutes",
]
