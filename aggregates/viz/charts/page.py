"""Chart files: an HTML page per chart, sharing one Vega runtime, and a PNG (vl-convert, no browser) when asked.

The pages of a folder load the Vega, Vega-Lite and vega-embed JavaScript from one file beside them,
``vega.js`` (:func:`vega_bundle`), so nothing is fetched from outside when one is opened, from disk
or from the service. :func:`chart_page` without ``script`` inlines it instead, for single pages
(the day's ``gantt.html``). vl-convert builds the bundle in 1.2-1.7 s; it is kept in the user's
cache folder by vl-convert and Vega-Lite version (:func:`bundle_cache`), so a process reads it back.

Chinese labels in a PNG need a CJK font on the machine that renders it; without one the PNGs are
drawn in English with a note under their titles, and a warning is logged. The HTML pages leave fonts
to the reader's browser and always use the language asked for.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import altair as alt
import vl_convert as vlc

from aggregates.errors import OutputError
from aggregates.files import write_bytes, write_text
from aggregates.viz.charts.style import FONT
from aggregates.viz.labels import Lang

log = logging.getLogger(__name__)

EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}
PNG_SCALE = 2
VEGA_FILE = "vega.js"  # the Vega runtime beside the chart pages of a folder
NO_FONT_NOTE = "English labels: no Chinese font was found on this machine"
_CJK_FONT_FILES = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "simhei", "simsun", "msyh")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts", "/Library/Fonts")

Charts = dict[str, alt.TopLevelMixin | dict]  # charts, or their Vega-Lite specs
# Ends every bundle this package writes: a cached file without it is incomplete and built again.
_BUNDLE_MARK = "\n/* aggregates: end of the Vega bundle */\n"


def write_chart_files(
    folder: str | Path,
    make: Callable[[Lang, str], Charts],
    titles: Mapping[str, str],
    lang: Lang,
    *,
    png: bool = True,
) -> list[Path]:
    """Write ``folder/charts/<name>.html`` (and ``<name>.png``) for each chart ``make(lang, note)`` gives.

    The pages load ``charts/vega.js``, written once beside them.

    Parameters
    ----------
    folder
        The run (or sweep, or comparison) folder; ``charts/`` is created in it.
    make
        The charts (or their Vega-Lite specs) in a language, with a note under their titles.
    titles
        Page titles by chart name, in the order the files are written; names ``make`` leaves out
        are skipped.
    lang
        The language of the pages, and of the PNGs where this machine has a CJK font.
    png
        Whether to draw the PNGs too (about 0.15-0.2 s a chart).

    Returns
    -------
    list of Path
        The files written: ``vega.js``, then for each chart its PNG (with ``png``) and its page.
    """
    charts = make(lang, "")
    out = Path(folder) / "charts"
    out.mkdir(parents=True, exist_ok=True)
    written = [write_text(out / VEGA_FILE, vega_bundle())]
    png_charts: Charts = {}
    if png:
        drawn = png_lang(lang)
        png_charts = charts if drawn == lang else make(drawn, NO_FONT_NOTE)
    for name, title in titles.items():
        if name in charts:
            written += save_chart(charts[name], png_charts.get(name), out, name, title, lang)
    return written


def save_chart(
    chart: alt.TopLevelMixin | dict,
    png_chart: alt.TopLevelMixin | dict | None,
    folder: Path,
    name: str,
    title: str,
    lang: Lang,
) -> list[Path]:
    """Write ``folder/<name>.png`` (from ``png_chart``, unless None) and ``folder/<name>.html`` (from ``chart``).

    The page loads ``vega.js`` from ``folder`` (see :func:`write_chart_files`).
    """
    spec = _spec(chart)  # validated once, for the page and, when the same chart, the PNG
    written = []
    if png_chart is not None:
        png = folder / f"{name}.png"
        written.append(write_bytes(png, _png(spec if png_chart is chart else _spec(png_chart))))
    page = folder / f"{name}.html"
    written.append(write_text(page, chart_page(title, {"chart": spec}, lang, script=VEGA_FILE)))
    return written


def png_lang(lang: Lang) -> Lang:
    """The language PNGs can be drawn in here: Chinese needs a CJK font (warned about when missing)."""
    if lang == "zh" and not has_cjk_font():
        log.warning("no Chinese (CJK) font found: chart PNGs are drawn with English labels (Debian: fonts-wqy-zenhei)")
        return "en"
    return lang


def _png(spec: dict) -> bytes:
    # Data is inline; allowing no base URL makes sure rendering never reaches the network.
    return vlc.vegalite_to_png(spec, vl_version=vegalite_version(), scale=PNG_SCALE, allowed_base_urls=[])


def chart_page(
    title: str, charts: Mapping[str, alt.TopLevelMixin | dict], lang: Lang, *, script: str | None = None
) -> str:
    """An HTML page showing ``charts`` one below the other.

    Parameters
    ----------
    title
        The page title (escaped here).
    charts
        Charts (or their Vega-Lite specs) by the id of the ``div`` they are drawn in.
    lang
        The page's language.
    script
        The address of the Vega runtime (:data:`VEGA_FILE` beside the page); None: inline it, so the
        page is self-contained.
    """
    divs = "\n".join(f'<div id="{html.escape(key)}" class="chart"></div>' for key in charts)
    runtime = (
        f"<script>{vega_bundle()}</script>" if script is None else f'<script src="{html.escape(script)}"></script>'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>body{{margin:24px;font-family:{FONT};background:#fff}}.chart{{margin-bottom:24px}}</style>\n"
        f"{runtime}\n</head>\n<body>\n{divs}\n"
        f"<script>\n{embed_script(charts)}\n</script>\n</body>\n</html>\n"
    )


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (globals ``vega``, ``vegaLite``, ``vegaEmbed``).

    About 0.9 MB, built by vl-convert without network (1.2-1.7 s) the first time on a machine and
    kept in :func:`bundle_cache`; read back from there afterwards, once per process.
    """
    cached = bundle_cache()
    try:
        text = cached.read_text(encoding="utf-8")
        if _BUNDLE_MARK in text:  # a file cut short or not ours is built again
            return text
    except (OSError, UnicodeDecodeError):
        pass
    # The bundle has no "</script" today; the guard keeps an update from ending the tag early.
    text = vlc.javascript_bundle(vl_version=vegalite_version()).replace("</script", "<\\/script")
    try:
        write_text(cached, text + _BUNDLE_MARK)
    except OutputError as exc:  # a read-only home: build it in every process, as before the cache
        log.debug("Vega bundle not cached: %s", exc)
    return text + _BUNDLE_MARK


