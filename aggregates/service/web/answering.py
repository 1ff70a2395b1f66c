"""A coverage question of the project page, answered in one of the coverage desk's processes.

The answer is the API's (:func:`aggregates.analysis.coverage.result_dict`: the sentence in both
languages, the ranked options with room and the full ones apart) plus the coverage map drawn in the
page's language, so the web process only places it. Each desk process keeps the plans it read and the
region's network, as the API's questions do (:mod:`aggregates.service.answers`).
"""

from __future__ import annotations

from aggregates.analysis.coverage import result_dict
from aggregates.data.boundaries import read_boundaries
from aggregates.data.region import Region
from aggregates.errors import InputError
from aggregates.pipeline import Result
from aggregates.pipeline.coverage import coverage, site_of
from aggregates.service.answers import CACHE, CoverageDesk, published
from aggregates.viz.maps import MapOptions, coverage_map, render_page


def region_of(run: Result) -> Region:
    """The region of a plan's scenario (read once per process)."""
    return CACHE.region(run.scenario.region)


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{name}: '{text}' is not a number; write it in digits, e.g. 300000") from None


def site_from(region: Region, asked: dict):
    """The form's site: a place name of the region, else lat/lon in the form's datum (``wgs84``/``gcj02``).

    Raises
    ------
    InputError
        For a place that none or several places match, or a field that is not a number.
    """
    where = {"place": asked.get("place") or None, "crs": asked.get("crs") or "wgs84", "name": asked.get("name") or None}
    if not where["place"]:
        where |= {"lat": _number(asked.get("lat", ""), "lat"), "lon": _number(asked.get("lon", ""), "lon")}
    year = int(_number(asked.get("year", ""), "year"))
    return site_of(region, _number(asked.get("tonnes", ""), "tonnes"), asked.get("product", ""), (year,), **where)


def page_answer(folder: str, asked: dict, lang: str) -> dict:
    """The answer to the form's question against the plan in ``folder``, with the coverage map's HTML."""
    run = published(folder)
    region = region_of(run)
    site = site_from(region, asked)
    report = coverage(run.scenario, [(f"site '{site.name}'", site)], plan=run.plan, cache=CACHE)
    page_map = coverage_map(report, region, read_boundaries(region.path), MapOptions(lang=lang))
    answer = result_dict(report.results[0], report.rule)
    return answer | {"map_html": render_page(page_map)}


async def ask(desk: CoverageDesk, folder: str, asked: dict, lang: str) -> dict:
    """:func:`page_answer` in a desk process, under the desk's bound on waiting questions.

    Raises
    ------
    Busy
        When the desk has as many questions waiting as it takes.
    """
    return await desk.run(page_answer, folder, asked, lang)
