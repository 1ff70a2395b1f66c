"""How the report writes its cells: numbers with separators, percentages, chart units, and HTML tables.

A missing value is a dash; every cell is HTML-escaped here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from aggregates.viz.charts.units import Unit

DASH = "—"


def escape(value: object) -> str:
    """``value`` as text, HTML-escaped (quotes too)."""
    return html.escape(str(value), quote=True)


def missing(value: object) -> bool:
    """Whether ``value`` is missing (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: object, digits: int = 1) -> str:
    """``value`` with thousands separators and ``digits`` decimals; a dash when missing."""
    return DASH if missing(value) else f"{float(value):,.{digits}f}"


def fmt_percent(value: object, digits: int = 1) -> str:
    """A share (0-1) as a percentage, e.g. ``0.2735`` -> ``27.4 %``; a dash when missing."""
    return DASH if missing(value) else f"{float(value) * 100:,.{digits}f} %"


def fmt_in(value: object, in_unit: Unit, coarser: int = 0) -> str:
    """``value`` (tonnes or yuan) as a number in ``in_unit``, ``coarser`` decimals fewer than its default.

    E.g. 4,000,000 t in 万吨 -> ``400``, in Mt -> ``4.00`` (``4.0`` with ``coarser=1``); a dash when missing.
    """
    return DASH if missing(value) else fmt_number(in_unit.of(float(value)), in_unit.decimals(coarser))


def table_html(
    headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], total: Sequence[str] | None = None
) -> str:
    """An HTML table; ``headers`` are (title, numeric) pairs and every cell is escaped here."""
    numeric = [num for _, num in headers]
    head = "".join(f"<th{' class=num' if num else ''}>{escape(h)}</th>" for h, num in headers)

    def row(cells: Sequence[str], cls: str = "") -> str:
        tds = "".join(
            f"<td{' class=num' if num else ''}>{escape(c)}</td>" for c, num in zip(cells, numeric, strict=True)
        )
        return f"<tr{f' class={cls}' if cls else ''}>{tds}</tr>"

    body = "\n".join(row(r) for r in rows) + (f"\n{row(total, 'total')}" if total is not None else "")
    return f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'
