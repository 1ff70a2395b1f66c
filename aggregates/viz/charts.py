"""Charts of a plan: substitution against target, output by base, mode split, cost and emissions.

``chart_specs(plan)`` gives Altair charts (pure: Plan in, charts out); ``write_charts``
renders each to ``charts/<name>.png`` (vl-convert, no browser) and to a self-contained
``charts/<name>.html`` with the Vega, Vega-Lite and vega-embed JavaScript inlined, so
nothing is fetched when the page is opened.

Quantities follow each language's convention (see :func:`unit`): Chinese charts count
tonnes in 万吨 (10^4 t) and money in 亿元 (10^8 yuan), as the map does; English ones in Mt,
billion yuan and kt.

Chinese labels in a PNG need a CJK font on the machine that renders it; without one the
PNGs are drawn in English with a note under their titles, and a warning is logged.
The HTML pages leave fonts to the reader's browser and always use the language asked for.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal, NamedTuple

import altair as alt
import pandas as pd
import vl_convert as vlc

from aggregates.plan import Plan
from aggregates.viz.labels import Lang, check_lang, text

log = logging.getLogger(__name__)

CHART_NAMES = ("substitution", "output", "mode_split", "cost", "emissions")
# Drawn bottom to top in stacked bars: rail first, so the rail part sits on the axis.
CHAIN_COLOURS = {"rail_bet": "#1f5fa8", "rail_diesel": "#5b8fd1", "bet_truck": "#2a9d5c", "diesel_truck": "#d9822b"}
RAIL_CHAINS = ("rail_bet", "rail_diesel")
NATURAL_COLOUR = "#a3a3a3"
STATUS_COLOURS = {
    "met": "#2f7d4f",
    "missed": "#c0392b",
    "no_target": "#5d7f99",
    "natural": NATURAL_COLOUR,
    "unmet": "#f0b7b1",
}
TARGET_COLOUR = "#111111"
COST_COLOURS = {
    "fixed_cost": "#7b5ea7",
    "production_cost": "#b5862a",
    "transport_cost": "#3f8fb5",
    "carbon_cost": "#4d4d4d",
    "natural_cost": NATURAL_COLOUR,
}
BASE_COLOURS = {"existing": "#41566e", "expanded": "#8e6bb0", "new": "#b5517a", "candidate": "#5fa39a"}
CAPACITY_COLOUR = "#dfe4ea"
# Latin faces first, then the usual CJK faces of macOS, Windows and Linux; browsers and
# vl-convert both fall back glyph by glyph.
FONT = (
    "'Helvetica Neue', Arial, 'Liberation Sans', 'PingFang SC', 'Microsoft YaHei', "
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', sans-serif"
)
EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}
PNG_SCALE = 2
BAR_STEP = 90  # pixels per year on a year axis
MIN_WIDTH = 360
AXIS_FORMAT = ",.2~f"  # thousands separators, and no repeated labels on small scales (0.5, 1, 1.5)
MT = 1e6  # tonnes in a megatonne: the KPIs count in Mt
_CJK_FONT_FILES = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "simhei", "simsun", "msyh")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts", "/Library/Fonts")


Quantity = Literal["tonnes", "tonnes_per_yr", "money", "co2e"]
# Base units (t, yuan) in one shown unit and its decimals, by quantity and language. Chinese
# follows planning documents and the map (aggregates/viz/fmt.py): 万吨 and 亿元.
_UNITS: dict[Quantity, dict[Lang, tuple[float, int]]] = {
    "tonnes": {"zh": (1e4, 0), "en": (1e6, 2)},
    "tonnes_per_yr": {"zh": (1e4, 0), "en": (1e6, 2)},
    "money": {"zh": (1e8, 2), "en": (1e9, 2)},
    "co2e": {"zh": (1e4, 2), "en": (1e3, 1)},
}


class Unit(NamedTuple):
    """The unit a chart or table shows one quantity in: ``value / per`` with ``digits`` decimals."""

    per: float  # tonnes (or yuan) in one shown unit
    name: str  # e.g. 万吨 or Mt
    digits: int  # decimals in tooltips and tables

    def of(self, value: float) -> float:
        """``value`` (tonnes or yuan) in this unit."""
        return value / self.per

    def decimals(self, coarser: int = 0) -> int:
        """Decimals to show, ``coarser`` fewer than in tooltips (never below 0)."""
        return max(self.digits - coarser, 0)

    def d3(self, coarser: int = 0) -> str:
        """The d3 format of a value in this unit, with thousands separators."""
        return f",.{self.decimals(coarser)}f"


def unit(quantity: Quantity, lang: Lang) -> Unit:
    """How ``lang`` shows ``quantity``.

    ``tonnes`` and ``tonnes_per_yr``: 万吨 (10^4 t, no decimals) or Mt (2 decimals); ``money``:
    亿元 (10^8 yuan) or billion yuan; ``co2e``: 万吨 or kt of CO2e.
    """
    per, digits = _UNITS[quantity][lang]
    return Unit(per, text(f"{quantity}_unit", lang), digits)


def chart_specs(plan: Plan, lang: Lang = "zh", year: int | None = None) -> dict[str, alt.TopLevelMixin]:
    """The plan's charts, by name (``CHART_NAMES``).

    Parameters
    ----------
    plan
        The plan.
    lang
        ``"zh"`` or ``"en"`` for titles, axes, legends and tooltips.
    year
        Year of the output-by-base chart; default: :meth:`aggregates.plan.Plan.headline_year`.

    Returns
    -------
    dict
        ``substitution``, ``output``, ``mode_split``, ``cost`` and ``emissions``: configured
        Altair charts with their data inline (``chart.to_dict()`` is a Vega-Lite spec).
    """
    return _charts(plan, check_lang(lang), plan.headline_year(year), note="")


def write_charts(plan: Plan, folder: str | Path, lang: Lang = "zh", year: int | None = None) -> list[Path]:
    """Write every chart as ``folder/charts/<name>.png`` and ``folder/charts/<name>.html``.

    PNGs are drawn at scale 2. Without a CJK font on this machine, Chinese PNGs are
    drawn in English instead (with a note) and a warning is logged.

    Parameters
    ----------
    plan
        The plan.
    folder
        The run folder; ``charts/`` is created in it.
    lang
        ``"zh"`` or ``"en"``.
    year
        Year of the output-by-base chart; default: :meth:`aggregates.plan.Plan.headline_year`.

    Returns
    -------
    list of Path
        The files written, PNG then HTML for each chart in ``CHART_NAMES`` order.
    """
    lang = check_lang(lang)
    year = plan.headline_year(year)
    charts = _charts(plan, lang, year, note="")
    png_charts = charts
    if lang == "zh" and not has_cjk_font():
        log.warning(
            "no Chinese (CJK) font found: chart PNGs are drawn with English labels; "
            "install one (Debian: fonts-wqy-zenhei) for Chinese PNGs"
        )
        png_charts = _charts(plan, "en", year, note="English labels: no Chinese font was found on this machine")
    titles = chart_titles(lang, year)
    out = Path(folder) / "charts"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CHART_NAMES:
        written += save_chart(charts[name], png_charts[name], out, name, titles[name], lang)
    log.info("charts: %d files written to %s", len(written), out)
    return written


def save_chart(
    chart: alt.TopLevelMixin, png_chart: alt.TopLevelMixin, folder: Path, name: str, title: str, lang: Lang
) -> list[Path]:
    """Write ``folder/<name>.png`` (from ``png_chart``) and a self-contained ``folder/<name>.html`` (from ``chart``)."""
    png, page = folder / f"{name}.png", folder / f"{name}.html"
    png.write_bytes(_png(png_chart))
    page.write_text(chart_page(title, {"chart": chart}, lang), encoding="utf-8")
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


# -- the charts --------------------------------------------------------------------------


def chart_titles(lang: Lang, year: int) -> dict[str, str]:
    """Each chart's title in ``lang``; ``year`` is the output chart's year."""
    titles = {name: text(f"chart_{name}", lang) for name in CHART_NAMES}
    titles["output"] = f"{titles['output']} {year}"
    return titles


def _charts(plan: Plan, lang: Lang, year: int, note: str) -> dict[str, alt.TopLevelMixin]:
    makers = {
        "substitution": lambda: _substitution_chart(plan, lang),
        "output": lambda: _output_chart(plan, lang, year),
        "mode_split": lambda: _mode_chart(plan, lang),
        "cost": lambda: _cost_chart(plan, lang),
        "emissions": lambda: _emissions_chart(plan, lang),
    }
    titles = chart_titles(lang, year)
    return {name: _style(makers[name](), titles[name], note) for name in CHART_NAMES}


def style_chart(chart: alt.TopLevelMixin, title: str, note: str = "") -> alt.TopLevelMixin:
    """The project's chart look: font, title, axes, legend at the bottom."""
    return _style(chart, title, note)


