"""The allocation MILP of MODEL.md as arrays, assembled straight into a MathOpt ``ModelProto``.

:func:`build_model` emits every block of the model (docs/MODEL.md lists them with their config keys) as
numpy arrays: column data (objective, bounds, integrality) and (row, column, value) triplets with row
bounds. :mod:`aggregates.optimize.solve` sends the proto to the solver and reads the solution back by
variable and row ids. The order of variables and rows is fixed (it is the order of the former
variable-by-variable builder, kept in ``tests/optimize/reference_model.py``), so the same problem always
gives the same model.
"""

from __future__ import annotations

import array
from dataclasses import dataclass, field

import numpy as np
from ortools.math_opt import model_pb2
from scipy import sparse

from aggregates.optimize.problem import Periods, Problem

INT = np.int64


@dataclass
class Keyed:
    """Variable or row ids and the key of each (one row of ``keys`` per id)."""

    keys: np.ndarray  # (n, k) int
    ids: np.ndarray  # (n,) int

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def empty(width: int) -> Keyed:
        """No ids, keys of ``width`` columns."""
        return Keyed(np.zeros((0, width), INT), np.zeros(0, INT))

    @staticmethod
    def dense(ids: np.ndarray) -> Keyed:
        """The ids >= 0 of a dense id array, keyed by their position in it (C order)."""
        where = np.nonzero(ids >= 0)
        return Keyed(np.column_stack(where).astype(INT), ids[where])


@dataclass
class RailLegs:
    """Rail legs into terminal yards (:class:`~aggregates.optimize.problem.TerminalYards`).

    Attributes
    ----------
    of_route
        (R,) leg index of each route, -1 for a route whose tonnes are railed as they are delivered.
    terminal, route, base
        (G,) each leg's terminal yard, one of its routes (whose railed resource use is the leg's) and base.
    railed, stock
        Variables keyed (leg, p, t, s): tonnes railed in the period, and in the yard at its end.
    """

    of_route: np.ndarray
    terminal: np.ndarray
    route: np.ndarray
    base: np.ndarray
    railed: Keyed = field(default_factory=lambda: Keyed.empty(4))
    stock: Keyed = field(default_factory=lambda: Keyed.empty(4))


@dataclass
class Built:
    """The model as the solver receives it and the ids of its variables and rows.

    ``x`` and ``nq`` are the variable ids of the flows and quarry flows (with their route, product, year
    and period); ``z`` the (L, T) ids of the level binaries; the other families are :class:`Keyed`.
    """

    proto: model_pb2.ModelProto
    n_variables: int
    n_rows: int
    x: np.ndarray
    x_route: np.ndarray
    x_product: np.ndarray
    x_year: np.ndarray
    x_period: np.ndarray
    z: np.ndarray  # (L, T) ids
    h: Keyed  # (b, t, s)
    natural: Keyed  # (d, p, t, s)
    unmet: Keyed  # (d, p, t, s)
    shortfall: Keyed  # (t,)
    slack: dict[str, Keyed]  # (t,) or (d, t)
    rows: dict[str, Keyed]  # kind -> row ids and keys
    coproducts: dict[str, Keyed]  # "local", "disposed", "stock" -> (b, p, t, s)
    nq: np.ndarray
    nq_route: np.ndarray
    nq_product: np.ndarray
    nq_year: np.ndarray
    nq_period: np.ndarray
    legs: RailLegs | None  # terminal yards: rail legs, tonnes railed and in stock per (leg, p, t, s)
    arrays: ModelArrays | None = None  # what the proto was made from (for the MPS export); None once dropped


def periods_of(pb: Problem) -> Periods:
    """The problem's periods; one period per year when it has none."""
    return pb.periods if pb.periods is not None else Periods.one(len(pb.resources))


def _flow_index(pb: Problem) -> tuple[np.ndarray, ...]:
    """(route, product, year, period) of every flow variable worth creating."""
    n_r, n_p, n_t = len(pb.route_base), len(pb.products), len(pb.years)
    wanted = pb.route_open[:, None, :] & (pb.demand[pb.route_node] > 0)  # (R, P, T)
    wanted &= ((pb.base_yield[pb.route_base] > 0) & pb.node_accepts[pb.route_node])[:, :, None]
    in_period = periods_of(pb).demand_share > 0
    r, p, t, s = np.nonzero(wanted.reshape(n_r, n_p, n_t)[..., None] & in_period)
    return r, p, t, s


def _quarry_flow_index(pb: Problem) -> tuple[np.ndarray, ...]:
    """(quarry route, product, year, period) of every quarry flow worth creating."""
    k_n, n_p, n_t = len(pb.qroute_quarry), len(pb.products), len(pb.years)
    wanted = pb.qroute_open[:, None, :] & (pb.demand[pb.qroute_node] > 0)  # (K, P, T)
    wanted &= np.isfinite(pb.quarry_price[pb.qroute_quarry])[:, :, None]
    wanted &= (pb.quarry_available[pb.qroute_quarry] > 0)[:, None, :]
    periods = periods_of(pb)
    in_period = (periods.demand_share > 0) & (periods.share_of_year * periods.quarry_availability > 0)
    k, p, t, s = np.nonzero(wanted.reshape(k_n, n_p, n_t)[..., None] & in_period)
    return k, p, t, s


