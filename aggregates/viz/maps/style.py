"""The map's look: colours, class breaks, line widths and the page styles.

Colours follow the charts: rail blue, battery-electric trucks green, diesel
trucks orange. Utilisation uses one yellow-to-red ramp for every capacity
(rail sections, terminals, swap stations); bases a brown ramp, demand nodes a
purple ramp of the share met from solid-waste aggregate. The boxes drawn over a
map (title block, legend, comparison strip) are in :mod:`aggregates.viz.maps.panels`.
"""

from __future__ import annotations

import math

MODE_COLOURS = {"rail": "#1f5fa8", "bet": "#2a9d5c", "diesel": "#d9822b"}
# (upper bound, colour, zh, en): a value falls in the first class whose bound it does not exceed.
UTILISATION_BINS = (
    (0.5, "#fee391", "< 50%", "< 50%"),
    (0.9, "#fe9929", "50–90%", "50–90%"),
    (0.99, "#e34a33", "90–99%", "90–99%"),
    (math.inf, "#990000", "满负荷", "full"),
)
BASE_BINS = (
    (0.5, "#fdd0a2", "< 50%", "< 50%"),
    (0.9, "#fd8d3c", "50–90%", "50–90%"),
    (0.99, "#d94801", "90–99%", "90–99%"),
    (math.inf, "#7f2704", "满负荷", "full"),
)
DEMAND_BINS = (
    (0.0, "#ffffff", "0%", "0%"),
    (0.25, "#dadaeb", "≤ 25%", "≤ 25%"),
    (0.5, "#bcbddc", "25–50%", "25–50%"),
    (0.75, "#9e9ac8", "50–75%", "50–75%"),
    (0.999, "#756bb1", "75–99%", "75–99%"),
    (math.inf, "#54278f", "100%", "100%"),
)
FLOW_SAMPLES_T = (0.5e6, 2e6, 10e6)


def bin_colour(value: float, bins: tuple) -> str:
    """The colour of the class ``value`` falls in (NaN counts as 0)."""
    value = 0.0 if value is None or math.isnan(value) else value
    for upper, colour, _zh, _en in bins:
        if value <= upper:
            return colour
    return bins[-1][1]


def flow_weight(tonnes: float) -> float:
    """Line width in pixels for a corridor's tonnes per year; the same scale on every map, so maps compare."""
    return round(1.2 + 3.0 * math.sqrt(max(tonnes, 0.0) / 1e6), 2)


