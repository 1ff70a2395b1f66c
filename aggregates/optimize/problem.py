"""The allocation problem as plain arrays: the input of the optimisation core.

Everything here is numbers and ids, in any consistent units: the region
adapter (:mod:`aggregates.optimize.instance`) uses Mt for quantities, million yuan
for money and Mt CO2e for emissions, so that a cost in yuan/t multiplies a
flow in Mt to give million yuan. An explicit cost matrix (e.g. an OR-Library
facility-location instance) fits the same type: one product, one year, one
route per (facility, customer).

Indices: ``b`` base, ``l`` capacity level, ``d`` demand node, ``p`` product,
``t`` year, ``r`` route option, ``e`` capacitated resource, ``q`` quarry, ``k`` quarry
route option, ``s`` period of a year (:class:`Periods`; one period when none is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np
from scipy import sparse

LEVEL_FREE = -2  # fixed_level: the model chooses the level
LEVEL_CLOSED = -1  # fixed_level: the base is closed that year


@dataclass(frozen=True)
class ShareRule:
    """At least ``share`` of the flow on ``scope`` routes must use ``qualifying`` routes.

    Used for the road-to-rail policy: of all tonnes moved between pairs farther
    apart than a threshold, at least a share goes by rail.
    """

    name: str
    share: float
    scope: np.ndarray  # bool (R,)
    qualifying: np.ndarray  # bool (R,), a subset of scope


@dataclass(frozen=True)
class CoverageRule:
    """At least ``share`` of every node's yearly demand from ``covering`` routes."""

    name: str
    share: float
    covering: np.ndarray  # bool (R,)


@dataclass(frozen=True)
class Coproducts:
    """Where the product a base makes and does not ship goes (MODEL.md constraint 3).

    Attributes
    ----------
    base_market
        (B,) index of the local market of each base (its city), -1 for none.
    market_absorption
        (M, P, T) most a local market takes per year, shared by its bases.
    market_price
        (M, P, T) price a base gets per unit sold locally (a revenue).
    yard_capacity
        (B,) most product (all products together) a base may hold in stock at a year's end.
    holding_cost
        (B,) cost per unit held in stock at a year's end, per year.
    disposal_cost
        (B,) cost per unit disposed of; stock left at the end of the horizon pays it too.
    """

    base_market: np.ndarray
    market_absorption: np.ndarray
    market_price: np.ndarray
    yard_capacity: np.ndarray
    holding_cost: np.ndarray
    disposal_cost: np.ndarray

    def problems(self, n_b: int, n_p: int, n_t: int) -> list[str]:
        """Shape and value problems of the arrays for a problem of that size."""
        n_m = int(np.shape(self.market_absorption)[0]) if np.ndim(self.market_absorption) == 3 else -1
        expected = {
            "base_market": (n_b,),
            "market_absorption": (n_m, n_p, n_t),
            "market_price": (n_m, n_p, n_t),
            "yard_capacity": (n_b,),
            "holding_cost": (n_b,),
            "disposal_cost": (n_b,),
        }
        out = [
            f"coproducts.{name}: expected shape {shape}, got {np.shape(getattr(self, name))}"
            for name, shape in expected.items()
            if np.shape(getattr(self, name)) != shape
        ]
        if not out and np.any(self.base_market >= n_m):
            out.append("coproducts.base_market: index out of range")
        for name in ("market_absorption", "yard_capacity", "holding_cost", "disposal_cost"):
            value = np.asarray(getattr(self, name), float)
            if np.any(value < 0) or not np.all(np.isfinite(value)):
                out.append(f"coproducts.{name}: must be finite and >= 0")
        if not np.all(np.isfinite(np.asarray(self.market_price, float))):
            out.append("coproducts.market_price: must be finite")
        return out

    @classmethod
    def none(cls, n_b: int, n_p: int, n_t: int, disposal_cost: float = 0.0) -> Coproducts:
        """No local market and no stockyard: what is not shipped is disposed at ``disposal_cost``."""
        return cls(
            base_market=np.full(n_b, -1),
            market_absorption=np.zeros((0, n_p, n_t)),
            market_price=np.zeros((0, n_p, n_t)),
            yard_capacity=np.zeros(n_b),
            holding_cost=np.zeros(n_b),
            disposal_cost=np.full(n_b, float(disposal_cost)),
        )