def _unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct key rows (non-negative ints) and, for each key row, its position among them."""
    if len(keys) == 0:
        return np.zeros((0, keys.shape[1]), INT), np.zeros(0, INT)
    keys = np.asarray(keys, INT)
    radix = keys.max(axis=0) + 1
    if keys.min() < 0 or np.prod(radix.astype(float)) >= 2.0**62:  # not one int64 per row: sort the rows
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        return uniq.astype(INT), inverse.ravel().astype(INT)
    code = np.ravel_multi_index(tuple(keys.T), tuple(radix))  # one int per row, in the rows' lexicographic order
    uniq, inverse = np.unique(code, return_inverse=True)
    return np.column_stack(np.unravel_index(uniq, tuple(radix))).astype(INT), inverse.ravel().astype(INT)


def _stack(*columns) -> np.ndarray:
    return (
        np.column_stack([np.asarray(c, INT) for c in columns]) if len(columns[0]) else np.zeros((0, len(columns)), INT)
    )


class Arrays:
    """Columns and rows of a model as they are added, block by block; :meth:`proto` assembles them."""

    def __init__(self) -> None:
        self.n_vars = 0
        self.n_rows = 0
        self._upper: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._cost_ids: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._row_lb: list[np.ndarray] = []
        self._row_ub: list[np.ndarray] = []
        self._coo: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.families: list[tuple[str, int, int]] = []
        self.row_families: list[tuple[str, int, int]] = []

    def variables(self, n: int, name: str, upper=np.inf, integer: bool = False) -> np.ndarray:
        """Ids of ``n`` new variables >= 0 (binary when ``integer``); ``upper`` one bound or one per variable."""
        ids = np.arange(self.n_vars, self.n_vars + n, dtype=INT)
        self._upper.append(np.broadcast_to(np.asarray(upper, float), (n,)))
        self._integer.append(np.full(n, integer))
        if n:
            self.families.append((name, self.n_vars, self.n_vars + n))
        self.n_vars += n
        return ids

    def cost(self, ids: np.ndarray, coef) -> None:
        """Add ``coef`` (scalar or per id) to the objective coefficients of ``ids``."""
        ids = np.asarray(ids, INT)
        self._cost_ids.append(ids)
        self._cost.append(np.broadcast_to(np.asarray(coef, float), ids.shape))

    def rows(self, lower, upper, name: str) -> np.ndarray:
        """Ids of new rows with these bounds (arrays of the block's length, or scalars with ``len``)."""
        lower, upper = np.atleast_1d(np.asarray(lower, float)), np.atleast_1d(np.asarray(upper, float))
        n = max(len(lower), len(upper))
        ids = np.arange(self.n_rows, self.n_rows + n, dtype=INT)
        self._row_lb.append(np.broadcast_to(lower, n))
        self._row_ub.append(np.broadcast_to(upper, n))
        if n:
            self.row_families.append((name, self.n_rows, self.n_rows + n))
        self.n_rows += n
        return ids

    def terms(self, rows: np.ndarray, cols: np.ndarray, values) -> None:
        """Matrix entries (row id, variable id, coefficient)."""
        rows, cols = np.asarray(rows, INT), np.asarray(cols, INT)
        self._coo.append((rows, cols, np.broadcast_to(np.asarray(values, float), rows.shape)))

    def finish(self) -> ModelArrays:
        """The assembled arrays: entries sorted row-major, duplicates summed, zero coefficients dropped."""
        cost = np.zeros(self.n_vars)
        np.add.at(cost, _cat(self._cost_ids, INT), _cat(self._cost, float))
        rows = _cat([r for r, _, _ in self._coo], INT)
        cols = _cat([c for _, c, _ in self._coo], INT)
        values = _cat([v for _, _, v in self._coo], float)
        self._coo = []
        csr = sparse.coo_matrix((values, (rows, cols)), shape=(self.n_rows, self.n_vars)).tocsr()
        csr.sum_duplicates()
        csr.eliminate_zeros()
        return ModelArrays(
            cost=cost,
            upper=_cat(self._upper, float),
            integer=_cat(self._integer, bool),
            row_lower=_cat(self._row_lb, float),
            row_upper=_cat(self._row_ub, float),
            rows=np.repeat(np.arange(self.n_rows, dtype=INT), np.diff(csr.indptr)),
            columns=csr.indices.astype(INT),
            values=csr.data,
            families=self.families,
            row_families=self.row_families,
        )


@dataclass
class ModelArrays:
    """A minimisation model as arrays: variables >= 0 with ``upper`` bounds, rows with bounds, a sorted matrix."""

    cost: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray  # (nnz,) sorted row-major with ``columns``
    columns: np.ndarray
    values: np.ndarray
    families: list[tuple[str, int, int]]  # (block, first, end) of the variables, for names
    row_families: list[tuple[str, int, int]]

    def proto(self, name: str) -> model_pb2.ModelProto:
        """The MathOpt ``ModelProto`` (as MathOpt exports a model: no names, zero coefficients left out)."""
        n_vars, n_rows = len(self.cost), len(self.row_lower)
        out = model_pb2.ModelProto(name=name)
        v = out.variables
        _fill(v.ids, np.arange(n_vars))
        _fill(v.lower_bounds, np.zeros(n_vars))
        _fill(v.upper_bounds, self.upper)
        v.integers.extend(self.integer)
        nonzero = np.flatnonzero(self.cost)
        _fill(out.objective.linear_coefficients.ids, nonzero)
        _fill(out.objective.linear_coefficients.values, self.cost[nonzero])
        c = out.linear_constraints
        _fill(c.ids, np.arange(n_rows))
        _fill(c.lower_bounds, self.row_lower)
        _fill(c.upper_bounds, self.row_upper)
        m = out.linear_constraint_matrix
        _fill(m.row_ids, self.rows)
        _fill(m.column_ids, self.columns)
        _fill(m.coefficients, self.values)
        return out


def _fill(field, values: np.ndarray) -> None:
    """Append numpy values to a repeated proto field; through array.array, about twice as fast as numpy."""
    code = "d" if values.dtype.kind == "f" else "q"
    field.extend(array.array(code, np.ascontiguousarray(values, "f8" if code == "d" else "i8").tobytes()))


def _cat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _ids_in_order(mask: np.ndarray, first: int) -> np.ndarray:
    """Ids numbered in C order over the True cells of ``mask`` from ``first``; -1 elsewhere."""
    ids = np.full(mask.shape, -1, INT)
    ids[mask] = np.arange(first, first + int(mask.sum()), dtype=INT)
    return ids


class Builder:
    """Emits the blocks of the model in a fixed order into :class:`Arrays`."""

    def __init__(self, pb: Problem, elastic: bool, elastic_penalty: float):
        self.pb = pb
        self.elastic = elastic
        self.penalty = elastic_penalty
        self.a = Arrays()
        self.per = periods_of(pb)
        self.n_s = len(self.per.names)
        self.n_t = len(pb.years)
        self.rows: dict[str, Keyed] = {}
        self.slacks: dict[str, Keyed] = {}
        self.shortfall = Keyed.empty(1)

    def build(self) -> Built:
        """Every block in the fixed order; the proto and the ids."""
        pb, a = self.pb, self.a
        xr, xp, xt, xs = _flow_index(pb)
        self.xr, self.xp, self.xt, self.xs = xr, xp, xt, xs
        self.x = a.variables(len(xr), "x")
        self.legs = _rail_legs(pb) if self.n_s > 1 else None
        self.x_leg = self.legs.of_route[xr] if self.legs is not None else np.full(len(xr), -1)
        # With co-products, production is charged per unit made (on h, in _bases), not per unit shipped.
        production = 0.0 if pb.coproducts is not None else pb.base_production_cost[pb.route_base[xr]]
        unit = production + pb.route_cost[xr] + pb.carbon_price[xt] * pb.route_co2e[xr, xt]
        a.cost(self.x, pb.year_weight[xt] * unit)
        self._by_base = _levels_of_base(pb)
        self._levels()
        self._quarries()
        self._demand()
        self._terminal_yards()
        self._bases()
        self._resources()
        self._target()
        self._emissions()
        self._shares()
        self._coverage()
        if pb.strong_linking:
            self._linking()
        self._cover()
        arrays = a.finish()
        return Built(
            arrays.proto("aggregates"),
            a.n_vars,
            a.n_rows,
            self.x,
            xr,
            xp,
            xt,
            xs,
            self.z,
            self.h,
            self.n,
            self.u,
            self.shortfall,
            self.slacks,
            self.rows,
            self.cp,
            self.nq,
            self.kq,
            self.pq,
            self.tq,
            self.sq,
            self.legs,
            arrays,
        )

    # ---------------------------------------------------------------------------------------------------------------
    # Small helpers

    def _slack(self, name: str, keys: np.ndarray, weight: float = 1.0) -> np.ndarray | None:
        """Violation variables of a block of rows in elastic mode (None otherwise)."""
        if not self.elastic:
            return None
        ids = self.a.variables(len(keys), f"slack_{name}")
        self.a.cost(ids, self.penalty * weight)
        if len(keys):
            self.slacks[name] = Keyed(np.asarray(keys, INT), ids)
        return ids

    def _sum_rows(self, row_of_item: np.ndarray, cols: np.ndarray, values=1.0) -> None:
        """Entries of items (flows, ...) with a row (row id >= 0)."""
        keep = row_of_item >= 0
        values = np.broadcast_to(np.asarray(values, float), cols.shape)
        self.a.terms(row_of_item[keep], cols[keep], values[keep])

    def _previous(self, t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (year, period) before ``(t, s)``: the last period of the year before for the first period."""
        first = s == 0
        return np.where(first, t - 1, t), np.where(first, self.n_s - 1, s - 1)

    # ---------------------------------------------------------------------------------------------------------------
    # Blocks

    def _levels(self) -> None:
        """Level binaries z[lv, t]; one level per base and year; no level falls back (unless closing)."""
        pb, a, n_t = self.pb, self.a, self.n_t
        n_l = len(pb.level_base)
        allowed = pb.level_allowed().ravel()  # fixed build decisions hold the other levels at 0
        self.z = a.variables(n_l * n_t, "z", upper=allowed.astype(float), integer=True).reshape(n_l, n_t)
        a.cost(self.z.ravel(), (pb.level_fixed_cost[:, None] * pb.year_weight[None, :]).ravel())
        lower, upper, rows, cols, vals, one_keys, one_rows = [], [], [], [], [], [], []
        for b, lvs in self._by_base.items():
            required = bool(pb.base_open_required[b])
            for t in range(n_t):
                one_keys.append((b, t))
                one_rows.append(len(lower))
                rows += [len(lower)] * len(lvs)
                cols += [self.z[lv, t] for lv in lvs]
                vals += [1.0] * len(lvs)
                must_open = (required and not pb.allow_closing) or pb.level_forced_open(b, t)
                lower.append(1.0 if must_open else -np.inf)
                upper.append(1.0)
            if pb.allow_closing:
                continue
            for k in range(len(lvs)):
                for t in range(n_t - 1):
                    above = lvs[k:]  # levels at least as large as level k
                    rows += [len(lower)] * (2 * len(above))
                    cols += [self.z[lv, t] for lv in above] + [self.z[lv, t + 1] for lv in above]
                    vals += [1.0] * len(above) + [-1.0] * len(above)
                    lower.append(-np.inf)
                    upper.append(0.0)
        ids = a.rows(np.array(lower, float), np.array(upper, float), "levels")
        a.terms(ids[np.array(rows, INT)], np.array(cols, INT), np.array(vals, float))
        self.rows["one_level"] = Keyed(np.array(one_keys, INT).reshape(-1, 2), ids[np.array(one_rows, INT)])

    def _quarries(self) -> None:
        """Quarry flows ``nq[k,p,t,s]``, their cost and one capacity row per (quarry, year, period)."""
        pb, a, per = self.pb, self.a, self.per
        self.kq, self.pq, self.tq, self.sq = _quarry_flow_index(pb)
        self.nq = a.variables(len(self.kq), "nq")
        q = pb.qroute_quarry[self.kq]
        unit = (
            pb.quarry_price[q, self.pq]
            + pb.qroute_cost[self.kq]
            + pb.carbon_price[self.tq] * pb.qroute_co2e[self.kq, self.tq]
        )
        a.cost(self.nq, pb.year_weight[self.tq] * unit)
        keys, row_of = _unique_rows(_stack(q, self.tq, self.sq))
        qi, t, s = keys.T if len(keys) else (np.zeros(0, INT),) * 3
        cap = pb.quarry_available[qi, t] * per.share_of_year[s] * per.quarry_availability[s]
        ids = a.rows(np.full(len(keys), -np.inf), cap, "quarry_capacity")
        a.terms(ids[row_of], self.nq, 1.0)
        self.rows["quarry_capacity"] = Keyed(keys, ids)

    def _demand(self) -> None:
        """Constraint 1 per period: flows + quarry hauls + natural + unmet = the period's demand."""
        pb, a, per = self.pb, self.a, self.per
        d, p, t = np.nonzero(pb.demand > 0)
        periods = np.flatnonzero(per.demand_share > 0)
        n_k, n_sp = len(d), len(periods)
        d, p, t = (np.repeat(v, n_sp) for v in (d, p, t))
        s = np.tile(periods, n_k)
        w = pb.year_weight[t]
        natural = np.isfinite(pb.natural_cost[d, p, t])
        has_unmet = pb.unmet_penalty is not None
        # Per row: its natural variable (if any), then its unmet variable (if any).
        mask = np.column_stack([natural, np.full(len(d), has_unmet)])
        ids = _ids_in_order(mask, a.n_vars)
        a.variables(int(mask.sum()), "natural_unmet")
        n_ids, u_ids = ids[:, 0], ids[:, 1]
        carbon = pb.carbon_price[t] * pb.natural_co2e[d, p, t]
        a.cost(n_ids[natural], (w * (pb.natural_cost[d, p, t] + carbon))[natural])
        if has_unmet:
            a.cost(u_ids, w * float(pb.unmet_penalty))
        keys = _stack(d, p, t, s)
        self.n = Keyed(keys[natural], n_ids[natural])
        self.u = Keyed(keys, u_ids) if has_unmet else Keyed.empty(4)
        q = pb.demand[d, p, t] * per.demand_share[s]
        rows = a.rows(q, q, "demand")
        self.rows["demand"] = Keyed(keys, rows)
        row_of = np.full((len(pb.nodes), len(pb.products), self.n_t, self.n_s), -1, INT)
        row_of[d, p, t, s] = rows
        self._sum_rows(row_of[pb.route_node[self.xr], self.xp, self.xt, self.xs], self.x)
        self._sum_rows(row_of[pb.qroute_node[self.kq], self.pq, self.tq, self.sq], self.nq)
        a.terms(rows[natural], n_ids[natural], 1.0)
        if has_unmet:
            a.terms(rows, u_ids, 1.0)

    def _terminal_yards(self) -> None:
        """Tonnes railed into terminal yards, their stock and the yards' capacity (MODEL.md "Periods").

        Per rail leg, product and year: stock at a period's end = stock at the end of the period before
        + railed - delivered by the leg's routes. The periods of a year form a cycle (the last period's
        stock is the first period's opening stock), so a year's railed tonnes equal its deliveries and
        every yearly figure (costs, CO2e, rail share, target) holds as without yards.
        """
        legs, pb, a, per, n_s = self.legs, self.pb, self.a, self.per, self.n_s
        if legs is None:
            return
        yards = pb.terminal_yards
        on_leg = self.x_leg >= 0
        used, leg_key = _unique_rows(_stack(self.x_leg[on_leg], self.xp[on_leg], self.xt[on_leg]))
        g, _p, t = used.T if len(used) else (np.zeros(0, INT),) * 3
        has_railed = per.share_of_year > 0
        mask = np.zeros((len(used), n_s, 2), bool)
        mask[:, :, 0] = True
        mask[:, :, 1] = has_railed[None, :]
        ids = _ids_in_order(mask, a.n_vars)
        a.variables(int(mask.sum()), "terminal_yard")
        stock, railed = ids[:, :, 0], ids[:, :, 1]
        holding = pb.year_weight[t] * yards.holding_cost[legs.terminal[g]]
        a.cost(stock.ravel(), (holding[:, None] * per.share_of_year[None, :]).ravel())
        keys = np.column_stack([np.repeat(used, n_s, axis=0), np.tile(np.arange(n_s), len(used))]).astype(INT)
        legs.stock = Keyed(keys, stock.ravel())
        r_mask = railed.ravel() >= 0
        legs.railed = Keyed(keys[r_mask], railed.ravel()[r_mask])
        rows = a.rows(np.zeros(len(keys)), np.zeros(len(keys)), "terminal_balance").reshape(len(used), n_s)
        before = np.roll(stock, 1, axis=1)
        a.terms(rows.ravel(), stock.ravel(), 1.0)
        a.terms(rows.ravel(), before.ravel(), -1.0)
        a.terms(rows.ravel()[r_mask], railed.ravel()[r_mask], -1.0)
        flows = np.flatnonzero(on_leg)
        a.terms(rows[leg_key, self.xs[flows]], self.x[flows], 1.0)
        held, row_of = _unique_rows(_stack(legs.terminal[keys[:, 0]], keys[:, 2], keys[:, 3]))
        cap = yards.capacity[held[:, 0]] if len(held) else np.zeros(0)
        yard_rows = a.rows(np.full(len(held), -np.inf), cap, "terminal_yard")
        a.terms(yard_rows[row_of], stock.ravel(), 1.0)
        self.rows["terminal_yard"] = Keyed(held, yard_rows)

    def _base_variables(self) -> None:
        """Per (base, year, period): processed feedstock h, then per product its co-product variables."""
        pb, a, per = self.pb, self.a, self.per
        n_b, n_p, n_t, n_s = len(pb.bases), len(pb.products), self.n_t, self.n_s
        cp = pb.coproducts
        cells = np.zeros((n_b, n_t, n_s, n_p, 3), bool)
        if cp is not None:
            made = pb.base_yield > 0  # (B, P)
            market = cp.base_market
            absorbs = np.zeros((n_b, n_p, n_t), bool)
            has_market = market >= 0
            absorbs[has_market] = cp.market_absorption[market[has_market]] > 0
            yard = cp.yard_capacity > 0
            cells[..., 0] = made[:, None, None, :]
            cells[..., 1] = (made[:, :, None] & absorbs).transpose(0, 2, 1)[:, :, None, :]
            cells[..., 2] = (made & yard[:, None])[:, None, None, :]
        mask = np.concatenate([np.ones((n_b, n_t, n_s, 1), bool), cells.reshape(n_b, n_t, n_s, 3 * n_p)], axis=3)
        ids = _ids_in_order(mask, a.n_vars)
        a.variables(int(mask.sum()), "base")
        self.h_ids = ids[..., 0]  # (B, T, S)
        self.h = Keyed.dense(self.h_ids)
        w = pb.year_weight
        if cp is not None:
            made_per_feed = pb.base_yield.sum(axis=1)
            a.cost(
                self.h_ids.ravel(),
                (w[None, :, None] * (pb.base_production_cost * made_per_feed)[:, None, None])
                .repeat(n_s, axis=2)
                .ravel(),
            )
        cells = ids[..., 1:].reshape(n_b, n_t, n_s, n_p, 3).transpose(0, 3, 1, 2, 4)  # (B, P, T, S, 3)
        self.cp_ids = {"disposed": cells[..., 0], "local": cells[..., 1], "stock": cells[..., 2]}
        self.cp = {kind: Keyed.dense(v) for kind, v in self.cp_ids.items()} if cp is not None else {}
        if cp is None:
            return
        b, p, t, s = np.indices((n_b, n_p, n_t, n_s))
        wt = w[t]
        disposed = self.cp_ids["disposed"]
        a.cost(disposed[disposed >= 0], (wt * cp.disposal_cost[b])[disposed >= 0])
        local = self.cp_ids["local"]
        on = local >= 0
        a.cost(local[on], -wt[on] * cp.market_price[cp.base_market[b[on]], p[on], t[on]])
        stock = self.cp_ids["stock"]
        # Stock held through the next period pays its share of the year's holding cost; stock left at
        # the end of the horizon has to go somewhere: it pays the disposal cost.
        last = (t == n_t - 1) & (s == n_s - 1)
        holding = cp.holding_cost[b] * per.share_of_year[s] + np.where(last, cp.disposal_cost[b], 0.0)
        a.cost(stock[stock >= 0], (wt * holding)[stock >= 0])

    def _bases(self) -> None:
        """Base capacity per period, product balances (constraint 3), feedstock, co-product limits."""
        self._base_variables()
        pb, a, per = self.pb, self.a, self.per
        n_b, n_p, n_t, n_s = len(pb.bases), len(pb.products), self.n_t, self.n_s
        cp = pb.coproducts
        direct = np.flatnonzero(self.x_leg < 0)  # a flow into a terminal yard leaves the base when railed
        fb, fp, ft, fs = pb.route_base[self.xr[direct]], self.xp[direct], self.xt[direct], self.xs[direct]
        shipped = np.zeros((n_b, n_p, n_t, n_s), INT)
        np.add.at(shipped, (fb, fp, ft, fs), 1)
        if self.legs is not None and len(self.legs.railed):
            rk = self.legs.railed.keys
            np.add.at(shipped, (self.legs.base[rk[:, 0]], rk[:, 1], rk[:, 2], rk[:, 3]), 1)
        balance = (shipped > 0) if cp is None else np.broadcast_to((pb.base_yield > 0)[:, :, None, None], shipped.shape)
        stock, arising = pb.base_stock, pb.base_arising
        feed = np.isfinite(stock) & np.isfinite(arising)
        # Row order: per base, per (year, period) its capacity row then its product balances; then its feed rows.
        # Row order: per base, per (year, period) its capacity row then its product balances; then its feed rows.
        span = n_t * n_s * (1 + n_p)
        cells = np.concatenate([np.ones((n_b, n_t, n_s, 1), bool), balance.transpose(0, 2, 3, 1)], axis=3)
        mask = np.concatenate([cells.reshape(n_b, span), np.broadcast_to(feed[:, None], (n_b, n_t))], axis=1)
        balance_lower = 0.0 if cp is not None else -np.inf
        lower_cells = np.concatenate(
            [np.full((n_b, n_t, n_s, 1), -np.inf), np.full((n_b, n_t, n_s, n_p), balance_lower)], axis=3
        )
        lower = np.concatenate([lower_cells.reshape(n_b, span), np.full((n_b, n_t), -np.inf)], axis=1)
        feed_upper = stock[:, None] + arising[:, None] * (np.arange(n_t)[None, :] + 1)
        upper = np.concatenate([np.zeros((n_b, span)), feed_upper], axis=1)
        ids = a.rows(lower[mask], upper[mask], "bases")
        row = np.full(mask.shape, -1, INT)
        row[mask] = ids
        block = row[:, :span].reshape(n_b, n_t, n_s, 1 + n_p)
        cap_row = block[..., 0]  # (B, T, S)
        bal_row = block[..., 1:].transpose(0, 3, 1, 2)  # (B, P, T, S)
        feed_row = row[:, span:]  # (B, T)
        self.rows["base_capacity"] = Keyed.dense(cap_row)
        # Capacity: h * made - sum of level capacities x the period's part <= 0.
        made = pb.base_yield.sum(axis=1)
        a.terms(cap_row.ravel(), self.h_ids.ravel(), np.repeat(made, n_t * n_s))
        part = per.share_of_year * per.base_availability  # (S,)
        lv = np.arange(len(pb.level_base))
        lb_ = pb.level_base
        for s in range(n_s):
            for t in range(n_t):
                a.terms(cap_row[lb_, t, s], self.z[lv, t], -pb.level_capacity * part[s])
        # Product balances: shipped (direct flows and railed) - yield x h (+ co-product terms) <= or = 0.
        a.terms(bal_row[fb, fp, ft, fs], self.x[direct], 1.0)
        if self.legs is not None and len(self.legs.railed):
            rk = self.legs.railed.keys
            a.terms(bal_row[self.legs.base[rk[:, 0]], rk[:, 1], rk[:, 2], rk[:, 3]], self.legs.railed.ids, 1.0)
        b, p, t, s = np.nonzero(bal_row >= 0)
        a.terms(bal_row[b, p, t, s], self.h_ids[b, t, s], -pb.base_yield[b, p])
        if cp is not None:
            self._coproduct_terms(bal_row)
        # Feedstock: processed up to year t within stock + arising.
        fb_, ft_ = np.nonzero(feed_row >= 0)
        for k in range(n_t):
            before = ft_ >= k
            for s in range(n_s):
                a.terms(feed_row[fb_[before], ft_[before]], self.h_ids[fb_[before], k, s], 1.0)
        if cp is not None:
            self._coproduct_limits()

    def _coproduct_terms(self, bal_row: np.ndarray) -> None:
        """Disposed, sold locally and stock change of what a base makes and does not ship."""
        a = self.a
        for kind in ("disposed", "local", "stock"):
            ids = self.cp_ids[kind]
            b, p, t, s = np.nonzero(ids >= 0)
            a.terms(bal_row[b, p, t, s], ids[b, p, t, s], 1.0)
        stock = self.cp_ids["stock"]
        b, p, t, s = np.nonzero(stock >= 0)
        tb, sb = self._previous(t, s)
        ok = tb >= 0
        a.terms(bal_row[b[ok], p[ok], t[ok], s[ok]], stock[b[ok], p[ok], tb[ok], sb[ok]], -1.0)

    def _coproduct_limits(self) -> None:
        """Stockyard capacity per base and period; local market absorption per market, product and year."""
        cp, a = self.pb.coproducts, self.a
        stock = self.cp["stock"]
        keys, row_of = _unique_rows(stock.keys[:, [0, 2, 3]])
        ids = a.rows(np.full(len(keys), -np.inf), cp.yard_capacity[keys[:, 0]] if len(keys) else [], "yard")
        a.terms(ids[row_of], stock.ids, 1.0)
        if len(keys):
            self.rows["yard"] = Keyed(keys, ids)
        local = self.cp["local"]  # a local market's absorption is per year, whatever the periods
        lk = local.keys
        keys, row_of = _unique_rows(_stack(cp.base_market[lk[:, 0]], lk[:, 1], lk[:, 2]) if len(lk) else lk[:, :3])
        upper = cp.market_absorption[keys[:, 0], keys[:, 1], keys[:, 2]] if len(keys) else []
        ids = a.rows(np.full(len(keys), -np.inf), upper, "local_market")
        a.terms(ids[row_of], local.ids, 1.0)
        if len(keys):
            self.rows["local_market"] = Keyed(keys, ids)

    def _use_split(self) -> tuple[sparse.csc_matrix, sparse.csc_matrix | None]:
        """The (E, R) use of the delivered flows and the (E, G) use of the railed legs.

        A route into a terminal yard uses its railed part (first mile, loading, rail, unloading) through
        its leg's railed tonnes, the rest through its delivered flow."""
        pb, legs = self.pb, self.legs
        use = pb.resource_use.tocsr()
        use.sum_duplicates()
        if legs is None:
            return use.tocsc(), None
        railed = pb.terminal_yards.railed_use.tocsr() @ sparse.diags((legs.of_route >= 0).astype(float))
        delivered = (use - railed).tocsr()
        delivered.eliminate_zeros()
        return delivered.tocsc(), pb.terminal_yards.railed_use.tocsc()[:, legs.route].tocsc()

    def _resources(self) -> None:
        """Resource capacity per (resource, year, period): flows, quarry hauls and railed tonnes by use."""
        pb, a, per = self.pb, self.a, self.per
        n_t, n_s = self.n_t, self.n_s
        use, leg_use = self._use_split()
        entries = [_by_column(use, self.xr, self.xt, self.xs, self.x)]
        entries.append(_by_column(pb.qroute_resource_use.tocsc(), self.kq, self.tq, self.sq, self.nq))
        if leg_use is not None and len(self.legs.railed):
            rk = self.legs.railed.keys
            entries.append(_by_column(leg_use, rk[:, 0], rk[:, 2], rk[:, 3], self.legs.railed.ids))
        e, t, s, cols, vals = (np.concatenate(parts) for parts in zip(*entries, strict=True))
        finite = np.isfinite(pb.resource_capacity[e, t])
        e, t, s, cols, vals = e[finite], t[finite], s[finite], cols[finite], vals[finite]
        key = (e * n_t + t) * n_s + s
        present, row_of = np.unique(key, return_inverse=True)
        ke, rest = np.divmod(present, n_t * n_s)
        kt, ks = np.divmod(rest, n_s)
        cap = pb.resource_capacity[ke, kt] * per.share_of_year[ks] * per.resource_availability[ke, ks]
        ids = a.rows(np.full(len(present), -np.inf), cap, "resource")
        a.terms(ids[row_of.ravel()], cols, vals)
        self.rows["resource"] = Keyed(_stack(ke, kt, ks), ids)

    def _natural_co2e(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(year, variable, t CO2e per unit) of quarry hauls and imports: the emissions cap covers them too."""
        pb = self.pb
        q_co2e = pb.qroute_co2e[self.kq, self.tq]
        k = self.n.keys
        n_co2e = pb.natural_co2e[k[:, 0], k[:, 1], k[:, 2]] if len(k) else np.zeros(0)
        years = np.concatenate([self.tq, k[:, 2]]).astype(INT)
        return years, np.concatenate([self.nq, self.n.ids]), np.concatenate([q_co2e, n_co2e])

    def _target(self) -> None:
        """Target per year: flows (+ shortfall when soft, + violation when elastic) >= the target."""
        pb, a = self.pb, self.a
        years = np.flatnonzero(pb.target > 0)
        keys = years[:, None].astype(INT)
        soft, elastic = int(not pb.target_hard), int(self.elastic)
        # Per year its shortfall variable (soft target), then its violation variable (elastic mode).
        first = a.n_vars + np.arange(len(years), dtype=INT) * (soft + elastic)
        a.variables(len(years) * (soft + elastic), "target")
        if soft:
            self.shortfall = Keyed(keys, first)
            a.cost(first, pb.year_weight[years] * pb.shortfall_penalty)
        slack_ids = first + soft if elastic else None
        if slack_ids is not None:
            a.cost(slack_ids, self.penalty)
            self.slacks["target"] = Keyed(keys, slack_ids)
        rows = a.rows(pb.target[years], np.full(len(years), np.inf), "target")
        row_of = np.full(self.n_t, -1, INT)
        row_of[years] = rows
        self._sum_rows(row_of[self.xt], self.x)
        if soft:
            a.terms(rows, self.shortfall.ids, 1.0)
        if slack_ids is not None:
            a.terms(rows, slack_ids, 1.0)
        self.rows["target"] = Keyed(keys, rows)

    def _emissions(self) -> None:
        """Emissions cap per year over flows, quarry hauls and imports (- violation when elastic)."""
        pb, a = self.pb, self.a
        years = np.flatnonzero(np.isfinite(pb.emissions_cap))
        slack = None
        if self.elastic:
            slack = a.variables(len(years), "slack_emissions_cap")
            a.cost(slack, self.penalty)
            self.slacks["emissions_cap"] = Keyed(years[:, None].astype(INT), slack)
        rows = a.rows(np.full(len(years), -np.inf), pb.emissions_cap[years], "emissions_cap")
        row_of = np.full(self.n_t, -1, INT)
        row_of[years] = rows
        co2e = self.pb.route_co2e[self.xr, self.xt]
        self._sum_rows(row_of[self.xt], self.x, co2e)
        t, cols, vals = self._natural_co2e()
        self._sum_rows(row_of[t], cols, vals)
        if slack is not None:
            a.terms(rows, slack, -1.0)
        self.rows["emissions_cap"] = Keyed(years[:, None].astype(INT), rows)

    def _shares(self) -> None:
        """Share rules per year: qualifying flows >= share x flows in scope (+ violation when elastic)."""
        a = self.a
        for rule in self.pb.share_rules:
            weights = np.where(rule.qualifying[self.xr], 1.0 - rule.share, 0.0) - np.where(
                rule.scope[self.xr] & ~rule.qualifying[self.xr], rule.share, 0.0
            )
            years = np.unique(self.xt[weights != 0]).astype(INT)
            if not len(years):
                continue
            slack = self._slack(rule.name, years[:, None])
            rows = a.rows(np.zeros(len(years)), np.full(len(years), np.inf), f"share_{rule.name}")
            row_of = np.full(self.n_t, -1, INT)
            row_of[years] = rows
            keep = weights != 0
            self._sum_rows(row_of[self.xt[keep]], self.x[keep], weights[keep])
            if slack is not None:
                a.terms(rows, slack, 1.0)

    def _coverage(self) -> None:
        """Coverage rules per (node, year): covering flows >= share x the node's demand."""
        pb, a = self.pb, self.a
        total = pb.demand.sum(axis=1)  # (D, T)
        d, t = np.nonzero(total > 0)
        for rule in pb.coverage_rules:
            slack = self._slack(rule.name, _stack(d, t))
            rows = a.rows(rule.share * total[d, t], np.full(len(d), np.inf), f"coverage_{rule.name}")
            row_of = np.full(total.shape, -1, INT)
            row_of[d, t] = rows
            covering = rule.covering[self.xr]
            self._sum_rows(row_of[pb.route_node[self.xr], self.xt][covering], self.x[covering])
            if slack is not None:
                a.terms(rows, slack, 1.0)

    def _cover(self) -> None:
        """Cover rows (MODEL.md 10): the open levels' capacity in a period >= the demand only bases can serve.

        Implied by the sum of the base capacity rows, so they change no optimum; but as a knapsack row over
        the level binaries alone they give the solver cover cuts (OR-Library capa-8000: root bound 18.86 M
        without, 19.23 M with, optimum 19.24 M). Left out where tonnes made in one period can be shipped in
        another (co-product or terminal stockyards) and where demand may be left unmet.
        """
        pb, a, per = self.pb, self.a, self.per
        if not pb.cover_rows or pb.coproducts is not None or self.legs is not None or pb.unmet_penalty is not None:
            return
        only_bases = (pb.demand > 0) & ~np.isfinite(pb.natural_cost)  # (D, P, T)
        only_bases[pb.qroute_node[self.kq], self.pq, self.tq] = False
        required = (pb.demand * only_bases).sum(axis=(0, 1))[:, None] * per.demand_share[None, :]  # (T, S)
        t, s = np.nonzero(required > 0)
        if not len(t):
            return
        rows = a.rows(required[t, s], np.full(len(t), np.inf), "cover")
        part = per.share_of_year[s] * per.base_availability[s]
        n_l = len(pb.level_base)
        a.terms(
            np.repeat(rows, n_l),
            self.z[:, t].T.ravel(),
            (pb.level_capacity[None, :] * part[:, None]).ravel(),
        )
        self.rows["cover"] = Keyed(_stack(t, s), rows)

    def _linking(self) -> None:
        """Strong linking: flows of a base to a node in a period <= min(demand, capacity) x open."""
        pb, a, per = self.pb, self.a, self.per
        by_base = self._by_base
        max_cap = np.zeros(len(pb.bases))
        for b, lvs in by_base.items():
            max_cap[b] = float(pb.level_capacity[lvs].max())
        total = pb.demand.sum(axis=1)  # (D, T)
        # A flow out of a terminal yard may exceed what its base makes in the period: only demand bounds it.
        yard = (self.x_leg >= 0).astype(INT)
        keys, row_of = _unique_rows(_stack(pb.route_base[self.xr], pb.route_node[self.xr], self.xt, self.xs, yard))
        b, d, t, s, from_yard = keys.T if len(keys) else (np.zeros(0, INT),) * 5
        part = per.share_of_year[s] * per.base_availability[s]
        demand = total[d, t] * per.demand_share[s]
        big = np.where(from_yard == 1, demand, np.minimum(demand, max_cap[b] * part))
        ids = a.rows(np.full(len(keys), -np.inf), np.zeros(len(keys)), "linking")
        a.terms(ids[row_of], self.x, 1.0)
        n_lv = np.bincount(pb.level_base, minlength=len(pb.bases))
        lv_order = np.argsort(pb.level_base, kind="stable")
        starts = np.concatenate([[0], np.cumsum(n_lv)])
        reps = n_lv[b]
        rows = np.repeat(ids, reps)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(reps) - reps, reps)
        lvs = lv_order[np.repeat(starts[b], reps) + offsets]
        a.terms(rows, self.z[lvs, np.repeat(t, reps)], -np.repeat(big, reps))
        # A base may also ship what its yard carried in, open or closed: the row stays redundant.
        if pb.coproducts is not None:
            stock = self.cp_ids["stock"]  # (B, P, T, S)
            tb, sb = self._previous(t, s)
            ok = tb >= 0
            for p in range(len(pb.products)):
                prev = np.full(len(ids), -1, INT)
                prev[ok] = stock[b[ok], p, tb[ok], sb[ok]]
                has = prev >= 0
                a.terms(ids[has], prev[has], -1.0)


def _by_column(use: sparse.csc_matrix, col: np.ndarray, t: np.ndarray, s: np.ndarray, var: np.ndarray) -> tuple:
    """(resource, year, period, variable, coefficient) of each entry of ``use`` in the variables' columns."""
    lo, hi = use.indptr[col], use.indptr[np.asarray(col, INT) + 1]
    counts = (hi - lo).astype(INT)
    n = int(counts.sum())
    item = np.repeat(np.arange(len(col)), counts)
    at = np.repeat(lo, counts) + (np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts))
    return (
        use.indices[at].astype(INT),
        np.asarray(t, INT)[item],
        np.asarray(s, INT)[item],
        np.asarray(var, INT)[item],
        use.data[at].astype(float),
    )


def _levels_of_base(pb: Problem) -> dict[int, list[int]]:
    """{base: its levels by capacity, then number}, bases in ascending order."""
    out: dict[int, list[int]] = {}
    for lv in np.lexsort((pb.level_capacity, pb.level_number, pb.level_base)):
        out.setdefault(int(pb.level_base[lv]), []).append(int(lv))
    return out


def _rail_legs(pb: Problem) -> RailLegs | None:
    """Group the routes into terminal yards by (base, yard, railed resource use): one rail leg each."""
    yards = pb.terminal_yards
    if yards is None or not np.any(yards.route_terminal >= 0):
        return None
    railed = yards.railed_use.tocsc()
    of_route = np.full(len(pb.route_base), -1)
    keys: dict[tuple, int] = {}
    for r in np.flatnonzero(yards.route_terminal >= 0):
        lo, hi = railed.indptr[r], railed.indptr[r + 1]
        use = tuple(zip(railed.indices[lo:hi].tolist(), np.round(railed.data[lo:hi], 12).tolist(), strict=True))
        key = (int(pb.route_base[r]), int(yards.route_terminal[r]), use)
        of_route[r] = keys.setdefault(key, len(keys))
    first = np.array([np.flatnonzero(of_route == g)[0] for g in range(len(keys))], int)
    return RailLegs(of_route, yards.route_terminal[first], route=first, base=pb.route_base[first])


def build_model(problem: Problem, elastic: bool = False, elastic_penalty: float | None = None) -> Built:
    """The model of a filled, checked problem as a ``ModelProto``, with the ids of its variables and rows.

    Parameters
    ----------
    problem
        The arrays (``problem.filled()``, checked).
    elastic
        Let the target, emissions caps, share and coverage rules be violated at
        ``elastic_penalty`` per unit (see :func:`aggregates.optimize.solve.solve`).
    elastic_penalty
        Price per unit of violation; default 100 x the largest cost per unit.
    """
    return Builder(problem, elastic, elastic_penalty or default_penalty(problem)).build()


def default_penalty(pb: Problem) -> float:
    """100 x the largest cost per unit of the problem: the price of violating a rule in elastic mode."""
    scale = [np.nanmax(np.abs(a)) for a in (pb.route_cost, pb.base_production_cost, pb.qroute_cost) if np.size(a)]
    prices = pb.quarry_price[np.isfinite(pb.quarry_price)]
    if prices.size:
        scale.append(float(np.abs(prices).max()))
    finite_nat = pb.natural_cost[np.isfinite(pb.natural_cost)]
    if finite_nat.size:
        scale.append(float(np.abs(finite_nat).max()))
    if pb.unmet_penalty is not None:
        scale.append(pb.unmet_penalty)
    return 100.0 * max([*scale, 1.0])
