"""The scenario: every section together, validated and frozen."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from aggregates.config.base import Strict
from aggregates.config.coproducts import Coproducts
from aggregates.config.dispatch import Dispatch
from aggregates.config.emissions import Emissions
from aggregates.config.natural import Natural
from aggregates.config.planning import DemandScale, Infrastructure, Policies, Prices, Solver, Target
from aggregates.config.reporting import CoverageCheck, Fleet, Outputs
from aggregates.config.seasons import Seasons
from aggregates.config.transport import Rail, Trucks
from aggregates.config.uncertainty import Uncertainty
from aggregates.errors import ConfigError, InputError
from aggregates.vocab import CHAINS, Chain, headline_year


class Scenario(Strict):
    """A validated scenario. Build with :func:`aggregates.config.load_scenario` or in code.

    ``region`` is the region folder or workbook (``.xlsx``); a scenario built in code reads it relative to the
    working folder. Every other section has defaults (see ``configs/default.yaml``).
    """

    name: str
    region: Path
    years: list[int] = Field(default_factory=lambda: [2021, 2022, 2023, 2024, 2025])
    chains: list[Chain] = Field(default_factory=lambda: list(CHAINS))
    trucks: Trucks = Trucks()
    rail: Rail = Rail()
    emissions: Emissions = Emissions()
    demand: DemandScale = DemandScale()
    infrastructure: Infrastructure = Infrastructure()
    target: Target = Target()
    prices: Prices = Prices()
    natural: Natural = Natural()
    policies: Policies = Policies()
    solver: Solver = Solver()
    outputs: Outputs = Outputs()
    fleet: Fleet = Fleet()
    coverage_check: CoverageCheck = CoverageCheck()
    coproducts: Coproducts = Coproducts()
    seasons: Seasons = Seasons()
    dispatch: Dispatch = Dispatch()
    uncertainty: Uncertainty = Uncertainty()
    source_file: Path | None = Field(None, exclude=True)

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("needs at least one year")
        if sorted(set(v)) != v:
            raise ValueError(f"must be distinct and increasing, got {v}")
        return v

    @field_validator("chains")
    @classmethod
    def _chains(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError(f"needs at least one of {list(CHAINS)}")
        if len(set(v)) != len(v):
            raise ValueError(f"lists a chain twice: {v}")
        return v

    @model_validator(mode="after")
    def _boxes_agree(self) -> Scenario:
        per_train = self.fleet.wagons_per_train * self.fleet.containers_per_wagon
        if per_train != self.rail.container.boxes_per_train:
            raise ValueError(
                f"rail.container.boxes_per_train ({self.rail.container.boxes_per_train}) must equal "
                f"fleet.wagons_per_train x fleet.containers_per_wagon ({per_train}): the tariff and the "
                "fleet count the same boxes"
            )
        return self

    @property
    def origin(self) -> str:
        """Where the scenario came from, for messages: its file, or its name when built in code."""
        return str(self.source_file) if self.source_file is not None else f"scenario '{self.name}'"

    def headline_year(self, year: int | None = None) -> int:
        """The year a one-year analysis reports: ``year`` if planned, else the first with a target.

        Raises
        ------
        InputError
            When ``year`` is not one of the scenario's years.
        """
        try:
            return headline_year(self.years, self.target.for_year, year)
        except ValueError:
            raise InputError(
                f"{self.origin}: year {year} is not planned; the scenario's years are "
                f"{', '.join(map(str, self.years))} (or add it: --set years=[{year}])"
            ) from None

    def with_values(self, values: Mapping[str, object]) -> Scenario:
        """A copy with ``key.path -> value`` changes, validated like the file itself.

        ``model_copy(update=...)`` would skip validation and cannot reach nested keys; this
        re-validates the whole scenario, so a bad value fails here with the key named.

        Raises
        ------
        ConfigError
            Naming every key whose value is rejected.
        """
        data = set_paths(self.model_dump(), values)
        try:
            return Scenario.model_validate({**data, "source_file": self.source_file})
        except ValidationError as err:
            changed = ", ".join(f"{k}={v!r}" for k, v in values.items())
            raise ConfigError(format_validation(f"{self.origin} with {changed}", err)) from None


def set_paths(data: dict, values: Mapping[str, object]) -> dict:
    """A copy of nested ``data`` with each ``key.path`` set to its value (missing mappings are created)."""
    out = _copy(data)
    for key, value in values.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = _child(node, part)
        node[_existing_key(node, parts[-1])] = value
    return out


def _copy(data: object) -> object:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _existing_key(node: dict, part: str) -> object:
    # Year tables have int keys; a path names them as text.
    for key in node:
        if str(key) == part:
            return key
    return part


def _child(node: dict, part: str) -> dict:
    key = _existing_key(node, part)
    if not isinstance(node.get(key), dict):
        node[key] = {}
    return node[key]


def format_validation(where: str, err: ValidationError) -> str:
    """A pydantic error as one message: a line per bad key with what was expected and what was got.

    A key that takes one value or a mapping (e.g. a price per year) fails in both forms; only the
    form the value was given in is reported.
    """
    errors = [(_key_path(e["loc"]), e) for e in err.errors()]
    errors = [(loc, e) for loc, e in errors if not _other_form(loc, e, errors)]
    lines = [f"{where}: {len(errors)} problem(s) in the scenario:"]
    for loc, e in errors:
        msg = e["msg"].removeprefix("Value error, ")
        if "forms" in e:
            msg = "Input should be " + " or ".join(m.removeprefix("Input should be ") for m in e["forms"])
        got = e.get("input")
        shown = "" if isinstance(got, dict) or got is None else f", got {got!r}"
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see the config reference in README)"
            shown = ""
        lines.append(f"  - {loc or '(top level)'}: {msg}{shown}")
    return "\n".join(lines)


_TYPE_TAG = re.compile(r"^(constrained-)?(float|int|str|bool)$|^\w[\w-]*\[.*\]$")
_FORM_ERRORS = ("dict_type", "float_type", "float_parsing", "int_type", "int_parsing", "list_type")


def _key_path(loc: tuple) -> str:
    # pydantic names the branch of a union (``float``, ``dict[int,float]``) in the location.
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and _TYPE_TAG.match(p)))


def _other_form(loc: str, error: dict, errors: list[tuple[str, dict]]) -> bool:
    """Whether ``error`` only says the value is not one form of a key that has a more telling error.

    When every error of the key is about its form, the first stands for all and lists them (``forms``).
    """
    if error["type"] not in _FORM_ERRORS:
        return False
    if any(k.startswith(f"{loc}.") for k, _ in errors):
        return True
    same = [e for k, e in errors if k == loc]
    if any(e["type"] not in _FORM_ERRORS for e in same):
        return True
    if same[0] is not error:
        return True
    error["forms"] = [e["msg"] for e in same]
    return False
