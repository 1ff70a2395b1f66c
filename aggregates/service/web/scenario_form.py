"""The planner's scenario form: the main keys as fields beside the scenario's YAML.

The YAML text is what runs. A field the planner changed (its value differs from the value the
page showed, sent back in a hidden ``was_<field>``) is written into the YAML's mapping; a field
left alone leaves the YAML as typed, so an edit in either place wins where it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from aggregates.config import Scenario
from aggregates.errors import ConfigError
from aggregates.textio import parse_yaml, read_text
from aggregates.vocab import CHAINS

SWITCHES = {  # form field -> key path of a policy switch
    "access_rules": ("policies", "access_rules"),
    "allow_closing": ("policies", "allow_closing"),
    "natural_allowed": ("prices", "natural_allowed"),
}
NUMBERS = {"target_mt": ("target", "mt_per_yr"), "target_from": ("target", "from_year")}
SEASONS_FILE = "seasons.yaml"  # a stored scenario whose periods switch seasons on


@dataclass(frozen=True)
class FormValues:
    """The form's fields as the page shows them (strings; switches ``on`` or empty)."""

    name: str = ""
    years: str = ""
    target_mt: str = ""
    target_from: str = ""
    demand_path: str = ""
    chains: tuple[str, ...] = ()
    access_rules: str = ""
    allow_closing: str = ""
    natural_allowed: str = ""
    seasons: str = ""


def _on(value: bool) -> str:
    return "on" if value else ""


def shown(scenario: Scenario) -> FormValues:
    """The form's fields of a validated scenario (``extends`` resolved)."""
    return FormValues(
        name=scenario.name,
        years=", ".join(str(y) for y in scenario.years),
        target_mt=f"{scenario.target.mt_per_yr:g}",
        target_from=str(scenario.target.from_year),
        demand_path=str(scenario.demand.path),
        chains=tuple(scenario.chains),
        access_rules=_on(bool(scenario.policies.access_rules)),
        allow_closing=_on(scenario.policies.allow_closing),
        natural_allowed=_on(scenario.prices.natural_allowed),
        seasons=_on(bool(scenario.seasons.periods)),
    )


def _set(data: dict, path: tuple[str, ...], value) -> None:
    node = data
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


def _number(text: str, field: str):
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"form field {field}: '{text}' is not a number") from None
    return int(value) if value.is_integer() else value


def _years(text: str) -> list[int]:
    try:
        return [int(y) for y in text.replace("，", ",").replace(" ", ",").split(",") if y]
    except ValueError:
        raise ConfigError(f"form field years: '{text}' is not a list of years; write e.g. 2021, 2022") from None


def merged(text: str, form: dict[str, list[str]], folder: Path) -> str:
    """The YAML ``text`` with every field the planner changed written in (``text`` itself when none was).

    Parameters
    ----------
    text
        The YAML as sent.
    form
        The form's fields, each a list of values, with ``was_<field>`` for what the page showed.
    folder
        The stored scenarios (``seasons.yaml`` there gives the periods when seasons are switched on).

    Raises
    ------
    ConfigError
        For YAML that is not a mapping, or a field that is not a number or a list of years.
    """
    changed = {k: v for k, v in _fields(form).items() if v != _was(form, k)}
    if not changed:
        return text
    data = parse_yaml(text, "scenario YAML", ConfigError)
    if not isinstance(data, dict):
        raise ConfigError("scenario YAML: expected a mapping of scenario keys (name: ..., region: ...)")
    for field, value in changed.items():
        _apply(data, field, value, folder)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _fields(form: dict[str, list[str]]) -> dict[str, str]:
    one = {k: (v[-1] if v else "") for k, v in form.items()}
    values = {k: one.get(k, "").strip() for k in ("name", "years", "target_mt", "target_from", "demand_path")}
    values |= {k: one.get(k, "") for k in (*SWITCHES, "seasons")}
    values["chains"] = ",".join(c for c in CHAINS if c in form.get("chains", []))
    return values


def _was(form: dict[str, list[str]], field: str) -> str:
    return (form.get(f"was_{field}") or [""])[-1]


def _apply(data: dict, field: str, value: str, folder: Path) -> None:
    if field in ("name", "demand_path"):
        _set(data, ("name",) if field == "name" else ("demand", "path"), value)
    elif field == "years":
        data["years"] = _years(value)
    elif field in NUMBERS:
        _set(data, NUMBERS[field], _number(value, field))
    elif field in SWITCHES:
        _set(data, SWITCHES[field], value == "on")
    elif field == "chains":
        data["chains"] = value.split(",") if value else []
    elif field == "seasons":
        _set(data, ("seasons", "periods"), _periods(folder) if value == "on" else [])


def _periods(folder: Path) -> list:
    path = folder / SEASONS_FILE
    if not path.is_file():
        raise ConfigError(
            f"seasons on: no {SEASONS_FILE} among the stored scenarios; write seasons.periods in the YAML"
        )
    data = parse_yaml(read_text(path, ConfigError), SEASONS_FILE, ConfigError)
    periods = (data.get("seasons") or {}).get("periods") if isinstance(data, dict) else None
    if not periods:
        raise ConfigError(f"seasons on: {SEASONS_FILE} has no seasons.periods; write them in the YAML")
    return periods
