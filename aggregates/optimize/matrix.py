"""Problems from an explicit cost matrix, without a region or a network."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aggregates.optimize.problem import Problem


def facility_location_problem(
    capacity: np.ndarray,
    fixed_cost: np.ndarray,
    demand: np.ndarray,
    unit_cost: np.ndarray,
    *,
    facility_ids: list[str] | None = None,
    customer_ids: list[str] | None = None,
) -> Problem:
    """A single-year, single-product capacitated facility-location problem.

    Demand may be split between facilities (Beasley's CFLP, the problem of the
    OR-Library ``cap*`` instances)::

        min  sum_i f_i y_i + sum_ij c_ij x_ij
        s.t. sum_i x_ij = d_j,   sum_j x_ij <= s_i y_i,   y_i in {0, 1}

    Parameters
    ----------
    capacity, fixed_cost
        (m,) per facility.
    demand
        (n,) per customer.
    unit_cost
        (m, n) cost per unit shipped from facility i to customer j (for
        OR-Library files: the file's cost divided by the customer's demand).
    facility_ids, customer_ids
        Optional names (default ``f1..fm``, ``c1..cn``).

    Returns
    -------
    Problem
        Each facility is a base with one capacity level (closed or open), each
        customer a demand node; no natural supply, no unmet demand.
    """
    capacity = np.asarray(capacity, float)
    demand = np.asarray(demand, float)
    unit_cost = np.asarray(unit_cost, float)
    m, n = unit_cost.shape
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    return Problem(
        years=(0,),
        bases=tuple(facility_ids or [f"f{k + 1}" for k in range(m)]),
        nodes=tuple(customer_ids or [f"c{k + 1}" for k in range(n)]),
        products=("product",),
        level_base=np.arange(m),
        level_number=np.zeros(m, int),
        level_capacity=capacity,
        level_fixed_cost=np.asarray(fixed_cost, float),
        base_open_required=np.zeros(m, bool),
        base_yield=np.ones((m, 1)),
        base_stock=np.full(m, np.inf),
        base_arising=np.full(m, np.inf),
        base_production_cost=np.zeros(m),
        demand=demand.reshape(n, 1, 1),
        natural_cost=np.full((n, 1, 1), np.nan),
        unmet_penalty=None,
        route_base=i.ravel(),
        route_node=j.ravel(),
        route_cost=unit_cost.ravel(),
        route_co2e=np.zeros((m * n, 1)),
        route_open=np.ones((m * n, 1), bool),
    )


def read_orlib_cap(
    path: str | Path, *, capacity: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read an OR-Library capacitated warehouse location file (``cap41.txt`` ... ``capc.txt``).

    The file is read as one stream of whitespace-separated tokens, so line
    wrapping does not matter::

        m n  (capacity_i fixed_cost_i) * m  (demand_j  c_1j ... c_mj) * n

    where ``c_ij`` is the cost of serving *all* of customer ``j``'s demand
    from warehouse ``i``. Numbers may be Fortran-style reals (``7500.``, ``.5``).

    Parameters
    ----------
    path
        The file.
    capacity
        Capacity of every warehouse, replacing the file's capacity column.
        Required for ``capa``/``capb``/``capc``, whose capacity field is the
        word ``capacity`` (OR-Library gives their optima for several values).

    Returns
    -------
    capacity, fixed_cost : np.ndarray
        (m,) per warehouse.
    demand : np.ndarray
        (n,) per customer.
    unit_cost : np.ndarray
        (m, n) cost per unit: ``c_ij / d_j`` (0 where ``d_j`` is 0), ready for
        :func:`facility_location_problem`.

    Raises
    ------
    ValueError
        If the token count is not ``2 + 2m + n(1 + m)``, a token is not a
        number, or the capacity field is not a number and ``capacity`` is not given.
    """
    path = Path(path)
    tokens = path.read_text().split()

    def number(k: int, hint: str = "") -> float:
        try:
            return float(tokens[k])
        except ValueError:
            raise ValueError(f"{path}: token {k + 1} is {tokens[k]!r}, not a number{hint}") from None

    m, n = (int(number(k)) for k in (0, 1)) if len(tokens) >= 2 else (0, 0)
    expected = 2 + 2 * m + n * (1 + m)
    if len(tokens) < 2 or len(tokens) != expected:
        raise ValueError(f"{path}: {len(tokens)} tokens, expected 2 + 2m + n(1 + m) = {expected} for m={m}, n={n}")
    if capacity is None:
        caps = np.array([number(2 + 2 * i, " (pass capacity=)") for i in range(m)])
    else:
        caps = np.full(m, float(capacity))
    fixed = np.array([number(3 + 2 * i) for i in range(m)])
    block = np.array([number(k) for k in range(2 + 2 * m, expected)]).reshape(n, 1 + m)
    demand, cost = block[:, 0], block[:, 1:].T
    unit = np.divide(cost, demand, out=np.zeros_like(cost), where=demand > 0)
    return caps, fixed, demand, unit
