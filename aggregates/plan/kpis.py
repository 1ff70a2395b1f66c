"""The figures of a plan as types: per-year KPIs, emission intensities, fleet summaries, solver facts.

Each field carries its unit (``dataclasses.fields(YearKPIs)[i].metadata["unit"]``, from the KPI
registry of :mod:`aggregates.vocab`). :meth:`YearKPIs.to_dict` gives exactly the mapping
``kpis.json`` holds under ``years.<year>``, and :meth:`YearKPIs.from_dict` reads it back.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields

from aggregates.vocab import KPIS


def _unit(key: str, unit: str | None = None) -> dict[str, str]:
    """Field metadata holding a unit (from the KPI registry unless given)."""
    return {"unit": unit if unit is not None else KPIS[key].unit}


@dataclass(frozen=True)
class Intensity:
    """Emissions per net tonne-km of a chain (door to door) or a leg (that leg alone)."""

    tkm: int = field(metadata=_unit("", "t-km"))
    co2e_g_per_tkm: float = field(metadata=_unit("", "g/t-km"))
    co2e_ttw_g_per_tkm: float = field(metadata=_unit("", "g/t-km"))
    nox_g_per_tkm: float = field(metadata=_unit("", "g/t-km"))
    pm_g_per_tkm: float = field(metadata=_unit("", "g/t-km"))


@dataclass(frozen=True)
class FleetSummary:
    """The fleet and operations one year of a plan needs (README, "Fleet and operations sizing").

    Per-day figures are per operating day of their mode (``rail_operating_days`` for trains
    and yards, ``truck_operating_days`` for trucks and swaps).
    """

    rail_operating_days: float = field(metadata=_unit("", "days/yr"))
    truck_operating_days: float = field(metadata=_unit("", "days/yr"))
    trains_per_day: float = field(metadata=_unit("", "trains/day"))
    trains_per_calendar_day: float = field(metadata=_unit("", "trains/day"))
    trainsets: float = field(metadata=_unit("", "trainsets"))
    wagons: int = field(metadata=_unit("wagons"))
    containers: int = field(metadata=_unit("containers"))
    yard_tracks: int = field(metadata=_unit("", "tracks"))
    nev_trucks: int = field(metadata=_unit("nev_trucks"))
    diesel_trucks: int = field(metadata=_unit("diesel_trucks"))
    truck_trips_per_day: float = field(metadata=_unit("", "trips/day"))
    truck_hours_per_day: float = field(metadata=_unit("", "truck-hours/day"))
    swaps_per_day: float = field(metadata=_unit("", "swaps/day"))
    depot_swaps_per_day: float = field(metadata=_unit("", "swaps/day"))
    driver_shifts_per_day: int = field(metadata=_unit("", "shifts/day"))
    drivers: int = field(metadata=_unit("", "drivers"))
    # Deliveries into an access-rule zone inside a window shorter than the day (e.g. night only).
    window_mt: float = field(default=0.0, metadata=_unit("", "Mt"))
    window_trucks: int = field(default=0, metadata=_unit("", "trucks"))

    @classmethod
    def idle(cls, rail_days: float, truck_days: float) -> FleetSummary:
        """No fleet at all: a year with no flows."""
        zeros = {f.name: 0 for f in fields(cls)}
        return cls(**{**zeros, "rail_operating_days": rail_days, "truck_operating_days": truck_days})


@dataclass(frozen=True)
class YearKPIs:
    """The headline figures of one planning year (README, "Outputs": ``kpis.json``).

    Money in yuan, tonnes in Mt unless the name says otherwise, CO2e in t (well-to-wheel
    unless ``ttw``), NOx and PM in t, shares as fractions. ``cost_yuan`` is the cost of the
    solid-waste supply: fixed + production + transport + ``coproduct_cost_yuan`` (holding and disposal
    less local revenue; 0 under free disposal). The ``coproduct_*_mt`` figures are what the bases made
    and did not ship: sold locally, in stock at the year's end, disposed. ``natural_mt`` is all natural
    aggregate (``natural_quarry_mt`` from the region's quarries + ``natural_import_mt``),
    ``natural_cost_yuan`` what it costs delivered (ex-quarry + haul, imports at their price).
    ``co2e_t``, ``co2e_ttw_t``, ``nox_t``, ``pm_t`` and ``carbon_cost_yuan`` cover all transport of
    delivered tonnes (solid waste, quarry hauls, imports; imports count in WTW only), as the emissions
    cap and carbon price do; ``natural_co2e_t`` is the natural part. ``co2e_kg_per_t`` is per
    delivered tonne.
    """

    substitution_mt: float = field(metadata=_unit("substitution_mt"))
    target_mt: float = field(metadata=_unit("target_mt"))
    target_met: bool = field(metadata=_unit("target_met"))
    demand_mt: float = field(metadata=_unit("demand_mt"))
    natural_mt: float = field(metadata=_unit("natural_mt"))
    unmet_mt: float = field(metadata=_unit("unmet_mt"))
    rail_share_t: float = field(metadata=_unit("rail_share_t"))
    rail_share_tkm: float = field(metadata=_unit("rail_share_tkm"))
    cost_yuan: int = field(metadata=_unit("cost_yuan"))
    cost_yuan_per_t: float = field(metadata=_unit("cost_yuan_per_t"))
    fixed_cost_yuan: int = field(metadata=_unit("fixed_cost_yuan"))
    production_cost_yuan: int = field(metadata=_unit("production_cost_yuan"))
    transport_cost_yuan: int = field(metadata=_unit("transport_cost_yuan"))
    carbon_cost_yuan: int = field(metadata=_unit("carbon_cost_yuan"))
    natural_cost_yuan: int = field(metadata=_unit("natural_cost_yuan"))
    co2e_t: float = field(metadata=_unit("co2e_t"))
    co2e_ttw_t: float = field(metadata=_unit("co2e_ttw_t"))
    co2e_kg_per_t: float = field(metadata=_unit("co2e_kg_per_t"))
    nox_t: float = field(metadata=_unit("nox_t"))
    pm_t: float = field(metadata=_unit("pm_t"))
    tkm_road: int = field(metadata=_unit("tkm_road"))
    tkm_rail: int = field(metadata=_unit("tkm_rail"))
    trains_per_day: float = field(metadata=_unit("trains_per_day"))
    truck_trips_per_day: float = field(metadata=_unit("truck_trips_per_day"))
    by_chain_mt: dict[str, float] = field(metadata=_unit("by_chain_mt"))
    intensity_by_chain: dict[str, Intensity] = field(metadata=_unit("intensity_by_chain"))
    intensity_by_leg: dict[str, Intensity] = field(metadata=_unit("intensity_by_leg"))
    by_city_mt: dict[str, float] = field(metadata=_unit("by_city_mt"))
    to_city_mt: dict[str, float] = field(metadata=_unit("to_city_mt"))
    bases_open: int = field(metadata=_unit("bases_open"))
    capacity_mt: float = field(metadata=_unit("capacity_mt"))
    coproduct_local_mt: float = field(default=0.0, metadata=_unit("coproduct_local_mt"))
    coproduct_stock_mt: float = field(default=0.0, metadata=_unit("coproduct_stock_mt"))
    coproduct_disposed_mt: float = field(default=0.0, metadata=_unit("coproduct_disposed_mt"))
    coproduct_cost_yuan: int = field(default=0, metadata=_unit("coproduct_cost_yuan"))
    fleet: FleetSummary | None = field(default=None, metadata=_unit("fleet"))
    natural_quarry_mt: float = field(default=0.0, metadata=_unit("natural_quarry_mt"))
    natural_import_mt: float = field(default=0.0, metadata=_unit("natural_import_mt"))
    natural_co2e_t: float = field(default=0.0, metadata=_unit("natural_co2e_t"))

    @staticmethod
    def unit(name: str) -> str:
        """The unit of a field, e.g. ``YearKPIs.unit("co2e_t") == "t"``."""
        return {f.name: f.metadata["unit"] for f in fields(YearKPIs)}[name]

    def chain_mt(self, chain: str) -> float:
        """Mt carried by ``chain`` (0 when unused)."""
        return self.by_chain_mt.get(chain, 0.0)

    def to_dict(self) -> dict:
        """The mapping ``kpis.json`` holds for this year (the fleet left out when not sized)."""
        data = asdict(self)
        if self.fleet is None:
            data.pop("fleet")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> YearKPIs:
        """Read :meth:`to_dict`'s mapping back (``kpis.json``'s ``years.<year>``)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("intensity_by_chain", "intensity_by_leg"):
            values[key] = {name: Intensity(**v) for name, v in values.get(key, {}).items()}
        if values.get("fleet") is not None:
            values["fleet"] = FleetSummary(**values["fleet"])
        optional = {f.name for f in fields(cls) if f.default is not MISSING}
        missing = known - set(values) - optional
        if missing:
            raise ValueError(f"missing figure(s) {', '.join(sorted(missing))}")
        return cls(**values)


