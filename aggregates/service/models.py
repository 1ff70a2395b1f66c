"""The API's request bodies (pydantic): what a client may send, with limits, checked before anything runs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aggregates.service.db import KINDS
from aggregates.service.settings import SCENARIO_TEXT_LIMIT

Kind = Literal[KINDS]  # type: ignore[valid-type]


class ScenarioRef(BaseModel):
    """A scenario: the name of a stored one, or its YAML text (safe YAML only, at most 256 kB)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100, examples=["default"])
    yaml: str | None = Field(None, max_length=SCENARIO_TEXT_LIMIT)

    @model_validator(mode="after")
    def _one(self) -> ScenarioRef:
        if (self.name is None) == (self.yaml is None):
            raise ValueError("give either 'name' (a stored scenario) or 'yaml' (its text), not both or neither")
        return self


class SiteIn(BaseModel):
    """A construction site for a coverage check: a place name of the region (Chinese or pinyin), or lat/lon."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100, description="default: the place's name, or 'site at LAT, LON'")
    place: str | None = Field(None, max_length=100, examples=["雄安", "qian'an"], description="instead of lat/lon")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    crs: Literal["WGS-84", "GCJ-02"] = "WGS-84"
    tonnes: float = Field(gt=0)
    product: str = Field(max_length=40, examples=["sand"])
    years: list[int] | None = Field(None, max_length=50)


class JobIn(BaseModel):
    """A job: its kind, its scenario(s), ``--set`` overrides, and the kind's parameters."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    scenario: ScenarioRef | None = None
    scenarios: list[ScenarioRef] | None = Field(None, min_length=2, max_length=6)
    overrides: list[str] = Field(default_factory=list, max_length=50)
    params: dict = Field(
        default_factory=dict,
        description="pareto: points, caps_kt, year; sensitivity: param, "
        "values, year, single_year; tornado: metric, ranges, year, single_year; compare: year; "
        "sweeps: charts (default true)",
    )
    sites: list[SiteIn] | None = Field(None, max_length=200, description="coverage: the sites")
    plan: str | None = Field(None, max_length=32, description="coverage: a published job whose plan to check against")

    @model_validator(mode="after")
    def _scenarios(self) -> JobIn:
        if self.kind == "compare" and not self.scenarios:
            raise ValueError("compare needs 'scenarios': 2 to 6 of them")
        if self.kind != "compare" and self.scenario is None:
            raise ValueError(f"{self.kind} needs 'scenario': {{'name': ...}} or {{'yaml': ...}}")
        if self.kind == "coverage" and not self.sites:
            raise ValueError("coverage needs 'sites': at least one")
        return self


class CoverageIn(BaseModel):
    """One site checked against a published plan (answered at once)."""

    model_config = ConfigDict(extra="forbid")
    site: SiteIn
    plan: str = Field(max_length=32, description="id of a published optimize job")
