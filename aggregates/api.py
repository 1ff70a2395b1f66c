"""The public functions the CLI (and later the web service) are thin shells over."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import yaml
from pydantic import ValidationError
from scipy.spatial import cKDTree

from aggregates.config import Outputs, Scenario, load_scenario
from aggregates.data.region import Region, check_years, read_region
from aggregates.errors import InfeasibleError, InputError, NetworkError
from aggregates.network.graph import Network, build_network
from aggregates.network.routes import co2e_kg_per_t, route_options
from aggregates.optimize.build import Instance, build_instance
from aggregates.optimize.explain import binding_limits, explain_elastic, precheck
from aggregates.optimize.model import Solution, SolverSettings, solve
from aggregates.optimize.plan import Plan, make_plan

if TYPE_CHECKING:
    from aggregates.viz.maps import MapOptions

log = logging.getLogger(__name__)

SNAPPED_LAYERS = ("bases", "demand", "terminals", "swap_stations")


@dataclass(frozen=True)
class Inputs:
    """A validated scenario and its region."""

    scenario: Scenario
    region: Region


def load_inputs(
    config: str | Path,
    overrides: list[str] | None = None,
    *,
    osm: str | Path | None = None,
    max_snap_km: float = 5.0,
    allow_download: bool = False,
) -> Inputs:
    """Load and validate a scenario and its region.

    Parameters
    ----------
    config
        Scenario YAML file.
    overrides
        ``key.path=value`` strings.
    osm
        Optional .osm / .osm.pbf file whose roads replace the region's road layer.
    max_snap_km
        With ``osm``: farthest a site may be from the nearest OSM road node.
    allow_download
        With ``osm="download"``: allow fetching the region's roads from the
        Overpass API.
    """
    scenario = load_scenario(config, overrides)
    region = read_region(scenario.region)
    check_years(region, scenario.years)
    if osm is not None:
        region = with_osm_roads(region, osm, max_snap_km=max_snap_km, allow_download=allow_download)
    return Inputs(scenario, region)


def with_osm_roads(region: Region, source, *, max_snap_km: float, allow_download: bool = False) -> Region:
    """Replace a region's road layer by one built from OpenStreetMap."""
    from aggregates.network.osm import build_osm_road_layer  # osmnx is slow to import; only load it when asked

    known = region.points()
    points = known[known["layer"].isin(SNAPPED_LAYERS)][["id", "lon", "lat"]].reset_index(drop=True)
    tree = cKDTree(known[["lon", "lat"]].to_numpy())
    provinces = known["province"].to_numpy()

    def province_of(lon: float, lat: float) -> str:
        # Nearest known site's province: the region carries no boundaries, and sites sit on both sides of them.
        return str(provinces[tree.query([lon, lat])[1]])

    road_nodes, roads = build_osm_road_layer(
        source,
        points,
        province_of=province_of,
        max_snap_km=max_snap_km,
        allow_download=allow_download,
        bbox=region.meta.bbox,
    )
    return region.with_roads(road_nodes, roads)


def network_for(inputs: Inputs) -> Network:
    """Build the multimodal network of loaded inputs."""
    return build_network(inputs.region, inputs.scenario)


def _matches(table: pd.DataFrame, needle: str, exact: bool) -> pd.DataFrame:
    keys = [table[c].str.casefold() for c in ("id", "name_en", "name_zh")]
    hit = [(k == needle) if exact else k.str.contains(needle, regex=False) for k in keys]
    return table[hit[0] | hit[1] | hit[2]]