@dataclass(frozen=True)
class Periods:
    """A year split into periods (MODEL.md "Periods"): every year has the same periods, in order.

    Attributes
    ----------
    names
        (S,) period names, in the order they follow each other within a year.
    share_of_year
        (S,) share of the year's operating time; capacities per year are multiplied by it.
    demand_share
        (S,) share of each year's demand that falls in the period.
    base_availability
        (S,) multiplier of base output per unit time (1: as usual).
    resource_availability
        (E, S) multiplier of each resource's capacity per unit time.
    quarry_availability
        (S,) multiplier of quarry output per unit time.
    """

    names: tuple[str, ...]
    share_of_year: np.ndarray
    demand_share: np.ndarray
    base_availability: np.ndarray
    resource_availability: np.ndarray
    quarry_availability: np.ndarray

    def problems(self, n_e: int) -> list[str]:
        """Shape and value problems of the arrays for a problem with ``n_e`` resources."""
        n_s = len(self.names)
        expected = {
            "share_of_year": (n_s,),
            "demand_share": (n_s,),
            "base_availability": (n_s,),
            "resource_availability": (n_e, n_s),
            "quarry_availability": (n_s,),
        }
        out = [
            f"periods.{name}: expected shape {shape}, got {np.shape(getattr(self, name))}"
            for name, shape in expected.items()
            if np.shape(getattr(self, name)) != shape
        ]
        for name in expected:
            value = np.asarray(getattr(self, name), float)
            if np.any(value < 0) or not np.all(np.isfinite(value)):
                out.append(f"periods.{name}: must be finite and >= 0")
        for name in ("share_of_year", "demand_share"):
            if n_s and abs(float(np.sum(getattr(self, name))) - 1.0) > 1e-9:
                out.append(f"periods.{name}: must sum to 1")
        return out

    @classmethod
    def one(cls, n_e: int) -> Periods:
        """One period per year: the model without periods."""
        return cls(("year",), np.ones(1), np.ones(1), np.ones(1), np.ones((n_e, 1)), np.ones(1))


@dataclass(frozen=True)
class TerminalYards:
    """Stockyards at rail unloading terminals (MODEL.md "Periods"): a train may arrive in one period of a
    year and its tonnes leave the yard by truck in a later period of the same year.

    Used only with two or more periods. Routes that share a base, an unloading yard and every resource
    use up to the yard form one rail leg; the leg's tonnes are railed (leaving the base, loading, rail
    sections, unloading: ``railed_use``) when the model says, and delivered (the last truck leg, the rest
    of ``Problem.resource_use``, demand, cost) along each route.

    Attributes
    ----------
    terminals
        (U,) ids of the unloading terminals with a yard.
    capacity
        (U,) most held, all products together, at a period's end.
    holding_cost
        (U,) cost per unit held through a period, per year (charged times the period's share of the year).
    route_terminal
        (R,) index into ``terminals`` of each route's unloading yard; -1 for a route without one.
    railed_use
        Sparse (E, R): the part of ``Problem.resource_use`` a tonne uses when it is railed; the rest it
        uses when it is delivered. Columns of routes without a yard are ignored.
    """

    terminals: tuple[str, ...]
    capacity: np.ndarray
    holding_cost: np.ndarray
    route_terminal: np.ndarray
    railed_use: sparse.csr_matrix

    def problems(self, n_e: int, n_r: int) -> list[str]:
        """Shape and value problems of the arrays for a problem with ``n_e`` resources and ``n_r`` routes."""
        n_u = len(self.terminals)
        out = [
            f"terminal_yards.{name}: expected shape {shape}, got {np.shape(getattr(self, name))}"
            for name, shape in {
                "capacity": (n_u,),
                "holding_cost": (n_u,),
                "route_terminal": (n_r,),
                "railed_use": (n_e, n_r),
            }.items()
            if np.shape(getattr(self, name)) != shape
        ]
        if not out and np.any(self.route_terminal >= n_u):
            out.append("terminal_yards.route_terminal: index out of range")
        for name in ("capacity", "holding_cost"):
            value = np.asarray(getattr(self, name), float)
            if np.any(value < 0) or not np.all(np.isfinite(value)):
                out.append(f"terminal_yards.{name}: must be finite and >= 0")
        return out


