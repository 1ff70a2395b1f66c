"""Drawings of a dispatched day: the Gantt chart of trucks and yard slots (``gantt.html``).

One row per truck of a depot, each trip a bar from leaving the depot to being back, coloured by leg;
waiting at the destination is drawn over the trip in grey, swaps as marks (a triangle at the depot, a
diamond on the way). Below, the trains' loading slots at the loading yards and unloading slots at the
unloading yards. Times are hours after the day's start (``dispatch.day_start_hour``), labelled as
clock times; a day that runs past midnight goes on past 24 h.

The page is self-contained (:func:`aggregates.viz.charts.page.chart_page` inlines Vega): nothing is
fetched when it is opened. The dispatch package draws nothing; it is read here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from aggregates.dispatch.orders import clock
from aggregates.dispatch.report import routes_table
from aggregates.files import write_text
from aggregates.viz.charts.page import chart_page
from aggregates.viz.charts.style import CHAIN_COLOURS, style_chart
from aggregates.viz.labels import Lang

if TYPE_CHECKING:
    from aggregates.dispatch import DayPlan

GANTT_DEPOTS = 8  # depots drawn by default: the busiest by trips
GANTT_TRUCKS = 120  # trucks drawn per depot at most (in their order): a row each, a taller chart is not read
ROW_PX = 14
WIDTH = 900
LEG_COLOURS = {"direct": CHAIN_COLOURS["diesel_truck"], "first_mile": "#5b8fd1", "last_mile": "#1f5fa8"}
TYPE_COLOURS = {"bet": CHAIN_COLOURS["bet_truck"], "diesel": CHAIN_COLOURS["diesel_truck"]}
SLOT_COLOURS = {"loading": "#8e6bb0", "unloading": "#1f5fa8"}
WAIT_COLOUR = "#9a9a9a"

WORDS: dict[str, tuple[str, str]] = {
    "direct": ("直达公路", "direct haul"),
    "first_mile": ("首公里 (基地→装车站)", "first mile (base → loading yard)"),
    "last_mile": ("末公里 (卸车站→需求点)", "last mile (unloading yard → destination)"),
    "bet": ("换电重卡", "electric truck"),
    "diesel": ("柴油重卡", "diesel truck"),
    "wait": ("等待卸货", "waiting to unload"),
    "depot_swap": ("场站换电", "swap at the depot"),
    "en_route_swap": ("途中换电", "swap on the way"),
    "loading": ("装车时段", "loading slot"),
    "unloading": ("卸车时段", "unloading slot"),
    "title": ("调度日甘特图", "Gantt chart of the day"),
    "trucks_of": ("车辆", "trucks"),
    "first_trucks": ("显示前 {n} 辆", "first {n} shown"),
    "trips": ("趟", "trips"),
    "yards": ("铁路场站时段", "rail yard slots"),
    "hour": ("时刻 (自当日开始)", "time (from the day's start)"),
    "truck": ("车辆", "truck"),
    "train": ("列车", "train"),
    "yard": ("场站", "yard"),
    "node": ("目的地", "destination"),
    "leaves": ("出发", "leaves"),
    "unloads": ("卸货", "unloads"),
    "back": ("返回", "back"),
    "km": ("单程公里", "km one way"),
    "wait_min": ("等待 (分钟)", "wait (min)"),
    "from": ("开始", "from"),
    "to": ("结束", "to"),
    "kind": ("类别", "kind"),
    "shown": ("显示 {n}/{all} 个场站 (按趟数最多)", "{n} of {all} depots shown (busiest by trips)"),
    "typical": ("典型日", "typical day"),
    "peak": ("高峰日", "peak day"),
}


def word(key: str, lang: Lang) -> str:
    """The word for ``key`` in ``lang`` (unknown keys unchanged)."""
    zh, en = WORDS.get(key, (key, key))
    return zh if lang == "zh" else en


def busiest_depots(day: DayPlan, limit: int | None = GANTT_DEPOTS) -> list[str]:
    """The depots with the most trips, busiest first (ties by id), at most ``limit`` (all with ``None``)."""
    if not len(day.trips):
        return []
    counts = day.trips.groupby("depot").size().reset_index(name="n")
    counts = counts.sort_values(["n", "depot"], ascending=[False, True], kind="mergesort")
    ids = counts["depot"].tolist()
    return ids if limit is None else ids[: max(int(limit), 0)]


def gantt_data(day: DayPlan, depots: list[str], lang: Lang) -> dict[str, pd.DataFrame]:
    """The rows drawn: ``bars`` (one a trip), ``waits``, ``swaps`` and ``slots`` (two a train), hours from the start."""
    routes = routes_table(day.trips, day.scenario)
    t = day.trips.sort_values(["truck", "start_min"], kind="mergesort").reset_index(drop=True)
    t["depot_swaps"] = routes["depot_swaps"].to_numpy()
    t = t[t["depot"].isin(depots)].reset_index(drop=True)
    bars = pd.DataFrame(
        {
            "depot": t["depot"],
            "truck": t["truck"],
            "node": t["node"],
            "leg": t["leg"].map(lambda v: word(v, lang)),
            "type": t["type"].map(lambda v: word(v, lang)),
            "start": t["start_min"] / 60.0,
            "end": t["back_min"] / 60.0,
            "leaves": [_clock(m, day) for m in t["start_min"]],
            "unloads": [_clock(m, day) for m in t["unload_min"]],
            "back": [_clock(m, day) for m in t["back_min"]],
            "km": t["km_loaded"].round(1),
            "wait_min": t["wait_min"].round(0),
        }
    )
    w = t[t["wait_min"] > 0]
    waits = pd.DataFrame(
        {"depot": w["depot"], "truck": w["truck"], "start": w["arrive_min"] / 60.0, "end": w["unload_min"] / 60.0}
    ).assign(kind=word("wait", lang))
    swap_min = day.scenario.trucks.bet.swap_minutes
    at_depot = t[t["depot_swaps"] > 0]
    on_way = t[t["swaps_en_route"] > 0]
    swaps = pd.concat(
        [
            pd.DataFrame(
                {"depot": at_depot["depot"], "truck": at_depot["truck"], "at": at_depot["start_min"] / 60.0}
            ).assign(kind=word("depot_swap", lang), shape="triangle-up"),
            pd.DataFrame(
                {
                    "depot": on_way["depot"],
                    "truck": on_way["truck"],
                    "at": (on_way["start_min"] + on_way["arrive_min"] - swap_min) / 120.0,
                }
            ).assign(kind=word("en_route_swap", lang), shape="diamond"),
        ],
        ignore_index=True,
    )
    return {"bars": bars, "waits": waits, "swaps": swaps, "slots": slots_data(day, lang)}


def slots_data(day: DayPlan, lang: Lang) -> pd.DataFrame:
    """Two rows a train: its loading slot at the loading yard and its unloading slot at the unloading yard."""
    tr = day.trains
    if not len(tr):
        return pd.DataFrame(columns=["yard", "train", "kind", "start", "end", "from", "to"])
    rows = []
    for r in tr.to_dict("records"):
        for kind, yard, a, b in (
            ("loading", r["loading"], r["load_start_min"], r["depart_min"]),
            ("unloading", r["unloading"], r["unload_start_min"], r["unload_end_min"]),
        ):
            rows.append(
                {
                    "yard": yard,
                    "train": r["train"],
                    "row": f"{yard} · {r['train']}",
                    "kind": word(kind, lang),
                    "start": a / 60.0,
                    "end": b / 60.0,
                    "from": _clock(a, day),
                    "to": _clock(b, day),
                }
            )
    return pd.DataFrame(rows)


def _clock(minutes: float, day: DayPlan) -> str:
    return clock(minutes, day.scenario.dispatch.day_start_hour)


def _x(day: DayPlan, lang: Lang, hours: float, field: str = "start") -> alt.X:
    start = day.scenario.dispatch.day_start_hour
    top = max(24, int(-(-hours // 2) * 2))
    axis = alt.Axis(
        values=list(range(0, top + 1, 2)),
        labelExpr=f"format((datum.value + {start:g}) % 24, '02d') + ':00'",
        title=word("hour", lang),
    )
    return alt.X(f"{field}:Q", scale=alt.Scale(domain=[0, top], nice=False), axis=axis)


def gantt_chart(day: DayPlan, lang: Lang = "zh", limit: int | None = GANTT_DEPOTS) -> alt.TopLevelMixin:
    """The Gantt chart of the day: the ``limit`` busiest depots' trucks, then the rail yards' slots."""
    depots = busiest_depots(day, limit)
    data = gantt_data(day, depots, lang)
    hours = max([24.0, *data["bars"]["end"], *data["slots"]["end"]])
    legs = {word(k, lang): c for k, c in LEG_COLOURS.items()}
    swaps_legend = {word("depot_swap", lang): "triangle-up", word("en_route_swap", lang): "diamond"}
    panels = []
    for depot in depots:
        trips = data["bars"][data["bars"]["depot"] == depot]
        trucks = sorted(set(trips["truck"]), key=_truck_order)
        shown = {t: i for i, t in enumerate(trucks[:GANTT_TRUCKS])}
        bars = _first_trucks(trips, shown)
        # Sorted by a field, not by a list of names: Vega spreads a sort list into a call, too deep for thousands.
        y = alt.Y("truck:N", sort=alt.EncodingSortField("order", op="min"), title=None, axis=alt.Axis(labelLimit=200))
        tip = [alt.Tooltip(f"{c}:{'Q' if c in ('km', 'wait_min') else 'N'}", title=word(c, lang)) for c in _TIPS]
        base = alt.Chart(bars).mark_bar(height=max(ROW_PX - 4, 4), cornerRadius=2)
        layers = [
            base.encode(
                x=_x(day, lang, hours),
                x2="end:Q",
                y=y,
                color=alt.Color("leg:N", title=None, scale=alt.Scale(domain=list(legs), range=list(legs.values()))),
                tooltip=tip,
            )
        ]
        waits = _first_trucks(data["waits"][data["waits"]["depot"] == depot], shown)
        if len(waits):
            layers.append(
                alt.Chart(waits)
                .mark_bar(height=max(ROW_PX - 10, 2), color=WAIT_COLOUR)
                .encode(x=_x(day, lang, hours), x2="end:Q", y=y, tooltip=[alt.Tooltip("kind:N", title=None)])
            )
        swaps = _first_trucks(data["swaps"][data["swaps"]["depot"] == depot], shown)
        if len(swaps):
            layers.append(
                alt.Chart(swaps)
                .mark_point(filled=True, size=36, color="#111111")
                .encode(
                    x=_x(day, lang, hours, "at"),
                    y=y,
                    shape=alt.Shape(
                        "kind:N",
                        title=None,
                        scale=alt.Scale(domain=list(swaps_legend), range=list(swaps_legend.values())),
                    ),
                    tooltip=[alt.Tooltip("kind:N", title=None)],
                )
            )
        title = f"{depot}: {len(trucks)} {word('trucks_of', lang)}, {len(trips)} {word('trips', lang)}"
        if len(shown) < len(trucks):
            title += f" ({word('first_trucks', lang).format(n=len(shown))})"
        panels.append(alt.layer(*layers).properties(title=title, width=WIDTH, height=ROW_PX * max(len(shown), 1)))
    slots = data["slots"]
    if len(slots):
        kinds = {word(k, lang): c for k, c in SLOT_COLOURS.items()}
        panels.append(
            alt.Chart(slots)
            .mark_bar(height=max(ROW_PX - 4, 4))
            .encode(
                x=_x(day, lang, hours),
                x2="end:Q",
                y=alt.Y("row:N", title=None, sort=sorted(set(slots["row"])), axis=alt.Axis(labelLimit=260)),
                color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=list(kinds), range=list(kinds.values()))),
                tooltip=[
                    alt.Tooltip("train:N", title=word("train", lang)),
                    alt.Tooltip("yard:N", title=word("yard", lang)),
                    alt.Tooltip("kind:N", title=word("kind", lang)),
                    alt.Tooltip("from:N", title=word("from", lang)),
                    alt.Tooltip("to:N", title=word("to", lang)),
                ],
            )
            .properties(title=word("yards", lang), width=WIDTH, height=ROW_PX * len(set(slots["row"])))
        )
    if not panels:
        panels.append(alt.Chart(pd.DataFrame({"start": [0.0]})).mark_tick().encode(x=_x(day, lang, hours)))
    chart = alt.vconcat(*panels, spacing=28).resolve_scale(color="independent", shape="independent")
    all_depots = day.trips["depot"].nunique() if len(day.trips) else 0
    note = word("shown", lang).format(n=len(depots), all=all_depots) if len(depots) < all_depots else ""
    title = f"{word('title', lang)}: {day.scenario.name}, {day.year} {word(day.basis.day, lang)}"
    return style_chart(chart, title, note)


_TIPS = ("truck", "node", "leaves", "unloads", "back", "km", "wait_min")


def _first_trucks(rows: pd.DataFrame, order: dict[str, int]) -> pd.DataFrame:
    """The rows of the trucks drawn, with each truck's place (``order``) to sort the rows by."""
    rows = rows[rows["truck"].isin(order)]
    return rows.assign(order=rows["truck"].map(order))


def _truck_order(truck: str) -> tuple:
    """Trucks by part and number (``b-x:diesel.10`` after ``.9``)."""
    head, _, n = truck.rpartition(".")
    return (head, int(n)) if n.isdigit() else (truck, 0)


def write_gantt(
    day: DayPlan, folder: str | Path, lang: Lang = "zh", limit: int | None = GANTT_DEPOTS, name: str = "gantt.html"
) -> Path:
    """Write ``folder/<name>`` (``gantt.html``): the Gantt chart of the day, self-contained."""
    title = f"{word('title', lang)}: {day.scenario.name} {day.year}"
    return write_text(Path(folder) / name, chart_page(title, {"gantt": gantt_chart(day, lang, limit)}, lang))
