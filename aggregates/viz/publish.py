"""Everything a run folder shows a person: map, charts, report.

``write_visuals`` is what ``aggregates optimize`` calls on the (still
temporary) run folder, and ``publish_map`` copies the map to ``maps/``.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

from aggregates.viz.maps import MapOptions, headline_year, save_html, supply_map
from aggregates.viz.run import read_run

log = logging.getLogger(__name__)


def write_visuals(folder: str | Path, options: MapOptions, *, charts: bool = True, report: bool = True) -> list[Path]:
    """Write ``map.html``, and optionally ``charts/`` and ``report.html``, into a run folder.

    The map is written in both languages: ``map.html`` in ``options.lang`` and ``map.<other>.html``
    in the other, each linking to the other from its title block.

    Parameters
    ----------
    folder
        A run folder with the plan's files (see :func:`aggregates.viz.run.read_run`).
    options
        Language, basemap and year of the map; charts and report use the same language and year.
    charts, report
        Whether to write the charts and the report.

    Returns
    -------
    list of Path
        The files written.
    """
    from aggregates.viz.charts import write_charts
    from aggregates.viz.report import write_report

    folder = Path(folder)
    run = read_run(folder)
    year = headline_year(run, options.year)
    other = other_lang(options.lang)
    map_path = save_html(supply_map(run, replace(options, switch=("add", other))), folder / "map.html")
    translated = replace(options, lang=other, switch=("strip", other))
    written = [map_path, save_html(supply_map(run, translated), folder / f"map.{other}.html")]
    if charts:
        written += write_charts(run.plan, folder, lang=options.lang, year=year)
    if report:
        map_html = map_path.read_text(encoding="utf-8")
        written.append(write_report(run.plan, folder, lang=options.lang, map_html=map_html, year=year))
    log.info("wrote %d map/chart/report files to %s", len(written), folder)
    return written


def other_lang(lang: str) -> str:
    """The other of the two languages."""
    return "en" if lang == "zh" else "zh"


def publish_map(run_dir: str | Path, maps_dir: str | Path, name: str, lang: str) -> Path:
    """Copy a run's maps to ``maps_dir/<name>.html`` and ``<name>.<other>.html``, each through a temporary file.

    Returns
    -------
    Path
        The main map's copy.
    """
    maps_dir, run_dir = Path(maps_dir), Path(run_dir)
    maps_dir.mkdir(parents=True, exist_ok=True)
    other = other_lang(lang)
    pairs = [("map.html", f"{name}.html"), (f"map.{other}.html", f"{name}.{other}.html")]
    for source, target in pairs:
        if (run_dir / source).is_file():
            tmp = maps_dir / f".{target}.tmp"
            shutil.copyfile(run_dir / source, tmp)
            tmp.replace(maps_dir / target)
    return maps_dir / pairs[0][1]
