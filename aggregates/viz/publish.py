"""Everything a run folder shows a person: maps in both languages, charts, report; and copies for ``maps/``."""

from __future__ import annotations

import logging
import shutil
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from aggregates.config import Outputs
from aggregates.files import atomic_file
from aggregates.viz.charts import chart_specs, write_charts
from aggregates.viz.layers import Drawable
from aggregates.viz.maps import MapOptions, save_html, supply_map
from aggregates.viz.report import write_report

log = logging.getLogger(__name__)


def map_options(outputs: Outputs, **overrides) -> MapOptions:
    """Map options from a scenario's ``outputs`` section, with command-line ``overrides`` (None: keep).

    Raises
    ------
    InputError
        For an unknown language or basemap, or Tianditu without a key.
    """
    fields = {
        "lang": outputs.lang,
        "basemap": outputs.basemap,
        "offline": outputs.offline,
        "tianditu_key": outputs.tianditu_key,
        "year": outputs.year,
    }
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return MapOptions(**fields).checked()


def write_visuals(
    run: Drawable,
    folder: str | Path,
    options: MapOptions,
    *,
    charts: bool = True,
    report: bool = True,
    png: bool = False,
) -> list[Path]:
    """Write ``map.html``, and optionally ``charts/`` and ``report.html``, into a run folder.

    The map is written in both languages: ``map.html`` in ``options.lang`` and ``map.<other>.html``
    in the other, each linking to the other from its title block.

    Parameters
    ----------
    run
        The plan with its map layers (a :class:`aggregates.Result`).
    folder
        Where to write (the run folder being written).
    options
        Language, basemap and year of the map; charts and report use the same language and year.
    charts, report
        Whether to write the charts and the report.
    png
        Whether to draw the charts as PNG too.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    year = run.plan.headline_year(options.year)
    other = other_lang(options.lang)
    map_page = supply_map(run, replace(options, switch=("add", other)))
    map_path = save_html(map_page, folder / "map.html")
    translated = replace(options, lang=other, switch=("strip", other))
    written = [map_path, save_html(supply_map(run, translated), folder / f"map.{other}.html")]
    # The chart pages and the report show the same charts: made and validated once.
    made = chart_specs(run.plan, options.lang, year) if charts or report else {}
    specs = {name: chart.to_dict() for name, chart in made.items()}
    if charts:
        written += write_charts(run.plan, folder, lang=options.lang, year=year, png=png, specs=specs)
    if report:
        map_html = map_path.read_text(encoding="utf-8")
        written.append(
            write_report(
                run.plan, folder, lang=options.lang, map_html=map_html, year=year, layers=run.layers, specs=specs
            )
        )
    log.info("wrote %d map/chart/report files to %s", len(written), folder)
    return written


def other_lang(lang: str) -> str:
    """The other of the two languages."""
    return "en" if lang == "zh" else "zh"


def publish_maps(run_dir: str | Path, maps_dir: str | Path, name: str, lang: str) -> Path:
    """Copy a run's maps to ``maps_dir/<name>.html`` and ``<name>.<other>.html``, through temporary files.

    Returns
    -------
    Path
        The main map's copy.
    """
    maps_dir, run_dir = Path(maps_dir), Path(run_dir)
    other = other_lang(lang)
    pairs = [("map.html", f"{name}.html"), (f"map.{other}.html", f"{name}.{other}.html")]
    with ExitStack() as both:  # both copies complete before either replaces its file
        for source, target in pairs:
            if (run_dir / source).is_file():
                shutil.copyfile(run_dir / source, both.enter_context(atomic_file(maps_dir / target)))
    return maps_dir / pairs[0][1]
