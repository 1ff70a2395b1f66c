"""Parameters a sensitivity or tornado run varies: aliases, config key paths, and the values they take."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aggregates.config import Scenario
from aggregates.errors import InputError
from aggregates.textio import parse_yaml

TORNADO_SPREAD = 0.2


@dataclass(frozen=True)
class Param:
    """A parameter that sensitivity and tornado runs vary.

    Attributes
    ----------
    key
        The config key path the values are written to (as with ``--set``).
    scaled
        The value multiplies every number under ``key`` (a table such as the grid factors)
        instead of replacing it; 1 is the scenario as it is.
    meaning
        What a value means, for help texts.
    """

    key: str
    scaled: bool = False
    meaning: str = ""


PARAM_ALIASES: dict[str, Param] = {
    "diesel_price": Param("trucks.diesel.fuel_price_yuan_per_l", meaning="diesel price, yuan/L"),
    "electricity_price": Param(
        "trucks.bet.electricity_price_yuan_per_kwh",
        meaning="battery-electric truck electricity price, yuan/kWh (rail's traction power is in its tariff)",
    ),
    "rail_tariff": Param(
        "rail.tariff_factor", meaning="multiplier of the rail line-haul tariff, container or wagon-load (1 = as is)"
    ),
    "carbon_price": Param("prices.carbon_yuan_per_t_co2e", meaning="carbon price, yuan per t CO2e"),
    "grid_factor": Param("emissions.grid_kg_per_kwh", scaled=True, meaning="multiplier of every grid emission factor"),
    "demand_growth": Param("demand.factor", meaning="multiplier of every node's demand"),
}


def resolve_param(name: str, scenario: Scenario) -> Param:
    """The parameter an alias or a config key path names.

    Parameters
    ----------
    name
        An alias of :data:`PARAM_ALIASES` or a key path such as ``rail.speed_kmh``. A key
        holding a table of numbers (``rail.tariffs``, ``prices.natural_yuan_per_t``) is
        scaled by the values; any other key takes them as they are.
    scenario
        The scenario whose keys are checked.

    Raises
    ------
    InputError
        For a name that is neither an alias nor a key of the scenario.
    """
    if name in PARAM_ALIASES:
        return PARAM_ALIASES[name]
    found, value = _lookup(scenario.model_dump(), name.split("."))
    if not found:
        raise InputError(
            f"--param '{name}': not a parameter: use one of {', '.join(PARAM_ALIASES)} or a config key "
            "path such as trucks.diesel.fuel_price_yuan_per_l (see the config reference in README)"
        )
    return Param(name, scaled=isinstance(value, Mapping) and _has_numbers(value))


# Mappings whose keys the user chooses; a key not in them yet may still be set (``demand.by_city.Tianjin``).
FREE_MAPPINGS = ("demand.by_city", "demand.by_node", "target.by_year", "prices.natural_yuan_per_t")


def _lookup(data: Mapping, path: list[str]) -> tuple[bool, object]:
    """(whether ``path`` names a key of ``data``, its value or None)."""
    if len(path) > 1 and ".".join(path[:-1]) in FREE_MAPPINGS:
        found, table = _lookup(data, path[:-1])
        keys = {str(k): k for k in table} if isinstance(table, Mapping) else {}
        return found, table[keys[path[-1]]] if path[-1] in keys else None
    node: object = data
    for part in path:
        keys = {str(k): k for k in node} if isinstance(node, Mapping) else {}
        if part not in keys:
            return False, None
        node = node[keys[part]]
    return True, node


def _has_numbers(value: object) -> bool:
    if isinstance(value, Mapping):
        return any(_has_numbers(v) for v in value.values())
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scaled(value: object, factor: float) -> object:
    if isinstance(value, Mapping):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value * factor
    return value


def parse_values(text: str) -> list:
    """Comma-separated values as the CLI gives them (``"0,100,2.5e2"``): numbers, else read as YAML.

    Raises
    ------
    InputError
        When no value is given, or one is not valid YAML.
    """
    values = [_read_value(part.strip(), text) for part in text.split(",") if part.strip()]
    if not values:
        raise InputError(f"--values '{text}': expected comma-separated values, e.g. --values 0,100,200")
    return values


def _read_value(part: str, text: str) -> object:
    # Numbers first: YAML 1.1 reads "2.5e2" as text.
    for number in (int, float):
        try:
            return number(part)
        except ValueError:
            pass
    return parse_yaml(part, f"--values '{text}': cannot read '{part}' as a value")


def parse_ranges(texts: Sequence[str]) -> dict[str, tuple]:
    """Tornado ranges as the CLI gives them (``["diesel_price=6.5,8.5", ...]``): parameter -> (low, high).

    Raises
    ------
    InputError
        For a text that is not ``PARAM=LOW,HIGH``.
    """
    ranges = {}
    for text in texts:
        name, sep, ends = text.partition("=")
        values = parse_values(ends) if sep and ends.strip() else []
        if not name.strip() or len(values) != 2:
            raise InputError(f"--range '{text}': expected PARAM=LOW,HIGH, e.g. --range diesel_price=6.5,8.5")
        ranges[name.strip()] = tuple(values)
    return ranges


def default_ranges(scenario: Scenario, spread: float = TORNADO_SPREAD) -> dict[str, tuple[float, float]]:
    """Low and high values of every alias for a tornado: the scenario's value -/+ ``spread``.

    A scaled parameter gets 1 -/+ ``spread``; a parameter at 0 (the carbon price by default)
    gets 0 and 200 yuan per t CO2e (``configs/carbon-price.yaml``'s price).
    """
    dump = scenario.model_dump()
    ranges = {}
    for name, p in PARAM_ALIASES.items():
        now = 1.0 if p.scaled else _lookup(dump, p.key.split("."))[1]
        if not isinstance(now, int | float) or now == 0:
            ranges[name] = (0.0, 200.0)
        else:
            ranges[name] = (round(now * (1 - spread), 6), round(now * (1 + spread), 6))
    return ranges


def param_value(param: Param, value: object, scenario: Scenario) -> dict[str, object]:
    """The ``{key path: value}`` change that sets ``param`` to ``value`` in ``scenario`` (for
    :meth:`aggregates.config.Scenario.with_values`): a scaled parameter multiplies its table.

    Raises
    ------
    InputError
        When a scaled parameter gets something other than a number >= 0.
    """
    if not param.scaled:
        return {param.key: value}
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise InputError(
            f"{param.key}: the values multiply the scenario's table, so each must be a number >= 0; got {value!r}"
        )
    _, table = _lookup(scenario.model_dump(), param.key.split("."))
    return {param.key: _scaled(table, float(value))}