def _style(chart: alt.TopLevelMixin, title: str, note: str) -> alt.TopLevelMixin:
    title_params = alt.TitleParams(title, subtitle=note) if note else alt.TitleParams(title)
    return (
        chart.properties(title=title_params)
        .configure(font=FONT, padding=12)
        .configure_title(fontSize=17, anchor="start", offset=12, subtitleFontSize=12, subtitleColor="#a33")
        .configure_axis(labelFontSize=12, titleFontSize=13, titleFontWeight="normal", gridColor="#e8e8e8")
        .configure_axisX(labelAngle=0)
        .configure_legend(
            orient="bottom",
            direction="horizontal",
            labelFontSize=12,
            titleFontSize=12,
            symbolType="square",
            symbolOpacity=1,
            labelLimit=320,
        )
        .configure_header(labelFontSize=13, labelFontWeight="bold", labelPadding=4)
        .configure_view(stroke=None)
    )


def _width(plan: Plan, share: float = 1.0) -> int:
    """Width of a chart with a year axis: a fixed step per year, not narrower than ``MIN_WIDTH``."""
    return round(share * max(BAR_STEP * len(plan.years), MIN_WIDTH))


def _year_axis(lang: Lang) -> alt.X:
    return alt.X("year:O", title=text("year", lang), axis=alt.Axis(labelAngle=0))