@dataclass(frozen=True)
class Problem:
    """A multi-year capacitated allocation problem (MODEL.md).

    Attributes
    ----------
    years, bases, nodes, products, resources
        Ids, in the order of the array axes.
    level_base, level_number, level_capacity, level_fixed_cost
        One entry per capacity level: its base (index), its number (0, 1, ...),
        the output it allows per year and its fixed cost per year.
    base_open_required
        (B,) True where the base exists and must stay open (at some level).
    base_yield
        (B, P) product made per unit of feedstock processed.
    base_stock, base_arising
        (B,) feedstock at the start and arising per year (``inf``: unlimited).
    base_production_cost
        (B,) variable cost per unit made (per unit shipped under free disposal, ``coproducts`` None).
    demand
        (D, P, T) demand.
    natural_cost
        (D, P, T) cost per unit of covering demand with natural sand and gravel from
        outside the quarries (the import tier, unlimited); ``nan`` where that is not an option.
    natural_co2e
        (D, P, T) emissions per unit of that natural aggregate (default 0).
    unmet_penalty
        Cost per unit of unmet demand; ``None`` forbids unmet demand.
    route_base, route_node
        (R,) base and node index of each route option.
    route_cost
        (R,) transport cost per unit.
    route_co2e
        (R, T) emissions per unit (the year selects the grid factor).
    route_open
        (R, T) False where a policy closes the route in that year.
    node_accepts
        (D, P) False where a node takes no solid-waste aggregate of a product
        (its demand for it is met by natural aggregate or left unmet).
    resource_use
        Sparse (E, R): capacity of resource ``e`` used per unit on route ``r``.
    resource_capacity
        (E, T) capacity per year (``inf``: unlimited).
    target
        (T,) least total shipped per year (0: none).
    target_hard
        Hard target; otherwise a shortfall costs ``shortfall_penalty`` per unit.
    carbon_price
        (T,) cost per unit of emissions.
    emissions_cap
        (T,) most emissions per year (``inf``: none).
    year_weight
        (T,) weight of each year in the objective (discounting).
    allow_closing
        Whether a base may drop to a lower level (or close) in a later year.
    share_rules, coverage_rules
        Optional policy constraints, applied in every year.
    strong_linking
        Add ``flow(b, d, t) <= demand(d, t) * open(b, t)``: redundant for the
        integer model, much tighter LP relaxation (the classic strong
        facility-location formulation).
    cover_rows
        Add, per year and period, ``capacity of the open levels >= demand that only bases
        can serve`` where no tonnes move between periods: implied by the capacity rows, but
        a knapsack row over the level binaries from which the solver derives cover cuts.
    coproducts
        Optional :class:`Coproducts`: every unit a base makes goes somewhere (shipped,
        sold locally, stockpiled or disposed), and production is charged per unit made.
        ``None`` (the default) keeps free disposal: a base ships at most what it makes,
        the rest leaves the model at no cost, and production is charged per unit shipped.
    quarries
        Quarry ids (empty: no quarry supply; the arrays below are then ignored).
    quarry_available
        (Q, T) most a quarry may ship to the nodes per year (its capacity less what
        demand outside the model takes).
    quarry_price
        (Q, P) ex-quarry price per unit; ``nan`` where the quarry does not sell the product.
    qroute_quarry, qroute_node
        (K,) quarry and node index of each quarry route option.
    qroute_cost
        (K,) transport cost per unit.
    qroute_co2e
        (K, T) emissions per unit.
    qroute_open
        (K, T) False where a policy closes the quarry route in that year.
    qroute_resource_use
        Sparse (E, K): capacity of resource ``e`` used per unit on quarry route ``k``.
    periods
        Optional :class:`Periods`: flows, demand, capacities and co-product stock per (year, period);
        levels, feedstock, target, emissions and rules stay per year. ``None``: one period per year.
    terminal_yards
        Optional :class:`TerminalYards`: stock at rail unloading terminals between the periods of a
        year (ignored with one period per year).
    fixed_level
        Optional (B, T) build decisions taken as given: the index (into the level arrays) of the
        level base ``b`` runs at in year ``t``, :data:`LEVEL_CLOSED` for closed, or
        :data:`LEVEL_FREE` where the model chooses. Bounds on the level binaries: the other
        levels of a fixed base are held at 0 and one level must be open.
    """

    years: tuple[int, ...]
    bases: tuple[str, ...]
    nodes: tuple[str, ...]
    products: tuple[str, ...]
    level_base: np.ndarray
    level_number: np.ndarray
    level_capacity: np.ndarray
    level_fixed_cost: np.ndarray
    base_open_required: np.ndarray
    base_yield: np.ndarray
    base_stock: np.ndarray
    base_arising: np.ndarray
    base_production_cost: np.ndarray
    demand: np.ndarray
    natural_cost: np.ndarray
    unmet_penalty: float | None
    route_base: np.ndarray
    route_node: np.ndarray
    route_cost: np.ndarray
    route_co2e: np.ndarray
    route_open: np.ndarray
    node_accepts: np.ndarray | None = None
    resources: tuple[str, ...] = ()
    resource_use: sparse.csr_matrix | None = None
    resource_capacity: np.ndarray | None = None
    target: np.ndarray | None = None
    target_hard: bool = True
    shortfall_penalty: float = 0.0
    carbon_price: np.ndarray | None = None
    emissions_cap: np.ndarray | None = None
    year_weight: np.ndarray | None = None
    allow_closing: bool = False
    share_rules: tuple[ShareRule, ...] = ()
    coverage_rules: tuple[CoverageRule, ...] = ()
    strong_linking: bool = True
    cover_rows: bool = True
    coproducts: Coproducts | None = None
    natural_co2e: np.ndarray | None = None
    # Quarry supply (natural aggregate from quarries of the region), all optional.
    quarries: tuple[str, ...] = ()
    quarry_available: np.ndarray | None = None
    quarry_price: np.ndarray | None = None
    qroute_quarry: np.ndarray | None = None
    qroute_node: np.ndarray | None = None
    qroute_cost: np.ndarray | None = None
    qroute_co2e: np.ndarray | None = None
    qroute_open: np.ndarray | None = None
    qroute_resource_use: sparse.csr_matrix | None = None
    periods: Periods | None = None
    terminal_yards: TerminalYards | None = None
    fixed_level: np.ndarray | None = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def shape(self) -> dict[str, int]:
        """Sizes of the index sets."""
        return {
            "bases": len(self.bases),
            "levels": len(self.level_base),
            "nodes": len(self.nodes),
            "products": len(self.products),
            "years": len(self.years),
            "routes": len(self.route_base),
            "resources": len(self.resources),
            "quarries": len(self.quarries),
            "quarry_routes": 0 if self.qroute_quarry is None else len(self.qroute_quarry),
        }

    def filled(self) -> Problem:
        """A copy with every optional array given its neutral default."""
        n_t = len(self.years)
        n_e = len(self.resources)
        n_r = len(self.route_base)
        return replace(
            self,
            resource_use=self.resource_use if self.resource_use is not None else sparse.csr_matrix((n_e, n_r)),
            resource_capacity=_or(self.resource_capacity, np.full((n_e, n_t), np.inf)),
            node_accepts=_or(self.node_accepts, np.ones((len(self.nodes), len(self.products)), bool)),
            target=_or(self.target, np.zeros(n_t)),
            carbon_price=_or(self.carbon_price, np.zeros(n_t)),
            emissions_cap=_or(self.emissions_cap, np.full(n_t, np.inf)),
            year_weight=_or(self.year_weight, np.ones(n_t)),
            natural_co2e=_or(self.natural_co2e, np.zeros(self.natural_cost.shape)),
            **self._quarries_filled(),
        )

    def _quarries_filled(self) -> dict:
        """The quarry block with its neutral defaults: no quarry routes unless given."""
        n_q, n_t, n_p, n_e = len(self.quarries), len(self.years), len(self.products), len(self.resources)
        n_k = 0 if self.qroute_quarry is None else len(self.qroute_quarry)
        use = self.qroute_resource_use
        return {
            "quarry_available": _or(self.quarry_available, np.zeros((n_q, n_t))),
            "quarry_price": _or(self.quarry_price, np.full((n_q, n_p), np.nan)),
            "qroute_quarry": _or(self.qroute_quarry, np.zeros(0, int)),
            "qroute_node": _or(self.qroute_node, np.zeros(n_k, int)),
            "qroute_cost": _or(self.qroute_cost, np.zeros(n_k)),
            "qroute_co2e": _or(self.qroute_co2e, np.zeros((n_k, n_t))),
            "qroute_open": _or(self.qroute_open, np.ones((n_k, n_t), bool)),
            "qroute_resource_use": use if use is not None else sparse.csr_matrix((n_e, n_k)),
        }

    def check(self) -> None:
        """Raise ``ValueError`` if the arrays do not fit together."""
        s = self.shape
        b, d, p, t, r = s["bases"], s["nodes"], s["products"], s["years"], s["routes"]
        expected = {
            "level_number": (s["levels"],),
            "level_capacity": (s["levels"],),
            "level_fixed_cost": (s["levels"],),
            "base_open_required": (b,),
            "base_yield": (b, p),
            "base_stock": (b,),
            "base_arising": (b,),
            "base_production_cost": (b,),
            "demand": (d, p, t),
            "natural_cost": (d, p, t),
            "route_node": (r,),
            "route_cost": (r,),
            "route_co2e": (r, t),
            "route_open": (r, t),
        }
        problems = [
            f"{name}: expected shape {shape}, got {np.shape(getattr(self, name))}"
            for name, shape in expected.items()
            if np.shape(getattr(self, name)) != shape
        ]
        problems += self._quarry_problems()
        if r and (self.route_base.max() >= b or self.route_node.max() >= d):
            problems.append("route_base / route_node index out of range")
        if len(self.level_base) and self.level_base.max() >= b:
            problems.append("level_base index out of range")
        if np.any(self.demand < 0):
            problems.append("demand must be >= 0")
        problems += _not_finite_problems(self)
        if self.coproducts is not None:
            problems += self.coproducts.problems(b, p, t)
        if self.periods is not None:
            problems += self.periods.problems(s["resources"])
        if self.terminal_yards is not None:
            problems += self.terminal_yards.problems(s["resources"], r)
        problems += self._fixed_level_problems()
        if problems:
            raise ValueError("inconsistent Problem: " + "; ".join(problems))

    def _fixed_level_problems(self) -> list[str]:
        """Shape of ``fixed_level`` and whether each fixed level belongs to its base."""
        if self.fixed_level is None:
            return []
        fixed = np.asarray(self.fixed_level)
        if fixed.shape != (len(self.bases), len(self.years)):
            return [f"fixed_level: expected shape {(len(self.bases), len(self.years))}, got {fixed.shape}"]
        b, _t = np.nonzero(fixed >= 0)
        lv = fixed[fixed >= 0]
        if np.any(fixed < LEVEL_FREE) or np.any(lv >= len(self.level_base)):
            return ["fixed_level: index out of range"]
        if np.any(self.level_base[lv] != b):
            return ["fixed_level: a level fixed for a base is a level of another base"]
        return []

    def level_allowed(self) -> np.ndarray:
        """(L, T) False where ``fixed_level`` holds a level's binary at 0."""
        n_t = len(self.years)
        if self.fixed_level is None:
            return np.ones((len(self.level_base), n_t), bool)
        fixed = np.asarray(self.fixed_level)[self.level_base]  # (L, T): the fixed level of each level's base
        return (fixed == LEVEL_FREE) | (fixed == np.arange(len(self.level_base))[:, None])

    def level_forced_open(self, b: int, t: int) -> bool:
        """Whether ``fixed_level`` fixes base ``b`` at a level in year ``t`` (so one level must be open)."""
        return self.fixed_level is not None and int(self.fixed_level[b, t]) >= 0

    def _quarry_problems(self) -> list[str]:
        """Shapes and index ranges of the quarry block (of a filled problem)."""
        s = self.shape
        q, k, t, p, d = s["quarries"], s["quarry_routes"], s["years"], s["products"], s["nodes"]
        expected = {
            "natural_co2e": (d, p, t),
            "quarry_available": (q, t),
            "quarry_price": (q, p),
            "qroute_node": (k,),
            "qroute_cost": (k,),
            "qroute_co2e": (k, t),
            "qroute_open": (k, t),
            "qroute_resource_use": (s["resources"], k),
        }
        problems = [
            f"{name}: expected shape {shape}, got {np.shape(getattr(self, name))}"
            for name, shape in expected.items()
            if getattr(self, name) is not None and np.shape(getattr(self, name)) != shape
        ]
        if k and (self.qroute_quarry.max() >= q or self.qroute_node.max() >= d):
            problems.append("qroute_quarry / qroute_node index out of range")
        if self.quarry_available is not None and np.any(self.quarry_available < 0):
            problems.append("quarry_available must be >= 0")
        return problems


UNBOUNDED_OK = ("base_stock", "base_arising", "resource_capacity", "emissions_cap")  # +inf: no limit
NAN_OK = ("natural_cost", "quarry_price")  # nan: that natural aggregate is not an option there


def _not_finite_problems(problem: Problem) -> list[str]:
    """NaN or infinity where it has no meaning (HiGHS aborts its process on them)."""
    problems = []
    for f in fields(problem):
        value = getattr(problem, f.name)
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            continue
        allowed = value == np.inf if f.name in UNBOUNDED_OK else np.zeros(value.shape, bool)
        if f.name in NAN_OK:
            allowed |= np.isnan(value)
        bad = ~np.isfinite(value) & ~allowed
        if bad.any():
            problems.append(f"{f.name}: {int(bad.sum())} value(s) not finite, e.g. {value[bad].flat[0]}")
    return problems


def _or(value, default):
    return default if value is None else value
