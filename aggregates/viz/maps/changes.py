"""What changed from one plan (A) to another: flows grown, shrunk, new and gone, bases built or not.

The numbers come from :func:`aggregates.analysis.compare.flow_changes` and
:func:`~aggregates.analysis.compare.base_changes`; this draws them as one layer over the second
plan's map: each changed flow as a line from base to node along its route, coloured by the kind of
change and as wide as the tonnes it gained or lost (the flow scale of the plan maps), and a ring on
each base built or not built.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

from aggregates.analysis.compare import base_changes, flow_changes
from aggregates.viz import fmt
from aggregates.viz.labels import Lang, text
from aggregates.viz.layers import Drawable
from aggregates.viz.maps.basemaps import latlon
from aggregates.viz.maps.popups import site_names
from aggregates.viz.maps.style import flow_weight
from aggregates.viz.maps.words import layer_name

# kind of change -> (colour, dash, zh, en)
FLOW_LOOK = {
    "new": ("#1a7f37", None, "新增流向", "new flow"),
    "grown": ("#7fbf3f", None, "运量增加", "grown"),
    "shrunk": ("#f28e2b", None, "运量减少", "shrunk"),
    "gone": ("#c62828", "6 5", "流向取消", "gone"),
}
BASE_LOOK = {
    "built": ("#1a7f37", None, "新建基地", "base built"),
    "not_built": ("#c62828", "3 3", "不再建设", "base not built"),
    "larger": ("#7fbf3f", None, "产能扩大", "larger"),
    "smaller": ("#f28e2b", None, "产能缩小", "smaller"),
}


def changes_layer(lib, a: Drawable, b: Drawable, year: int, lang: Lang, project: Callable, simplify_deg: float = 0.001):
    """The layer of what changed from ``a`` to ``b`` in ``year`` (on by default), and its counts.

    Returns
    -------
    (folium.FeatureGroup, dict)
        The layer, and the number of flows and bases of each kind of change (keys of
        :data:`FLOW_LOOK` and :data:`BASE_LOOK`).
    """
    group = lib.FeatureGroup(name=layer_name("changes", lang))
    flows = flow_changes(a.plan, b.plan, year)
    flows = flows[flows["change"] != "same"]
    lines = _lines(a, b, year)
    names = {**site_names(a), **site_names(b)}
    for row in flows.itertuples():
        colour, dash, *_ = FLOW_LOOK[row.change]
        line = lines.get((row.base, row.node, row.chain))
        if line is None:
            continue
        line = project(line.simplify(simplify_deg) if simplify_deg > 0 else line)
        points = [[round(y, 5), round(x, 5)] for x, y, *_ in line.coords]
        lib.PolyLine(
            points,
            color=colour,
            weight=flow_weight(abs(row.delta_t)),
            opacity=0.9,
            dash_array=dash,
            class_name=f"agg-chg agg-chg-{row.change}",
            tooltip=_flow_tip(row, names, lang),
        ).add_to(group)
    bases = base_changes(a.plan, b.plan, year)
    bases = bases[bases["change"] != "same"]
    where = pd.concat([a.layers.bases, b.layers.bases]).drop_duplicates("base").set_index("base")["geometry"]
    for row in bases.itertuples():
        colour, dash, *_ = BASE_LOOK[row.change]
        lib.CircleMarker(
            latlon(where[row.base], project),
            radius=11,
            color=colour,
            weight=3.5,
            dash_array=dash,
            fill=False,
            class_name=f"agg-chg-base agg-chg-{row.change}",
            tooltip=_base_tip(row, lang),
        ).add_to(group)
    counts = {k: int((flows["change"] == k).sum()) for k in FLOW_LOOK}
    counts |= {k: int((bases["change"] == k).sum()) for k in BASE_LOOK}
    return group, counts


def _lines(a: Drawable, b: Drawable, year: int) -> dict:
    """Each flow's route line by (base, node, chain), from ``b`` where it runs there, else from ``a``."""
    lines = {}
    for run in (a, b):
        f = run.layers.flows
        f = f[f["year"] == year]
        lines.update(zip(zip(f["base"], f["node"], f["chain"], strict=True), f.geometry, strict=True))
    return lines


def _flow_tip(row, names: dict, lang: Lang) -> str:
    i = 0 if lang == "zh" else 1
    base, node = names.get(row.base, (row.base,) * 2)[i], names.get(row.node, (row.node,) * 2)[i]
    word = FLOW_LOOK[row.change][2 + i]
    delta = fmt.tonnes(row.delta_t, lang)
    return html.escape(
        f"{word}: {base} → {node} · {text(row.chain, lang)} · A {fmt.tonnes(row.tonnes_a, lang)} → "
        f"B {fmt.tonnes(row.tonnes_b, lang)} ({'+' if row.delta_t > 0 else ''}{delta})"
    )


def _base_tip(row, lang: Lang) -> str:
    i = 0 if lang == "zh" else 1
    name = row.name_zh if lang == "zh" and isinstance(row.name_zh, str) else row.name
    word = BASE_LOOK[row.change][2 + i]
    return html.escape(
        f"{word}: {name} · A {fmt.tonnes_per_year(row.capacity_a_t, lang)} → B {fmt.tonnes_per_year(row.capacity_b_t, lang)}"
    )


def changes_summary(counts: dict, lang: Lang) -> str:
    """The counts in words, e.g. ``相对A:新增流向 5 · 运量增加 12 · ... · 新建基地 2``."""
    i = 0 if lang == "zh" else 1
    looks = {**FLOW_LOOK, **BASE_LOOK}
    parts = [f"{looks[k][2 + i]} {n}" for k, n in counts.items() if n]
    head = "相对A的变化:" if lang == "zh" else "Changed from A: "
    return head + (" · ".join(parts) if parts else ("无" if lang == "zh" else "nothing"))


def changes_legend(lang: Lang) -> str:
    """The legend lines of the change layer (HTML)."""
    i = 0 if lang == "zh" else 1
    marks = [
        f'<span class="agg-item"><span class="agg-line" style="height:4px;background:{c}"></span>{z if i == 0 else e}</span>'
        for c, _d, z, e in FLOW_LOOK.values()
    ]
    marks += [
        f'<span class="agg-item"><span class="agg-swatch" style="background:none;border:2.5px solid {c}"></span>'
        f"{z if i == 0 else e}</span>"
        for c, _d, z, e in (BASE_LOOK["built"], BASE_LOOK["not_built"])
    ]
    head = "变化(线宽=增减运量)" if lang == "zh" else "What changed (width = tonnes gained or lost)"
    return f'<h2>{head}</h2><div class="agg-row">{"".join(marks)}</div>'