def _colour(field: str, colours: Mapping[str, str], lang: Lang, keys: list[str]) -> alt.Color:
    """A colour scale whose legend shows ``keys`` in ``lang``, with the fixed colour of each key."""
    return alt.Color(
        f"{field}:N",
        title=None,
        scale=alt.Scale(domain=[text(k, lang) for k in keys], range=[colours[k] for k in keys]),
        sort=[text(k, lang) for k in keys],
    )


def _chains_present(chains: Iterable[str]) -> list[str]:
    """The chains in ``chains``, known ones in drawing order, then any others sorted."""
    present = set(chains)
    return [c for c in CHAIN_COLOURS if c in present] + sorted(present - set(CHAIN_COLOURS))


def _chain_colours(chains: list[str]) -> dict[str, str]:
    return {c: CHAIN_COLOURS.get(c, "#888888") for c in chains}


# -- substitution against target ---------------------------------------------------------


def substitution_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the substitution chart: per year, demand split into solid-waste, natural and unmet parts.

    Columns: ``year``, ``part`` (``substitution``, ``natural`` or ``unmet``; the last two only
    where not zero), ``key`` (``met``, ``missed`` or ``no_target`` for the solid-waste part, else
    the part), ``label`` (``key`` in ``lang``), ``order``, ``value`` (the part), ``status`` (the
    year's target status in ``lang``) and the year's ``substitution``, ``target``, ``demand``,
    ``natural``, ``unmet`` and ``target_met``. Tonnes are in ``unit("tonnes", lang)``: 万吨 or Mt.
    """
    t = unit("tonnes", lang)
    rows = []
    for year in plan.years:
        k = plan.year(year).to_dict()
        status = "no_target" if k["target_mt"] <= 0 else ("met" if k["target_met"] else "missed")
        common = {
            "year": str(year),
            **{q: t.of(k.get(f"{q}_mt", 0.0) * MT) for q in ("substitution", "target", "demand", "natural", "unmet")},
            "target_met": bool(k["target_met"]),
            "status": text(status, lang),
        }
        rows.append({**common, "part": "substitution", "key": status, "order": 0, "value": common["substitution"]})
        for order, part in enumerate(("natural", "unmet"), start=1):
            if common[part] > 0:  # a zero part would only add a legend entry
                rows.append({**common, "part": part, "key": part, "order": order, "value": common[part]})
    frame = pd.DataFrame(rows)
    frame["label"] = [text(key, lang) for key in frame["key"]]
    return frame


def _substitution_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = substitution_data(plan, lang)
    t = unit("tonnes", lang)
    keys = [k for k in ("met", "missed", "no_target", "natural", "unmet") if k in set(data["key"])] + ["target"]
    colours = {**STATUS_COLOURS, "target": TARGET_COLOUR}
    colour = _colour("label", colours, lang, keys)
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("substitution:Q", title=f"{text('substitution', lang)} ({t.name})", format=t.d3()),
        alt.Tooltip("target:Q", title=f"{text('target', lang)} ({t.name})", format=t.d3()),
        alt.Tooltip("status:N", title=text("target", lang)),
        alt.Tooltip("natural:Q", title=f"{text('natural', lang)} ({t.name})", format=t.d3()),
        alt.Tooltip("unmet:Q", title=f"{text('unmet', lang)} ({t.name})", format=t.d3()),
        alt.Tooltip("demand:Q", title=f"{text('demand', lang)} ({t.name})", format=t.d3()),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(size=BAR_STEP * 0.55)
        .encode(
            x=_year_axis(lang),
            y=alt.Y(
                "value:Q", stack="zero", title=f"{text('demand', lang)} ({t.name})", axis=alt.Axis(format=AXIS_FORMAT)
            ),
            color=colour,
            order=alt.Order("order:Q"),
            tooltip=tooltip,
        )
    )
    values = (
        alt.Chart(data)
        .transform_filter("datum.part == 'substitution' && datum.value > 0")
        .mark_text(baseline="middle", color="white", fontSize=12, fontWeight="bold")
        .encode(x=_year_axis(lang), y=alt.Y("mid:Q"), text=alt.Text("value:Q", format=t.d3(1)), tooltip=tooltip)
        .transform_calculate(mid="datum.value / 2")
    )
    targets = data[(data["part"] == "substitution") & (data["target"] > 0)]
    targets = targets.assign(part="target", key="target", label=text("target", lang))
    ticks = (
        alt.Chart(targets)
        .mark_tick(size=BAR_STEP * 0.8, thickness=3, opacity=1)
        .encode(x=_year_axis(lang), y="target:Q", color=colour, tooltip=tooltip)
    )
    return alt.layer(bars, values, ticks).properties(width=_width(plan), height=320)


# -- output by city and base -------------------------------------------------------------


def output_data(plan: Plan, year: int, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the output chart: the bases open or shipping in ``year``, largest output first within a city.

    Columns: ``city``, ``city_label`` (city in ``lang`` with its total output), ``city_total``,
    ``base``, ``base_label``, ``status``, ``status_label``, ``capacity_label``, ``output``,
    ``capacity``, ``utilisation``. Tonnes are in ``unit("tonnes", lang)``: 万吨 or Mt (a year's).
    """
    t = unit("tonnes", lang)
    b = plan.bases[plan.bases["year"] == year]
    b = b[(b["capacity_t"] > 0) | (b["output_t"] > 0)]
    names = b["name_zh"] if lang == "zh" and "name_zh" in b else b["name"]
    frame = pd.DataFrame(
        {
            "city": b["city"].astype(str),
            "base": b["base"].astype(str),
            "base_label": names.fillna(b["base"]).astype(str),
            "status": b["status"].astype(str),
            "status_label": [text(s, lang) for s in b["status"]],
            "capacity_label": text("capacity", lang),
            "output": t.of(b["output_t"]),
            "capacity": t.of(b["capacity_t"]),
            "utilisation": b["utilisation"],
        }
    )
    totals = frame.groupby("city")["output"].sum()
    frame["city_total"] = frame["city"].map(totals)
    frame["city_label"] = [
        f"{text(c, lang)}  {total:,.{t.decimals(1)}f} {t.name}"
        for c, total in zip(frame["city"], frame["city_total"], strict=True)
    ]
    frame = frame.sort_values(["city_total", "city", "output", "base"], ascending=[False, True, False, True])
    return frame.reset_index(drop=True)


def _output_chart(plan: Plan, lang: Lang, year: int) -> alt.TopLevelMixin:
    data = output_data(plan, year, lang)
    t, per_yr = unit("tonnes", lang), unit("tonnes_per_yr", lang)
    statuses = [s for s in BASE_COLOURS if s in set(data["status"])]
    colours = {**BASE_COLOURS, "capacity": CAPACITY_COLOUR}
    colours.update({s: "#888888" for s in set(data["status"]) - set(colours)})
    statuses += sorted(set(data["status"]) - set(statuses))
    keys = ["capacity", *statuses]
    tooltip = [
        alt.Tooltip("base_label:N", title=text("base", lang)),
        alt.Tooltip("city_label:N", title=text("city", lang)),
        alt.Tooltip("status_label:N", title=text("status", lang)),
        alt.Tooltip("output:Q", title=f"{text('output', lang)} ({t.name})", format=t.d3()),
        alt.Tooltip("capacity:Q", title=f"{text('capacity', lang)} ({per_yr.name})", format=per_yr.d3()),
        alt.Tooltip("utilisation:Q", title=text("utilisation", lang), format=".0%"),
    ]
    y = alt.Y("base_label:N", title=None, sort=list(dict.fromkeys(data["base_label"])), axis=alt.Axis(labelLimit=260))
    x_title = f"{text('output', lang)} / {text('capacity', lang)} ({t.name})"
    capacity = (
        alt.Chart()
        .mark_bar(size=15)
        .encode(
            x=alt.X("capacity:Q", title=x_title, axis=alt.Axis(format=AXIS_FORMAT)),
            y=y,
            color=_colour("capacity_label", colours, lang, keys),
            tooltip=tooltip,
        )
    )
    output = (
        alt.Chart()
        .mark_bar(size=9)
        .encode(x="output:Q", y=y, color=_colour("status_label", colours, lang, keys), tooltip=tooltip)
    )
    cities = list(dict.fromkeys(data["city_label"]))
    header = alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelFontSize=13)
    return (
        alt.layer(capacity, output, data=data)
        .properties(width=460, height=alt.Step(18))
        .facet(row=alt.Row("city_label:N", title=None, sort=cities, header=header), spacing=10)
        .resolve_scale(y="independent")
    )


