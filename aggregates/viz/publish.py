"""Everything a run folder shows a person: map, charts, report.

``write_visuals`` is what ``aggregates optimize`` calls on the (still
temporary) run folder, and ``publish_map`` copies the map to ``maps/``.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from aggregates.viz.maps import MapOptions, headline_year, save_html, supply_map
from aggregates.viz.run import read_run

log = logging.getLogger(__name__)


def write_visuals(folder: str | Path, options: MapOptions, *, charts: bool = True, report: bool = True) -> list[Path]:
    """Write ``map.html``, and optionally ``charts/`` and ``report.html``, into a run folder.

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
    map_path = save_html(supply_map(run, options), folder / "map.html")
    written = [map_path]
    if charts:
        written += write_charts(run.plan, folder, lang=options.lang, year=year)
    if report:
        map_html = map_path.read_text(encoding="utf-8")
        written.append(write_report(run.plan, folder, lang=options.lang, map_html=map_html, year=year))
    log.info("wrote %d map/chart/report files to %s", len(written), folder)
    return written


def publish_map(map_file: str | Path, maps_dir: str | Path, name: str) -> Path:
    """Copy a map to ``maps_dir/<name>.html`` through a temporary file (never half-written)."""
    target = Path(maps_dir) / f"{name}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(map_file, tmp)
    tmp.replace(target)
    return target
