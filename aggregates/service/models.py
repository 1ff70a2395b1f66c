"""The API's request bodies (pydantic): what a client may send, with limits, checked before anything runs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aggregates.service.db import KINDS
from aggregates.service.settings import SCENARIO_TEXT_LIMIT
from aggregates.viz.dispatch import GANTT_DEPOTS

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


class DispatchIn(BaseModel):
    """A day of a published plan to dispatch (``aggregates dispatch``): the day, year, bases and routing limits."""

    model_config = ConfigDict(extra="forbid")
    day: Literal["typical", "peak"] = "typical"
    year: int | None = Field(None, ge=1900, le=2200, description="default: the plan's first year with a target")
    bases: list[str] = Field(default_factory=list, max_length=200, description="only these bases' flows")
    time_limit_s: float | None = Field(
        None, gt=0, le=600, description="routing seconds per part (default: the scenario's dispatch.time_limit_s)"
    )
    truck_cap: dict[str, int] = Field(
        default_factory=dict,
        max_length=500,
        examples=[{"b-fengning:bet": 150}],
        description="fleet caps '<depot>:<truck>' -> trucks, over the scenario's dispatch.truck_cap",
    )
    gantt_depots: int = Field(
        GANTT_DEPOTS, ge=0, le=500, description="depots drawn in gantt.html, the busiest first (0: all)"
    )

    @model_validator(mode="after")
    def _caps(self) -> DispatchIn:
        bad = [k for k, n in self.truck_cap.items() if ":" not in k or n < 0]
        if bad:
            raise ValueError(
                f"truck_cap: keys must be '<depot>:<truck>' (e.g. 'b-x:diesel') with a count >= 0, got {bad}"
            )
        return self


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
    plan: str | None = Field(
        None, max_length=32, description="coverage: a published job whose plan to check against; dispatch: its plan"
    )
    dispatch: DispatchIn | None = Field(None, description="dispatch: the day (default: a typical day)")

    @model_validator(mode="after")
    def _scenarios(self) -> JobIn:
        if self.kind == "compare" and not self.scenarios:
            raise ValueError("compare needs 'scenarios': 2 to 6 of them")
        if self.kind == "dispatch":
            return self._dispatch()
        if self.kind != "compare" and self.scenario is None:
            raise ValueError(f"{self.kind} needs 'scenario': {{'name': ...}} or {{'yaml': ...}}")
        if self.kind == "coverage" and not self.sites:
            raise ValueError("coverage needs 'sites': at least one")
        if self.dispatch is not None:
            raise ValueError(f"'dispatch' is for dispatch jobs, not {self.kind}")
        return self

    def _dispatch(self) -> JobIn:
        if not self.plan:
            raise ValueError("dispatch needs 'plan': the id of a published optimize job")
        if self.scenario is not None or self.scenarios or self.overrides or self.sites:
            raise ValueError("dispatch takes its scenario from its plan: give only 'plan' and 'dispatch'")
        if self.dispatch is None:
            self.dispatch = DispatchIn()
        return self


class CoverageIn(BaseModel):
    """One site checked against a published plan (answered at once)."""

    model_config = ConfigDict(extra="forbid")
    site: SiteIn
    plan: str = Field(max_length=32, description="id of a published optimize job")
