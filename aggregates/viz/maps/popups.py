"""What a tooltip or popup says: HTML key/value tables of a corridor, a base or a demand node.

Every value is HTML-escaped here; Chinese maps show each field with its English beside it.
"""

from __future__ import annotations

import html

import pandas as pd

from aggregates.viz import fmt
from aggregates.viz.labels import Lang, both, text
from aggregates.viz.layers import Drawable
from aggregates.viz.maps.words import field, word
from aggregates.vocab import PRODUCTS


def rows_html(rows: list[tuple[str, str]], title: str | None = None) -> str:
    """An HTML key/value table for a tooltip or popup; every value escaped."""
    head = f'<div class="agg-pop-title">{html.escape(title)}</div>' if title else ""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'{head}<table class="agg-pop">{body}</table>'


def site_names(run: Drawable) -> dict[str, tuple[str, str]]:
    """Display names (zh, en) of bases and demand nodes by id."""
    names = {}
    for table, key in ((run.plan.bases, "base"), (run.plan.demand, "node")):
        first = table.drop_duplicates(key)
        names.update(zip(first[key], zip(first["name_zh"], first["name"], strict=True), strict=True))
    return names


def _short_list(ids: str, names: dict, lang: Lang, most: int = 4) -> str:
    items = [names.get(i, (i, i))[0 if lang == "zh" else 1] for i in ids.split(";") if i]
    more = len(items) - most
    shown = ", ".join(items[:most])
    return shown + (f" +{more}" if more > 0 else "")


def corridor_info(row, mode: str, names: dict, lang: Lang) -> str:
    """A corridor's tooltip: tonnes, t-km, cost and CO2e on its stretch, and the bases and nodes it joins."""
    return (
        rows_html(
            [
                (field("tonnes", lang), fmt.tonnes_per_year(row.tonnes, lang)),
                (field("tkm", lang), fmt.tkm(row.tkm, lang)),
                (field("cost", lang), fmt.yuan(row.transport_cost_yuan, lang)),
                (field("co2e", lang), fmt.co2e(row.co2e_t, lang)),
                (field("delivered", lang), fmt.per_t(row.delivered_cost_yuan_per_t, lang)),
                (field("flows", lang), f"{row.flows}"),
                (field("suppliers", lang), _short_list(row.bases, names, lang)),
                (field("demand", lang), _short_list(row.nodes, names, lang)),
            ],
            title=both(mode, lang),
        )
        + f'<div class="agg-note">{html.escape(field("apportioned", lang))}</div>'
    )


def _chain_list(by_chain: pd.Series | None, lang: Lang) -> str:
    if by_chain is None or by_chain.empty:
        return "–"
    ordered = by_chain.sort_values(ascending=False)
    return "; ".join(f"{text(c, lang)} {fmt.tonnes(t, lang)}" for c, t in ordered.items())


def _status(row, lang: Lang) -> str:
    """A base's status as the plan leaves it: existing, or a candidate the plan builds."""
    if row.status == "candidate" and row.level >= 0:
        return field("built_new", lang)
    return both(row.status, lang)


def base_popup(row, by_chain: pd.Series | None, lang: Lang) -> str:
    """A built base's popup: where, what it makes and from what, how full (made / capacity), where the tonnes
    made go (shipped by product, sold locally, stockpiled, disposed) and by which chains it ships."""
    rows = [
        (field("city", lang), both(row.city, lang)),
        (field("feedstock", lang), both(row.feedstock, lang)),
        (field("status", lang), _status(row, lang)),
        (field("level", lang), f"{row.level}"),
        (field("capacity", lang), fmt.tonnes_per_year(row.capacity_t, lang)),
        (field("utilisation", lang), fmt.share(row.utilisation)),
        (field("made", lang), fmt.tonnes(row.made_t, lang)),
        *((f"{field('output', lang)}: {both(p, lang)}", fmt.tonnes(getattr(row, f"output_{p}_t"), lang)) for p in PRODUCTS),
        (field("local", lang), fmt.tonnes(row.local_t, lang)),
        (field("stockpiled", lang), fmt.tonnes(row.stock_t, lang)),
        (field("disposed", lang), fmt.tonnes(row.disposed_t, lang)),
        (field("feedstock_left", lang), fmt.tonnes(row.feedstock_left_t, lang)),
        (field("chains", lang), _chain_list(by_chain, lang)),
    ]
    if row.shadow_price_yuan_per_t and row.shadow_price_yuan_per_t > 0:
        rows.append((field("shadow", lang), fmt.per_t(row.shadow_price_yuan_per_t, lang)))
    return rows_html(rows, title=word((row.name_zh, row.name), lang, True))


def demand_popup(row: pd.Series, suppliers: pd.Series | None, names: dict, lang: Lang) -> str:
    """A demand node's popup: demand, how it is met, at what cost and CO2e, and from which bases."""
    rows = [
        (field("city", lang), both(row["city"], lang)),
        (field("demand", lang), fmt.tonnes_per_year(row["demand_t"], lang)),
        (field("solid_waste", lang), fmt.tonnes(row["solid_waste_t"], lang)),
        (field("share", lang), fmt.share(row["share"])),
        (field("natural", lang), fmt.tonnes(row["natural_t"], lang)),
    ]
    if row["unmet_t"] > 0.5:
        rows.append(("⚠ " + field("unmet", lang), fmt.tonnes(row["unmet_t"], lang)))
    if row["solid_waste_t"] > 0:
        rows.append((field("delivered", lang), fmt.per_t(row["delivered"], lang)))
        rows.append((field("co2e_per_t", lang), f"{row['co2e_per_t']:,.1f} kg CO₂e/t"))
    if suppliers is not None and not suppliers.empty:
        label = field("suppliers", lang)
        for i, (base, t) in enumerate(suppliers.sort_values(ascending=False).items()):
            zh, en = names.get(base, (base, base))
            rows.append((label if i == 0 else "", f"{zh if lang == 'zh' else en}: {fmt.tonnes(t, lang)}"))
    return rows_html(rows, title=word((row["name_zh"], row["name"]), lang, True))


def coverage_info(row: pd.Series, title: str, limits: str, lang: Lang) -> str:
    """A demand node's coverage tooltip: its demand, the tonnes from bases within ``limits`` and their share."""
    rows = [
        (field("demand", lang), fmt.tonnes_per_year(row["demand_t"], lang)),
        (field("near", lang) + f" ({limits})", fmt.tonnes(row["near_t"], lang)),
        (field("near_share", lang), fmt.share(row["share"])),
    ]
    return rows_html(rows, title=title)
