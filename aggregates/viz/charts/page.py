"""Chart files: a PNG (vl-convert, no browser) and a self-contained HTML page per chart.

Pages inline the Vega, Vega-Lite and vega-embed JavaScript (:func:`vega_bundle`), so nothing is
fetched when one is opened. Chinese labels in a PNG need a CJK font on the machine that renders it;
without one the PNGs are drawn in English with a note under their titles, and a warning is logged.
The HTML pages leave fonts to the reader's browser and always use the language asked for.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import altair as alt
import vl_convert as vlc

from aggregates.files import write_bytes, write_text
from aggregates.viz.charts.style import FONT
from aggregates.viz.labels import Lang

log = logging.getLogger(__name__)

EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}
PNG_SCALE = 2
NO_FONT_NOTE = "English labels: no Chinese font was found on this machine"
_CJK_FONT_FILES = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "simhei", "simsun", "msyh")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts", "/Library/Fonts")

Charts = dict[str, alt.TopLevelMixin]


def write_chart_files(
    folder: str | Path, make: Callable[[Lang, str], Charts], titles: Mapping[str, str], lang: Lang
) -> list[Path]:
    """Write ``folder/charts/<name>.png`` and ``<name>.html`` for each chart ``make(lang, note)`` gives.

    Parameters
    ----------
    folder
        The run (or sweep, or comparison) folder; ``charts/`` is created in it.
    make
        The charts in a language, with a note under their titles.
    titles
        Page titles by chart name, in the order the files are written; names ``make`` leaves out
        are skipped.
    lang
        The language of the pages, and of the PNGs where this machine has a CJK font.

    Returns
    -------
    list of Path
        The files written, PNG then HTML for each chart.
    """
    charts = make(lang, "")
    drawn = png_lang(lang)
    png_charts = charts if drawn == lang else make(drawn, NO_FONT_NOTE)
    out = Path(folder) / "charts"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, title in titles.items():
        if name in charts:
            written += save_chart(charts[name], png_charts[name], out, name, title, lang)
    return written


def save_chart(
    chart: alt.TopLevelMixin, png_chart: alt.TopLevelMixin, folder: Path, name: str, title: str, lang: Lang
) -> list[Path]:
    """Write ``folder/<name>.png`` (from ``png_chart``) and a self-contained ``folder/<name>.html`` (from ``chart``)."""
    png, page = folder / f"{name}.png", folder / f"{name}.html"
    write_bytes(png, _png(png_chart))
    write_text(page, chart_page(title, {"chart": chart}, lang))
    return [png, page]


def png_lang(lang: Lang) -> Lang:
    """The language PNGs can be drawn in here: Chinese needs a CJK font (warned about when missing)."""
    if lang == "zh" and not has_cjk_font():
        log.warning("no Chinese (CJK) font found: chart PNGs are drawn with English labels (Debian: fonts-wqy-zenhei)")
        return "en"
    return lang


def _png(chart: alt.TopLevelMixin) -> bytes:
    # Data is inline; allowing no base URL makes sure rendering never reaches the network.
    spec = chart.to_dict()
    return vlc.vegalite_to_png(spec, vl_version=vegalite_version(), scale=PNG_SCALE, allowed_base_urls=[])


def chart_page(title: str, charts: Mapping[str, alt.TopLevelMixin], lang: Lang) -> str:
    """A self-contained HTML page showing ``charts`` one below the other, all JavaScript inline.

    Parameters
    ----------
    title
        The page title (escaped here).
    charts
        Charts by the id of the ``div`` they are drawn in.
    lang
        The page's language.
    """
    divs = "\n".join(f'<div id="{html.escape(key)}" class="chart"></div>' for key in charts)
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>body{{margin:24px;font-family:{FONT};background:#fff}}.chart{{margin-bottom:24px}}</style>\n"
        f"<script>{vega_bundle()}</script>\n</head>\n<body>\n{divs}\n"
        f"<script>\n{embed_script(charts)}\n</script>\n</body>\n</html>\n"
    )


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (globals ``vega``, ``vegaLite``, ``vegaEmbed``).

    About 0.9 MB, built once per process by vl-convert, without network.
    """
    # The bundle has no "</script" today; the guard keeps an update from ending the tag early.
    return vlc.javascript_bundle(vl_version=vegalite_version()).replace("</script", "<\\/script")


@functools.cache
def vegalite_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, when vl-convert has it (``None``: its latest)."""
    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return version if version in vlc.get_vegalite_versions() else None


def embed_script(charts: Mapping[str, alt.TopLevelMixin]) -> str:
    """JavaScript that draws each chart into the element with its key as id (needs :func:`vega_bundle`)."""
    options = script_json(EMBED_OPTIONS)
    return "\n".join(
        f"vegaEmbed({script_json('#' + key)}, {script_json(chart.to_dict())}, {options}).catch(console.error);"
        for key, chart in charts.items()
    )


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
