"""Samples of an uncertain scenario: the ``uncertainty`` section drawn into scenarios.

All draws are made here, in the calling process, with numpy's ``Generator``: sample ``i`` has its
own stream (``SeedSequence(seed, spawn_key=(i,))``), so it is the same for a given seed whatever
the number of samples drawn with it and whatever the number of workers that solve them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aggregates.config.scenario import Scenario
from aggregates.config.uncertainty import Factor, Uncertainty
from aggregates.errors import ConfigError, InputError


@dataclass(frozen=True)
class Sample:
    """One future: the factors drawn, the config values they set, and the scenario with them.

    Attributes
    ----------
    index
        Position in the draw (0, 1, ...).
    label
        ``s000``, ``s001``, ... for draws; the name of a discrete future.
    probability
        Its weight: ``1 / n`` for draws, the configured probability of a discrete future.
    factors
        The multipliers drawn, by name (``demand.Beijing``, ``prices.diesel``, ``capacities.terminals``, ...);
        empty for a discrete future.
    values
        The config values changed (``key.path -> value``, as ``Scenario.with_values`` takes them).
    scenario
        The scenario of this future.
    """

    index: int
    label: str
    probability: float
    factors: dict[str, float]
    values: dict[str, object]
    scenario: Scenario


def draw_samples(scenario: Scenario, n: int | None = None, seed: int | None = None) -> list[Sample]:
    """Draw ``n`` futures of a scenario from its ``uncertainty`` section (or list its discrete futures).

    Parameters
    ----------
    scenario
        The scenario; its ``uncertainty`` says what varies and how.
    n
        Number of draws (at least 1). With discrete futures: None or their number.
    seed
        Seed of the draws; default ``uncertainty.seed``. Sample ``i`` depends only on the seed and ``i``.

    Returns
    -------
    list of Sample
        In draw order.

    Raises
    ------
    InputError
        A number of samples that is not positive, or that differs from the number of discrete futures.
    ConfigError
        A correlation that is not a correlation matrix, or a value a future sets that the scenario refuses.
    """
    u = scenario.uncertainty
    if u.scenarios:
        return _discrete(scenario, n)
    if n is None or n < 1:
        raise InputError(f"--samples: give a number of samples of at least 1, got {n}")
    seed = u.seed if seed is None else seed
    if seed < 0:
        raise InputError(f"--seed: give a seed of at least 0, got {seed}")
    names, drawn = draw_factors(u, n, seed, scenario.origin)
    out = []
    for i, row in enumerate(drawn):
        factors = {name: float(x) for name, x in zip(names, row, strict=True)}
        values = factor_values(scenario, factors)
        out.append(Sample(i, f"s{i:03d}", 1.0 / n, factors, values, _with(scenario, values, f"s{i:03d}")))
    return out


def draw_factors(u: Uncertainty, n: int, seed: int, origin: str = "uncertainty") -> tuple[list[str], np.ndarray]:
    """The factors of samples ``0 .. n-1``: their names and an (n, factors) array.

    Row ``i`` comes from its own stream, ``SeedSequence(seed, spawn_key=(i,))``: independent normals,
    mixed for the demand cities (Gaussian copula), then each through its distribution's quantile function.
    """
    names, factors = factor_names(u)
    mix = _copula(u, origin)
    z = np.array(
        [
            np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,))).standard_normal(len(names))
            for i in range(n)
        ]
    ).reshape(n, len(names))
    z[:, : len(mix)] = z[:, : len(mix)] @ mix.T
    from scipy import stats  # noqa: PLC0415 (0.5 s to import; every command imports this module, few draw)

    q = stats.norm.cdf(z)
    out = np.column_stack([_quantile(f, q[:, j]) for j, f in enumerate(factors)]) if names else np.zeros((n, 0))
    return names, out


def factor_names(u: Uncertainty) -> tuple[list[str], list[Factor]]:
    """Names and distributions of the factors drawn, in draw order: demand cities first."""
    pairs = [(f"demand.{city}", f) for city, f in u.demand.by_city.items()]
    for section in ("prices", "capacities"):
        config = getattr(u, section)
        pairs += [(f"{section}.{key}", f) for key in type(config).model_fields if (f := getattr(config, key))]
    return [n for n, _ in pairs], [f for _, f in pairs]


# What each factor multiplies: config keys of the scenario, read from it as it is.
_KEYS: dict[str, Callable[[Scenario], dict[str, float]]] = {
    "prices.diesel": lambda s: {"trucks.diesel.fuel_price_yuan_per_l": s.trucks.diesel.fuel_price_yuan_per_l},
    "prices.electricity": lambda s: {
        "trucks.bet.electricity_price_yuan_per_kwh": s.trucks.bet.electricity_price_yuan_per_kwh
    },
    "prices.rail_tariff": lambda s: {"rail.tariff_factor": s.rail.tariff_factor},
    "prices.natural": lambda s: {
        **{f"prices.natural_yuan_per_t.{p}": v for p, v in s.prices.natural_yuan_per_t.items()},
        "natural.price_factor": s.natural.price_factor,
    },
    "capacities.rail_sections": lambda s: {
        "infrastructure.rail_capacity_factor": s.infrastructure.rail_capacity_factor
    },
    "capacities.terminals": lambda s: {
        "infrastructure.terminal_capacity_factor": s.infrastructure.terminal_capacity_factor
    },
    "capacities.swap_stations": lambda s: {
        "infrastructure.swap_capacity_factor": s.infrastructure.swap_capacity_factor
    },
    "capacities.bases": lambda s: {"infrastructure.base_capacity_factor": s.infrastructure.base_capacity_factor},
}


def factor_values(scenario: Scenario, factors: dict[str, float]) -> dict[str, object]:
    """The config values a set of factors gives: each key it multiplies, times the factor."""
    values: dict[str, object] = {}
    for name, f in factors.items():
        if name.startswith("demand."):
            city = name.removeprefix("demand.")
            values[f"demand.by_city.{city}"] = scenario.demand.by_city.get(city, 1.0) * f
        else:
            values.update({key: base * f for key, base in _KEYS[name](scenario).items()})
    return values


def mean_scenario(scenario: Scenario, samples: list[Sample]) -> Scenario | None:
    """The mean-value scenario of drawn samples: every factor at its probability-weighted mean.

    None for discrete futures (they set values, not factors). The expected value problem of stochastic
    programming: its plan is what planning for the average future builds.
    """
    if not samples or not all(s.factors for s in samples):
        return None
    weights = np.array([s.probability for s in samples]) / sum(s.probability for s in samples)
    names = list(samples[0].factors)
    means = {n: float(np.dot(weights, [s.factors[n] for s in samples])) for n in names}
    return _with(scenario, factor_values(scenario, means), "mean")


def correlation_matrix(u: Uncertainty) -> np.ndarray:
    """(C, C) correlation of the demand cities' factors, in ``by_city`` order."""
    cities = list(u.demand.by_city)
    rho = u.demand.correlation
    if not isinstance(rho, dict):
        out = np.full((len(cities), len(cities)), float(rho))
    else:
        out = np.zeros((len(cities), len(cities)))
        pos = {c: i for i, c in enumerate(cities)}
        for a, row in rho.items():
            for b, value in row.items():
                out[pos[a], pos[b]] = out[pos[b], pos[a]] = value
    np.fill_diagonal(out, 1.0)
    return out