def find_place(table: pd.DataFrame, text: str, what: str) -> str:
    """Id of the row matching ``text`` by id, English or Chinese name, case-insensitive.

    An exact match wins; otherwise a single row whose id or name contains
    ``text`` (e.g. ``Shougang`` or ``首矿``).

    Raises
    ------
    NetworkError
        When nothing or more than one row matches, listing the candidates.
    """
    needle = text.strip().casefold()
    for exact in (True, False):
        hits = _matches(table, needle, exact)
        if len(hits) == 1:
            return str(hits["id"].iloc[0])
        if len(hits) > 1:
            listed = ", ".join(f"{i} ({n})" for i, n in zip(hits["id"], hits["name_en"], strict=True))
            raise NetworkError(f"'{text}' matches several {what}: {listed}; use the id")
    names = [*table["id"], *table["name_en"], *table["name_zh"]]
    close = difflib.get_close_matches(text, names, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise NetworkError(f"no {what} is called '{text}' (match by id, English or Chinese name){hint}")


def routes_between(network: Network, base: str, node: str, year: int | None = None) -> pd.DataFrame:
    """Route options of every chain between one base and one demand node.

    Parameters
    ----------
    network
        The network.
    base, node
        Id, English or Chinese name of a base and a demand node.
    year
        Year of the grid factor for CO2e (default: the scenario's first).

    Returns
    -------
    pandas.DataFrame
        The route-options rows of that pair with ``co2e_kg_per_t`` and
        ``co2e_ttw_kg_per_t`` added, cheapest first.
    """
    region = network.region
    base_id = find_place(region.bases, base, "base")
    node_id = find_place(region.demand, node, "demand node")
    options = route_options(network, nodes=[node_id])
    options = options[options["base"] == base_id].copy()
    year = year or min(network.scenario.years)
    options["co2e_kg_per_t"] = co2e_kg_per_t(options, network.scenario, year)
    options["co2e_ttw_kg_per_t"] = co2e_kg_per_t(options, network.scenario, year, basis="ttw")
    options["year"] = year
    return options.sort_values("cost_yuan_per_t", kind="mergesort").reset_index(drop=True)


def missing_chain_reason(network: Network, chain: str) -> str:
    """Why a chain has no route option between a pair (for messages)."""
    sc = network.scenario
    if chain not in sc.chains:
        return "not enabled in the scenario's chains"
    if chain == "bet_truck":
        r = sc.trucks.bet.range_km
        return (
            f"beyond the battery range: each hop between charging points must be <= {r:g} km and the last "
            f"hop to a site without charging <= {r / 2:g} km (there and back), and no chain of swap "
            f"stations connects them"
        )
    if chain.startswith("rail_"):
        return (
            f"no loading station within {sc.rail.max_first_mile_km:g} km by road (rail.max_first_mile_km), "
            f"no rail path between terminals, or a truck leg beyond battery range"
        )
    return "no road path"


@dataclass(frozen=True)
class Optimized:
    """Everything an optimisation run produced, for writing and reporting."""

    inputs: Inputs
    network: Network
    instance: Instance
    solution: Solution
    plan: Plan


def solver_settings(scenario: Scenario) -> SolverSettings:
    """The core's solver settings from a scenario's ``solver`` section."""
    s = scenario.solver
    return SolverSettings(
        solver=s.name,
        time_limit_s=s.time_limit_s,
        relative_gap=s.relative_gap,
        threads=s.threads,
        seed=s.seed,
        shadow_prices=s.shadow_prices,
        presolve=s.presolve,
    )


def optimize(
    inputs: Inputs,
    *,
    on_stage: Callable[[str], None] | None = None,
    on_log: Callable[[str], None] | None = None,
) -> Optimized:
    """Build the network, the route options and the model of a scenario; solve it.

    Parameters
    ----------
    inputs
        From :func:`load_inputs`.
    on_stage
        Called with a short description as each stage starts (progress display).
    on_log
        Called with each line of the solver's log.

    Returns
    -------
    Optimized

    Raises
    ------
    InfeasibleError
        When the target or a policy cannot be met (with the binding limits in
        numbers), or the solver found no plan within its limits.
    """
    stage = on_stage or (lambda _text: None)
    stage("building the network")
    network = network_for(inputs)
    stage("computing route options")
    options = route_options(network)
    stage("assembling the model")
    instance = build_instance(inputs.region, inputs.scenario, options)
    reasons = precheck(instance.problem)
    if reasons:
        raise InfeasibleError(_infeasible_header(inputs) + "\n".join(f"  - {r}" for r in reasons))
    stage(f"solving with {inputs.scenario.solver.name}")
    settings = solver_settings(inputs.scenario)
    solution = solve(instance.problem, settings, on_log=on_log)
    if solution.status == "infeasible":
        stage("infeasible: finding the binding limits")
        raise InfeasibleError(_infeasible_header(inputs) + _explain(instance, settings))
    if not solution.has_plan:
        raise InfeasibleError(_no_plan_message(inputs, solution))
    stage("writing up the plan")
    return Optimized(inputs, network, instance, solution, make_plan(instance, solution))


def _infeasible_header(inputs: Inputs) -> str:
    return f"{inputs.scenario.source_file}: no plan meets the scenario's targets and policies:\n"


def _explain(instance: Instance, settings: SolverSettings) -> str:
    """Re-solve with targets and policies priced instead of enforced; say what is missed and what binds."""
    relaxed = SolverSettings(
        solver="highs",
        time_limit_s=settings.time_limit_s,
        relative_gap=0.01,
        threads=settings.threads,
        seed=settings.seed,
        shadow_prices=False,
    )
    elastic = solve(instance.problem, relaxed, elastic=True)
    if not elastic.has_plan:
        return f"  - the elastic re-solve ended '{elastic.status}' ({elastic.detail}); no further explanation"
    lines = explain_elastic(instance, elastic)
    if not lines:
        lines = ["the solver proved infeasibility, but the relaxed model meets every target; binding limits:"]
        lines += [f"  {b}" for t in range(len(instance.problem.years)) for b in binding_limits(instance, elastic, t)]
    return "\n".join(f"  - {line}" if not line.startswith("  ") else f"    {line.strip()}" for line in lines)


def _no_plan_message(inputs: Inputs, solution: Solution) -> str:
    s = inputs.scenario.solver
    return (
        f"{inputs.scenario.source_file}: the solver ({s.name}) found no plan: {solution.status} "
        f"({solution.detail}) after {solution.solve_seconds:.1f} s. Raise solver.time_limit_s (now {s.time_limit_s:g}) "
        f"or loosen solver.relative_gap (now {s.relative_gap:g}), e.g. --set solver.time_limit_s=600"
    )


def write_plan(result: Optimized, out_dir: str | Path, *, visuals: bool = True) -> Path:
    """Write an optimisation run's files to ``out_dir`` (all or nothing); see :mod:`aggregates.outputs`.

    The fleet the plan needs is sized (:func:`aggregates.fleet.sizing.plan_fleet`) and written as
    ``fleet.csv``, with each year's summary under ``years.<year>.fleet`` in ``kpis.json``.
    With ``visuals`` the folder also gets ``map.html``, ``charts/`` and ``report.html`` as the
    scenario's ``outputs`` section asks, made from the written plan before the folder is moved into place.
    """
    from dataclasses import replace

    from aggregates.fleet.sizing import plan_fleet, with_fleet_kpis
    from aggregates.network.geometry import route_geometries
    from aggregates.outputs import write_run

    fleet = plan_fleet(result.plan, result.instance)
    plan = replace(result.plan, kpis=with_fleet_kpis(result.plan.kpis, fleet))

    def along_routes(flows: pd.DataFrame) -> list:
        routes = result.instance.routes.iloc[flows["route"].to_numpy()]
        return route_geometries(result.network, routes)

    def add_visuals(folder: Path) -> None:
        from aggregates.viz.publish import write_visuals

        outputs = result.inputs.scenario.outputs
        write_visuals(folder, map_options(outputs), charts=outputs.charts, report=outputs.report)

    return write_run(
        plan,
        result.inputs.scenario,
        out_dir,
        points=result.inputs.region.points(),
        flow_geometry=along_routes,
        display_layers=display_layers(result.inputs.region),
        extras=add_visuals if visuals else None,
        fleet=fleet.table,
    )


def map_options(outputs: Outputs, **overrides) -> MapOptions:
    """Map options from a scenario's ``outputs`` section, with command-line ``overrides`` (None: keep)."""
    from aggregates.viz.maps import MapOptions

    o = outputs
    fields = {
        "lang": o.lang,
        "basemap": o.basemap,
        "offline": o.offline,
        "tianditu_key": o.tianditu_key,
        "year": o.year,
    }
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return MapOptions(**fields).checked()


def publish_map(scenario: Scenario, run_dir: str | Path) -> Path | None:
    """Copy a run's maps to the scenario's ``outputs.maps_dir`` as ``<name>.html`` (and the other language's
    ``<name>.<lang>.html``); None when that is off."""
    from aggregates.viz.publish import publish_map as copy_maps

    outputs = scenario.outputs
    if outputs.maps_dir is None:
        return None
    return copy_maps(run_dir, outputs.maps_dir, scenario.name, outputs.lang)


def load_scenario_outputs(config: str | Path, overrides: list[str] | None = None) -> Outputs:
    """The ``outputs`` settings of a scenario file (after ``extends`` and overrides)."""
    return load_scenario(config, overrides).outputs


def run_outputs(run_dir: str | Path) -> Outputs:
    """The ``outputs`` settings a run folder was written with (from its ``scenario.yaml``).

    Raises
    ------
    InputError
        When the folder has no readable ``scenario.yaml`` or its ``outputs`` section is invalid.
    """
    path = Path(run_dir) / "scenario.yaml"
    if not path.is_file():
        raise InputError(f"{run_dir}: no scenario.yaml here: not a run folder; run 'aggregates optimize CONFIG' first")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return Outputs(**(data.get("outputs") or {}))
    except ValidationError as exc:
        raise InputError(f"{path}: section 'outputs' is invalid: {exc.errors()[0]['msg']}") from None


def make_map(run_dirs: list[str | Path], out: str | Path, options: MapOptions) -> Path:
    """Draw one run, or two side by side, from their run folders, and write the HTML page to ``out``."""
    from aggregates.viz.comparison_map import comparison_map
    from aggregates.viz.maps import save_html, supply_map
    from aggregates.viz.run import read_run

    runs = [read_run(folder) for folder in run_dirs]
    page = supply_map(runs[0], options) if len(runs) == 1 else comparison_map(runs, options)
    return save_html(page, out)


def display_layers(region: Region) -> dict[str, gpd.GeoDataFrame]:
    """The region layers a map draws besides the plan: rail sections, terminals, swap stations, boundaries."""
    from aggregates.data.boundaries import read_boundaries

    layers = {name: getattr(region, name) for name in ("rail_segments", "terminals", "swap_stations")}
    return {**layers, "boundaries": read_boundaries(region.path)}