# Popups, labels, marker shapes, title and legend boxes; every map page carries them.
MAP_CSS = """
.leaflet-container{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
 "Helvetica Neue",Arial,sans-serif;}
.agg-pop{border-collapse:collapse;font-size:12px;}
.leaflet-container .leaflet-tooltip{white-space:normal;width:max-content;max-width:480px;}
.agg-pop th,.agg-pop td{white-space:normal;}
.agg-pop th{min-width:150px;}
.agg-pop td{min-width:110px;overflow-wrap:anywhere;}
.agg-note{font-size:11px;color:#666;margin-top:3px;}
.agg-pop th{text-align:left;font-weight:500;color:#555;padding:1px 8px 1px 0;vertical-align:top;max-width:190px;}
.agg-pop td{padding:1px 0;font-variant-numeric:tabular-nums;}
.agg-pop-title{font-weight:600;font-size:13px;margin-bottom:4px;}
.agg-lbl-icon{background:none;border:none;}
.agg-lbl{display:inline-block;white-space:nowrap;pointer-events:none;transform:translateY(-50%);line-height:1.15;
 text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 4px #fff;}
.agg-lbl-base{font-size:12px;font-weight:700;color:#5a2d04;}
.agg-lbl-demand{font-size:11.5px;font-weight:500;color:#3f007d;}
.agg-lbl-town{font-size:10.5px;color:#5f5f5f;}
.agg-area{transform:translate(-50%,-50%);white-space:nowrap;font-size:15px;font-weight:600;letter-spacing:1px;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none;}
.agg-area-market{color:#5e3c7d;}
.agg-area-supply{color:#7a5a1d;}
.agg-tri{width:0;height:0;border-left:7px solid transparent;border-right:7px solid transparent;
 border-bottom:12px solid #333;position:relative;}
.agg-tri:after{content:"";position:absolute;left:-5px;top:3px;border-left:5px solid transparent;
 border-right:5px solid transparent;border-bottom:8px solid var(--c);}
.agg-sq{width:10px;height:10px;background:var(--c);border:2px solid #333;}
.agg-swap{width:14px;height:14px;border-radius:50%;background:var(--c);border:1.5px solid #1b7a46;font-size:10px;
 line-height:14px;text-align:center;color:#1b7a46;}
.agg-box{position:fixed;z-index:1000;background:rgba(255,255,255,0.94);border:1px solid #c8ced6;border-radius:6px;
 box-shadow:0 1px 4px rgba(0,0,0,0.15);padding:8px 12px;font-size:12px;color:#222;line-height:1.45;}
.agg-title{top:10px;left:54px;max-width:460px;}
.agg-delta{position:fixed;top:0;left:0;right:0;z-index:1001;background:#fff;border-bottom:1px solid #c8ced6;
 padding:4px 12px;font-size:12.5px;overflow:auto;}
.agg-delta table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%;}
.agg-delta th,.agg-delta td{padding:1px 10px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap;}
.agg-delta tr > th:first-child{text-align:left;}
.agg-delta-head{font-size:14px;}
.agg-legend summary{cursor:pointer;font-weight:700;font-size:12px;}
.agg-title h1{font-size:17px;margin:0 0 4px 0;font-weight:700;}
.agg-lang{font-size:12px;font-weight:500;margin-left:10px;color:#1f5fa8;text-decoration:none;}
.agg-title .agg-kpis{display:grid;grid-template-columns:auto auto;column-gap:14px;}
.agg-title .agg-kpis b{font-variant-numeric:tabular-nums;}
.agg-met{color:#1a7f37;font-weight:600;}
.agg-missed{color:#c62828;font-weight:600;}
.agg-legend{bottom:28px;right:10px;max-width:min(290px,26vw);max-height:40vh;overflow:auto;font-size:11px;
 line-height:1.3;padding:5px 9px;}
.agg-legend h2{font-size:11px;margin:4px 0 1px 0;font-weight:700;}
.agg-changes{margin-top:4px;font-size:12px;font-weight:600;color:#1d2733;}
.agg-conclusion{margin:0 0 5px 0;font-size:12.5px;color:#1d2733;}
.agg-matrix{bottom:46px;left:10px;max-width:48vw;max-height:55vh;overflow:auto;padding:5px 9px;}
.agg-matrix summary{cursor:pointer;font-weight:700;font-size:12px;}
.agg-matrix table{border-collapse:collapse;font-size:11.5px;margin-top:4px;}
.agg-matrix th,.agg-matrix td{padding:1px 7px;border-bottom:1px solid #e3e7eb;text-align:left;white-space:nowrap;}
.agg-matrix .num{text-align:right;font-variant-numeric:tabular-nums;}
.agg-matrix tr.total td{font-weight:700;border-top:1.5px solid #555;}
.agg-legend .agg-row{display:flex;align-items:center;flex-wrap:wrap;gap:3px 10px;margin:1px 0;}
.agg-legend .agg-item{display:inline-flex;align-items:center;gap:4px;white-space:nowrap;}
.agg-swatch{display:inline-block;flex:none;width:11px;height:11px;border-radius:50%;border:1px solid #555;}
.agg-line{display:inline-block;flex:none;width:28px;border-radius:3px;}
"""


def map_css(no_basemap: bool) -> str:
    """Page styles: popups, labels, marker shapes, title and legend boxes (a grey page behind no basemap)."""
    background = ".leaflet-container{background:#eef2f5;}" if no_basemap else ""
    return "<style>" + background + MAP_CSS + "</style>"
