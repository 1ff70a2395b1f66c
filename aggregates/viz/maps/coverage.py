"""The coverage map: sites coloured by their answer, with straight lines to the bases of their mix.

Green: covered, amber: partly covered, red: not covered. A click on a site shows its numbers; a
line's tooltip names the base, the chain and the tonnes. Works offline (scripts embedded).
"""

from __future__ import annotations

from branca.element import Element

from aggregates.viz.maps.basemaps import lib_of, new_map
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.maps.popups import rows_html
from aggregates.vocab import is_rail

STATUS_COLOURS = {"covered": "#1a9850", "partly": "#f5a623", "not": "#d73027"}
STATUS_WORDS = {"covered": "covered", "partly": "partly covered", "not": "not covered"}


def _popup(result) -> str:
    s = result.site
    rows = [
        ("status", STATUS_WORDS[result.status]),
        ("share covered", f"{result.share_covered:.0%}"),
        ("need", f"{s.tonnes:,.0f} t/yr {s.product} in {', '.join(str(y) for y in s.years)}"),
        ("mix cost", _num(result.mix_mean("delivered_cost_yuan_per_t"), " yuan/t")),
        ("mix CO2e", _num(result.mix_mean("co2e_kg_per_t"), " kg/t")),
        ("mix hours", _num(result.mix_mean("hours"), " h")),
        ("suppliers", ", ".join(f"{m.base} ({m.chain}, {m.tonnes:,.0f} t)" for m in result.mix.itertuples()) or "-"),
    ]
    if result.reason:
        rows.append(("why", result.reason))
    return rows_html(rows, title=s.name)


def _num(value: float, unit: str) -> str:
    return "-" if value != value else f"{value:,.1f}{unit}"


def _legend() -> str:
    items = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{c};margin-right:6px"></span>{STATUS_WORDS[k]}</div>'
        for k, c in STATUS_COLOURS.items()
    )
    return (
        '<div style="position:fixed;bottom:24px;left:12px;z-index:1000;background:white;padding:8px 10px;'
        f'border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px sans-serif">'
        f"<b>Coverage</b>{items}</div>"
    )


def coverage_map(report, bases: dict[str, tuple[float, float, str]], options: MapOptions | None = None):
    """Draw a coverage report.

    Parameters
    ----------
    report
        A :class:`aggregates.analysis.coverage.Report`.
    bases
        Base id -> (lat, lon, name), for the supply lines.
    options
        Map options (default: offline, no basemap).

    Returns
    -------
    folium.Map
    """
    m = new_map(options or MapOptions(lang="en"))
    lib = lib_of(m)
    lines = lib.FeatureGroup(name="supply lines").add_to(m)
    sites = lib.FeatureGroup(name="sites").add_to(m)
    points = []
    for result in report.results:
        s, colour = result.site, STATUS_COLOURS[result.status]
        for mix in result.mix.itertuples():
            lat, lon, name = bases[mix.base]
            points.append((lat, lon))
            lib.PolyLine(
                [(s.lat, s.lon), (lat, lon)],
                color=colour,
                weight=2,
                opacity=0.8,
                dash_array="6 4" if is_rail(mix.chain) else None,
                tooltip=f"{name} -> {s.name}: {mix.chain}, {mix.tonnes:,.0f} t/yr",
            ).add_to(lines)
        for base in sorted(set(result.mix["base"])):
            lat, lon, name = bases[base]
            lib.CircleMarker((lat, lon), radius=4, color="#444", fill=True, fill_opacity=0.9, tooltip=name).add_to(
                lines
            )
        points.append((s.lat, s.lon))
        lib.CircleMarker(
            (s.lat, s.lon),
            radius=9,
            color="#333",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            tooltip=f"{s.name}: {STATUS_WORDS[result.status]} ({result.share_covered:.0%})",
            popup=lib.Popup(_popup(result), max_width=420),
        ).add_to(sites)
    lib.LayerControl(collapsed=False, position="topright").add_to(m)
    m.get_root().html.add_child(Element(_legend()))
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        m.fit_bounds([(min(lats) - 0.05, min(lons) - 0.05), (max(lats) + 0.05, max(lons) + 0.05)])
    return m