# -- mode split --------------------------------------------------------------------------


def mode_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the mode-split chart: tonnes by transport chain and year (from the KPIs' ``by_chain_mt``).

    Columns: ``year``, ``chain``, ``label``, ``order``, ``value``, ``share`` (of the year's
    solid-waste tonnes), ``total``, ``rail_share_t``, ``rail_share_tkm``. Tonnes are in
    ``unit("tonnes", lang)``: 万吨 or Mt.
    """
    t = unit("tonnes", lang)
    rows = []
    for year in plan.years:
        k = plan.year(year).to_dict()
        by_chain = k.get("by_chain_mt", {})
        total = sum(by_chain.values())
        for order, chain in enumerate(_chains_present(by_chain)):
            rows.append(
                {
                    "year": str(year),
                    "chain": chain,
                    "label": text(chain, lang),
                    "order": order,
                    "value": t.of(by_chain[chain] * MT),
                    "share": by_chain[chain] / total if total else 0.0,
                    "total": t.of(total * MT),
                    "rail_share_t": k.get("rail_share_t", 0.0),
                    "rail_share_tkm": k.get("rail_share_tkm", 0.0),
                }
            )
    columns = ["year", "chain", "label", "order", "value", "share", "total", "rail_share_t", "rail_share_tkm"]
    return pd.DataFrame(rows, columns=columns)


def _mode_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = mode_data(plan, lang)
    t = unit("tonnes", lang)
    chains = _chains_present(data["chain"])
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("label:N", title=text("chain", lang)),
        alt.Tooltip("value:Q", title=t.name, format=t.d3()),
        alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
        alt.Tooltip("rail_share_t:Q", title=text("rail_share", lang), format=".1%"),
        alt.Tooltip("rail_share_tkm:Q", title=text("rail_share_tkm", lang), format=".1%"),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(size=BAR_STEP * 0.55)
        .encode(
            x=_year_axis(lang),
            y=alt.Y(
                "value:Q",
                stack="zero",
                title=f"{text('substitution', lang)} ({t.name})",
                axis=alt.Axis(format=AXIS_FORMAT),
            ),
            color=_colour("label", _chain_colours(chains), lang, chains),
            order=alt.Order("order:Q"),
            tooltip=tooltip,
        )
    )
    totals = data.drop_duplicates("year").assign(
        rail_label=lambda d: [f"{text('rail', lang)} {s:.1%}" for s in d["rail_share_t"]]
    )
    labels = (
        alt.Chart(totals)
        .mark_text(dy=-9, fontSize=12, color="#333")
        .encode(x=_year_axis(lang), y="total:Q", text="rail_label:N", tooltip=tooltip[:1] + tooltip[4:])
    )
    return alt.layer(bars, labels).properties(width=_width(plan), height=320)


# -- cost breakdown ----------------------------------------------------------------------

COST_PARTS = ("fixed_cost", "production_cost", "transport_cost", "carbon_cost", "natural_cost")


def cost_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the cost chart: per year and cost part, money and yuan per tonne.

    Columns: ``year``, ``part``, ``label``, ``order``, ``value`` (in ``unit("money", lang)``: 亿元
    or billion yuan), ``yuan_per_t`` (the part over the tonnes it pays for: natural purchase over
    natural tonnes, the rest over solid-waste tonnes), ``cost_yuan_per_t`` (the year's delivered
    cost of solid-waste aggregate) and ``total`` (money).
    """
    money = unit("money", lang)
    rows = []
    for year in plan.years:
        k = plan.year(year).to_dict()
        values = {part: float(k.get(f"{part}_yuan", 0.0)) for part in COST_PARTS}
        for order, part in enumerate(COST_PARTS):
            tonnes = (k["natural_mt"] if part == "natural_cost" else k["substitution_mt"]) * MT
            rows.append(
                {
                    "year": str(year),
                    "part": part,
                    "label": text(part, lang),
                    "order": order,
                    "value": money.of(values[part]),
                    "yuan_per_t": values[part] / tonnes if tonnes else 0.0,
                    "cost_yuan_per_t": k.get("cost_yuan_per_t", 0.0),
                    "total": money.of(sum(values.values())),
                }
            )
    columns = ["year", "part", "label", "order", "value", "yuan_per_t", "cost_yuan_per_t", "total"]
    return pd.DataFrame(rows, columns=columns)


def _cost_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = cost_data(plan, lang)
    money = unit("money", lang)
    per_t = text("yuan_per_t", lang)
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("label:N", title=text("cost_part", lang)),
        alt.Tooltip("value:Q", title=money.name, format=money.d3()),
        alt.Tooltip("yuan_per_t:Q", title=per_t, format=",.2f"),
        alt.Tooltip("cost_yuan_per_t:Q", title=f"{text('cost_per_t', lang)} ({per_t})", format=",.2f"),
        alt.Tooltip("total:Q", title=f"{text('total', lang)} ({money.name})", format=money.d3()),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(size=BAR_STEP * 0.55)
        .encode(
            x=_year_axis(lang),
            y=alt.Y(
                "value:Q", stack="zero", title=f"{text('cost', lang)} ({money.name})", axis=alt.Axis(format=AXIS_FORMAT)
            ),
            color=_colour("label", COST_COLOURS, lang, list(COST_PARTS)),
            order=alt.Order("order:Q"),
            tooltip=tooltip,
        )
    )
    totals = (
        alt.Chart(data.drop_duplicates("year"))
        .mark_text(dy=-9, fontSize=12, color="#333")
        .encode(
            x=_year_axis(lang),
            y="total:Q",
            text=alt.Text("total:Q", format=money.d3(1)),
            tooltip=[tooltip[0], tooltip[4], tooltip[5]],
        )
    )
    return alt.layer(bars, totals).properties(width=_width(plan), height=320)