def bundle_cache() -> Path:
    """Where the built Vega bundle is kept: ``$AGGREGATES_CACHE`` or ``$XDG_CACHE_HOME/aggregates`` (default
    ``~/.cache/aggregates``), as ``vega-<vl-convert version>-vl<Vega-Lite version>.js``."""
    root = os.environ.get("AGGREGATES_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "aggregates"
    return Path(root).expanduser() / f"vega-{vlc.__version__}-vl{vegalite_version() or 'latest'}.js"


@functools.cache
def vegalite_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, when vl-convert has it (``None``: its latest)."""
    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return version if version in vlc.get_vegalite_versions() else None


def embed_script(charts: Mapping[str, alt.TopLevelMixin | dict]) -> str:
    """JavaScript that draws each chart (or Vega-Lite spec) into the element with its key as id (needs :func:`vega_bundle`)."""
    options = script_json(EMBED_OPTIONS)
    return "\n".join(
        f"vegaEmbed({script_json('#' + key)}, {script_json(_spec(chart))}, {options}).catch(console.error);"
        for key, chart in charts.items()
    )


def _spec(chart: alt.TopLevelMixin | dict) -> dict:
    return chart if isinstance(chart, dict) else chart.to_dict()


def script_json(value: object) -> str:
    """``value`` as JSON safe to place inside a ``<script>`` element (no ``</script>`` or ``<!--``)."""
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        raw = raw.replace(char, escaped)
    return raw.replace("\u2029", "\\u2029")


@functools.cache
def has_cjk_font() -> bool:
    """Whether this machine has a font with Chinese glyphs (``fc-list``, then a look in the usual folders)."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20)
            if found.stdout.strip():
                return True
        except (OSError, subprocess.SubprocessError):
            pass
    # fc-list can come back empty while fc-cache rebuilds, or be missing: look at the files too.
    for folder in (Path(d).expanduser() for d in _FONT_DIRS):
        if folder.is_dir():
            names = (p.name.lower().replace("-", "").replace("_", "") for p in folder.rglob("*.tt[fc]"))
            if any(key in name for name in names for key in _CJK_FONT_FILES):
                return True
    return False