GAP_ROUNDING = 1e-6  # gaps are stored to 6 decimals; a stored gap this far above the request still meets it


@dataclass(frozen=True)
class SolveInfo:
    """How the plan was found: solver status, objective and bound, gap, the limits asked for, times, model size."""

    status: str
    detail: str
    objective_yuan: float = field(metadata=_unit("", "yuan"))
    bound_yuan: float = field(metadata=_unit("", "yuan"))
    mip_gap: float = field(metadata=_unit("mip_gap"))
    build_seconds: float = field(metadata=_unit("", "s"))
    solve_seconds: float = field(metadata=_unit("", "s"))
    model_size: dict[str, int] = field(default_factory=dict, metadata={"unit": "count"})
    requested_gap: float | None = field(default=None, metadata=_unit("mip_gap"))
    time_limit_s: float | None = field(default=None, metadata=_unit("", "s"))

    @property
    def optimal(self) -> bool:
        """Whether the solver proved the plan optimal within the requested gap (:attr:`limit` is None)."""
        return self.limit is None

    @property
    def limit(self) -> str | None:
        """Why the plan is not proven within the requested gap, or None when it is.

        The one rule every command applies (summary, ``kpis.json``, comparison and sweep tables,
        maps and report): a plan that stopped at a limit, or whose proven gap is above the
        requested one, is flagged with this phrase.
        """
        gap = f"proven gap {self.mip_gap:.3%}"
        if self.status != "optimal":
            return f"{self._stopped_by()} with a {gap}"
        if self.requested_gap is not None and self.mip_gap > self.requested_gap + GAP_ROUNDING:
            return f"the {gap} is above the requested {self.requested_gap:.3%}"
        return None

    def _stopped_by(self) -> str:
        if self.time_limit_s is not None and self.solve_seconds >= 0.95 * self.time_limit_s:
            return f"the solver stopped at its time limit of {self.time_limit_s:g} s"
        return f"the solver stopped at a limit ({self.detail})"