# -- emissions by chain ------------------------------------------------------------------


def emissions_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the emissions chart: CO2e and NOx by year and chain, summed from the flows.

    Columns: ``year``, ``chain``, ``label``, ``order``, ``co2e`` (in ``unit("co2e", lang)``: 万吨
    or kt), ``nox_t`` (t) and ``shipped`` (in ``unit("tonnes", lang)``: 万吨 or Mt).
    """
    f = plan.flows
    columns = ["year", "chain", "label", "order", "co2e", "nox_t", "shipped"]
    if not len(f):
        return pd.DataFrame(columns=columns)
    sums = f.groupby(["year", "chain"], sort=True)[["co2e_t", "nox_kg", "tonnes"]].sum().reset_index()
    order = {chain: i for i, chain in enumerate(_chains_present(sums["chain"]))}
    frame = pd.DataFrame(
        {
            "year": sums["year"].astype(int).astype(str),
            "chain": sums["chain"].astype(str),
            "label": [text(c, lang) for c in sums["chain"]],
            "order": sums["chain"].map(order),
            "co2e": unit("co2e", lang).of(sums["co2e_t"]),
            "nox_t": sums["nox_kg"] / 1000.0,
            "shipped": unit("tonnes", lang).of(sums["tonnes"]),
        }
    )
    return frame.sort_values(["year", "order"]).reset_index(drop=True)[columns]


def _emissions_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = emissions_data(plan, lang)
    chains = _chains_present(data["chain"])
    co2e, tonnes, t = unit("co2e", lang), unit("tonnes", lang), text("t", lang)
    co2e_title = f"{text('co2e', lang)} ({co2e.name})"
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("label:N", title=text("chain", lang)),
        alt.Tooltip("co2e:Q", title=co2e_title, format=co2e.d3()),
        alt.Tooltip("nox_t:Q", title=f"{text('nox', lang)} ({t})", format=",.1f"),
        alt.Tooltip("shipped:Q", title=f"{text('substitution', lang)} ({tonnes.name})", format=tonnes.d3()),
    ]
    colour = _colour("label", _chain_colours(chains), lang, chains)

    def panel(field: str, title: str) -> alt.Chart:
        return (
            alt.Chart(data)
            .mark_bar(size=BAR_STEP * 0.45)
            .encode(
                x=_year_axis(lang),
                y=alt.Y(f"{field}:Q", stack="zero", title=title, axis=alt.Axis(format=AXIS_FORMAT)),
                color=colour,
                order=alt.Order("order:Q"),
                tooltip=tooltip,
            )
            .properties(width=_width(plan, 0.75), height=280)
        )

    return alt.hconcat(panel("co2e", co2e_title), panel("nox_t", f"{text('nox', lang)} ({t})"), spacing=40)