def _copula(u: Uncertainty, origin: str) -> np.ndarray:
    """A matrix ``M`` with ``M @ M.T`` the cities' correlation: it turns independent normals into correlated ones."""
    corr = correlation_matrix(u)
    if not len(corr):
        return corr
    w, v = np.linalg.eigh(corr)
    if w.min() < -1e-9:
        raise ConfigError(
            f"{origin}: uncertainty.demand.correlation is not a correlation matrix (its smallest eigenvalue is "
            f"{w.min():.3f} < 0); lower the coefficients that contradict each other"
        )
    return v * np.sqrt(np.clip(w, 0.0, None))


def _quantile(f: Factor, q: np.ndarray) -> np.ndarray:
    """The factor at quantiles ``q`` of its distribution, within ``[low, high]``."""
    from scipy import stats  # noqa: PLC0415 (see draw_factors)

    if f.high == f.low:
        return np.full(np.shape(q), f.low)
    if f.distribution == "uniform":
        x = f.low + q * (f.high - f.low)
    elif f.distribution == "triangular":
        x = stats.triang.ppf(q, (f.mode - f.low) / (f.high - f.low), loc=f.low, scale=f.high - f.low)
    elif f.distribution == "normal":
        x = stats.truncnorm.ppf(q, (f.low - f.mode) / f.sd, (f.high - f.mode) / f.sd, loc=f.mode, scale=f.sd)
    else:
        lo, mid, hi = np.log([f.low, f.mode, f.high])
        x = np.exp(stats.truncnorm.ppf(q, (lo - mid) / f.sd, (hi - mid) / f.sd, loc=mid, scale=f.sd))
    return np.clip(x, f.low, f.high)


def _discrete(scenario: Scenario, n: int | None) -> list[Sample]:
    futures = scenario.uncertainty.scenarios
    if n is not None and n != len(futures):
        raise InputError(
            f"--samples {n}: {scenario.origin} lists {len(futures)} discrete futures (uncertainty.scenarios), "
            f"each one sample; leave --samples out or give {len(futures)}"
        )
    return [
        Sample(i, s.name, s.probability, {}, dict(s.values), _with(scenario, s.values, s.name))
        for i, s in enumerate(futures)
    ]


def _with(scenario: Scenario, values: dict[str, object], label: str) -> Scenario:
    """The scenario with a future's values; a value it refuses names the future."""
    try:
        return scenario.with_values(values)
    except ConfigError as err:
        raise ConfigError(f"uncertainty, future {label}: {err}") from None
