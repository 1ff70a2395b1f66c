"""The cost-CO2e Pareto front and the tornado ranking, worked out from the rows of a sweep's solves.

**Pareto front** by the epsilon-constraint method on one year: the min-cost plan (no cap) is the
front's high-CO2e end; a solve with a carbon price of :data:`PROBE_CARBON_PRICE` finds the least
CO2e any plan reaches, and the cheapest plan within that is the low end; between them, caps evenly
spaced in CO2e. The CO2e is the quantity the cap binds: transport CO2e, well-to-wheel, of every
delivered tonne (solid-waste flows, quarry hauls and imports; the KPI ``co2e_t``).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aggregates.analysis.tradeoffs.params import resolve_param
from aggregates.config import Scenario
from aggregates.errors import InputError

log = logging.getLogger(__name__)

# A price per t CO2e far above any cost difference between routes (a few hundred yuan/t over
# a few kg CO2e/t), so the probe's plan has the least CO2e and cost only breaks ties.
PROBE_CARBON_PRICE = 1e6

# Unmet demand emits nothing, so a cap could otherwise be met by delivering less. On the front it
# costs more than the probe's carbon charge on any delivered tonne (well under 1 t CO2e/t x 10^6),
# so every point delivers the whole demand and the front is a choice of how, not of how much.
PARETO_UNMET_PENALTY = 1e6

# The front's solves stop at this relative MIP gap: the default 0.1 % is about the size of the
# cost steps between neighbouring points and would make the marginal abatement costs noise.
PARETO_GAP = 1e-5

# Two plans closer than this in CO2e (t) and system cost (yuan) are the same point of the front.
CO2E_TOL_T = 0.5

COST_TOL_YUAN = 1.0

# Headroom over the probe's CO2e for the low end's cap, so rounding cannot make it infeasible.
CAP_HEADROOM_T = 1.0


@dataclass(frozen=True)
class ParetoFront:
    """A cost-CO2e Pareto front of one year.

    Attributes
    ----------
    year
        The year planned.
    points
        One row per solve, loosest cap first: ``point``, ``kind`` (``min_cost``, ``cap`` or
        ``min_co2e``), ``cap_kt`` (NaN without a cap), ``on_front`` (feasible and no other
        point has both less CO2e and less cost), ``mac_yuan_per_t`` (marginal abatement cost
        from the previous point on the front: extra system cost per t CO2e less; NaN for the
        first and off the front) and the figures of :func:`summarise`.
    """

    year: int
    points: pd.DataFrame

    @property
    def front(self) -> pd.DataFrame:
        """The points on the front, CO2e decreasing and system cost increasing."""
        front = self.points[self.points["on_front"]]
        return front.sort_values("co2e_t", ascending=False, kind="mergesort").reset_index(drop=True)


def cap_tasks(high: float, low: float, points: int, caps: list[float] | None) -> list[tuple[str, float]]:
    """(kind, cap in kt) of the capped solves, loosest first: the low end and the caps between.

    ``high`` and ``low`` are the CO2e (t) of the min-cost plan and the least reachable.
    """
    log.info("pareto: CO2e from %.1f t (min cost) down to %.1f t (least reachable)", high, low)
    if high - low <= CO2E_TOL_T:
        return [("cap", c) for c in sorted(caps or [], reverse=True)]
    between = caps if caps is not None else list(np.linspace(high, low, points)[1:-1] / 1000.0)
    # Caps to 0.1 t (4 decimals of kt), as CO2e is reported, so the files show the caps the solver got.
    floor = round((low + CAP_HEADROOM_T) / 1000.0, 4)
    tasks = [("min_co2e", floor), *(("cap", round(float(c), 4)) for c in between)]
    return sorted(tasks, key=lambda task: -task[1])


def checked_caps(caps_kt: Sequence[float] | None) -> list[float] | None:
    if caps_kt is None:
        return None
    bad = [c for c in caps_kt if not isinstance(c, int | float) or isinstance(c, bool) or not c > 0]
    if bad or not caps_kt:
        raise InputError(f"--caps: expected positive numbers of kt CO2e, e.g. --caps 900,1000; got {list(caps_kt)}")
    return [float(c) for c in caps_kt]


def with_front(table: pd.DataFrame) -> pd.DataFrame:
    """Number the points, flag those on the front and add the marginal abatement cost between them."""
    table = table.reset_index(drop=True)
    table.insert(0, "point", range(len(table)))
    feasible = table["status"] != "infeasible"
    co2e, cost = table["co2e_t"].to_numpy(float), table["system_cost_yuan"].to_numpy(float)
    on_front = np.zeros(len(table), dtype=bool)
    for i in np.nonzero(feasible.to_numpy())[0]:
        others = feasible.to_numpy() & (np.arange(len(table)) != i)
        no_worse = others & (co2e <= co2e[i] + CO2E_TOL_T) & (cost <= cost[i] + COST_TOL_YUAN)
        better = (co2e < co2e[i] - CO2E_TOL_T) | (cost < cost[i] - COST_TOL_YUAN)
        duplicate_before = no_worse & ~better & (np.arange(len(table)) < i)
        on_front[i] = not (no_worse & better).any() and not duplicate_before.any()
    table["on_front"] = on_front
    mac = np.full(len(table), math.nan)
    front = [i for i in np.argsort(-co2e, kind="stable") if on_front[i]]
    for prev, cur in itertools.pairwise(front):
        mac[cur] = (cost[cur] - cost[prev]) / (co2e[prev] - co2e[cur])
    table["mac_yuan_per_t"] = np.round(mac, 2)
    if (feasible & ~table["on_front"]).any():
        log.info("pareto: %d point(s) dominated by another solve's plan", int((feasible & ~table["on_front"]).sum()))
    return table


def tornado_table(params: Mapping[str, tuple], scenario: Scenario, rows: list[dict], metric: str) -> pd.DataFrame:
    base = rows[0][metric]
    out = []
    for i, (name, (low, high)) in enumerate(params.items()):
        at_low, at_high = rows[1 + 2 * i], rows[2 + 2 * i]
        seen = np.array([base, at_low[metric], at_high[metric]], dtype=float)
        out.append(
            {
                "param": name,
                "key": resolve_param(name, scenario).key,
                "low": low,
                "high": high,
                "metric": metric,
                "base": base,
                "at_low": at_low[metric],
                "at_high": at_high[metric],
                "delta_low": at_low[metric] - base,
                "delta_high": at_high[metric] - base,
                "swing": float(np.nanmax(seen) - np.nanmin(seen)) if not np.isnan(seen).all() else math.nan,
                "status_low": at_low["status"],
                "status_high": at_high["status"],
                "solver_limit": "; ".join(
                    f"{side}: {row['solver_limit']}"
                    for side, row in (("base run", rows[0]), ("low", at_low), ("high", at_high))
                    if row.get("solver_limit")
                ),
            }
        )
    table = pd.DataFrame(out)
    order = table.assign(_swing=table["swing"].fillna(math.inf)).sort_values(
        ["_swing", "param"], ascending=[False, True], kind="mergesort"
    )
    return order.drop(columns="_swing").reset_index(drop=True)
