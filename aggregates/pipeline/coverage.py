"""Coverage checks through the funnel: residual room from a run folder, or from a new solve with the sites added."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from aggregates.analysis.coverage import Difference, Report, check_coverage, explain_difference, summary_table
from aggregates.config import Scenario
from aggregates.data.boundaries import read_boundaries
from aggregates.data.gazetteer import region_gazetteer, resolve_place
from aggregates.data.region import Region
from aggregates.data.sites import Site, to_wgs84
from aggregates.errors import InputError
from aggregates.files import atomic_folder
from aggregates.network.options import RouteOptions
from aggregates.pipeline.cache import InputCache
from aggregates.pipeline.inputs import select_demand_path
from aggregates.pipeline.progress import Progress
from aggregates.pipeline.result import read_run
from aggregates.pipeline.solving import solve
from aggregates.plan import Plan
from aggregates.viz.maps import MapOptions, coverage_map, save_html


def coverage(
    scenario: Scenario,
    sites: list[tuple[str, Site]],
    *,
    plan: str | Path | Plan | None = None,
    region: Region | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cache: InputCache | None = None,
) -> Report:
    """Can each site be supplied from near solid-waste bases? (``aggregates coverage``)

    Parameters
    ----------
    scenario
        The scenario (its ``coverage_check`` rule).
    sites
        (label for messages, site) pairs.
    plan
        A run folder or a plan whose residual capacity each site is checked against alone;
        ``None``: solve the scenario again with every site added as demand.
    region
        The region (default: the scenario's).
    on_progress, cache
        As for :func:`aggregates.solve`.

    Raises
    ------
    InputError
        Listing every bad site field, and sites too far from the road network.
    InfeasibleError
        When the re-optimisation with the sites has no plan.
    """
    cache = cache if cache is not None else InputCache()
    region = select_demand_path(scenario, region if region is not None else cache.region(scenario.region), cache)
    if plan is not None:
        given = plan if isinstance(plan, Plan) else read_run(plan).plan
        report = check_coverage(scenario, region, sites, plan=given)
        where = f"the plan in {plan}" if not isinstance(plan, Plan) else "the given plan"
        return replace(report, residual_source=f"{where} (each site checked alone against it)")

    def optimize(extended: Region) -> tuple[Plan, RouteOptions]:
        result = solve(scenario, extended, on_progress=on_progress, cache=cache)
        return result.plan, result.instance.routes

    return check_coverage(scenario, region, sites, optimize=optimize)


def coverage_both(
    scenario: Scenario,
    sites: list[tuple[str, Site]],
    plan: str | Path | Plan,
    *,
    region: Region | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cache: InputCache | None = None,
) -> tuple[Report, Report, list[Difference]]:
    """Answer against a published plan and by re-optimising with the sites, and explain each difference.

    Parameters
    ----------
    scenario, sites, region, on_progress, cache
        As for :func:`coverage`.
    plan
        The published plan (a run folder or a plan).

    Returns
    -------
    tuple
        (answers against the plan, answers of the re-optimisation, one :class:`Difference` per site).
    """
    cache = cache if cache is not None else InputCache()
    given = plan if isinstance(plan, Plan) else read_run(plan).plan
    against = coverage(scenario, sites, plan=given, region=region, cache=cache)
    if not isinstance(plan, Plan):
        against = replace(against, residual_source=f"the plan in {plan} (each site checked alone against it)")
    again = coverage(scenario, sites, region=region, on_progress=on_progress, cache=cache)
    differences = [
        explain_difference(a, given, b, again.plan) for a, b in zip(against.results, again.results, strict=True)
    ]
    return against, again, differences


def site_of(
    region: Region,
    tonnes: float,
    product: str,
    years: tuple[int, ...],
    *,
    place: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    crs: str = "wgs84",
    name: str | None = None,
) -> Site:
    """A site from a place name of the region, or from lat/lon in WGS 84 or GCJ-02 (``crs``).

    Parameters
    ----------
    region
        The region whose places ``place`` is looked up in (Chinese or pinyin).
    tonnes, product, years
        What the site asks for.
    place, lat, lon, crs
        Where: a place name, else ``lat`` and ``lon`` in ``crs`` (``wgs84`` or ``gcj02``).
    name
        The site's name (default: the place's Chinese name, or ``site at LAT, LON``).

    Raises
    ------
    InputError
        For a place that several places or none match, an unknown ``crs`` or no location at all.
    """
    if place is not None:
        found = resolve_place(region_gazetteer(region), place)
        return Site(name or found.name_zh, found.lat, found.lon, tonnes, product, tuple(years))
    if lat is None or lon is None:
        raise InputError("a site needs a place name or both lat and lon")
    lat, lon = to_wgs84(lat, lon, crs)
    return Site(name or f"site at {lat:g}, {lon:g}", lat, lon, tonnes, product, tuple(years))


def write_coverage(report: Report, region: Region, out_dir: str | Path, lang: str = "zh") -> Path:
    """Write ``coverage.csv`` and the map ``coverage.html`` (in ``lang``) to ``out_dir`` (all or nothing)."""
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        summary_table(report).to_csv(tmp / "coverage.csv", index=False, encoding="utf-8")
        page = coverage_map(report, region, read_boundaries(region.path), MapOptions(lang=lang))
        save_html(page, tmp / "coverage.html")
    return out_dir
