"""A coverage answer in plain words: the typed :class:`Answer` and its sentence in Chinese or English.

``covered: 300,000 t/yr of sand in 2024 from <base> by rail + e-truck first/last mile, 168 yuan/t
delivered vs about 150 for natural sand, 12.0 kg CO2e/t (against the published plan's spare
capacity)``. Every number of the sentence is a field of the answer, so a page can show either.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from aggregates.analysis.coverage.check import Coverage, Report
from aggregates.analysis.coverage.natural import NaturalPrice
from aggregates.vocab import (
    CHAIN_LABELS,
    COVERAGE_BASIS_LABELS,
    COVERAGE_STATUS_LABELS,
    NATURAL_PRODUCT_LABELS,
    PRODUCT_LABELS,
)

ROOM_EPS_T = 1.0  # an option with less than a tonne a year left is full


@dataclass(frozen=True)
class Supply:
    """One base and chain of the answer's mix, with the tonnes it carries."""

    base: str
    name_zh: str
    name_en: str
    chain: str
    tonnes: float
    cost_yuan_per_t: float
    co2e_kg_per_t: float
    hours: float

    def words(self, lang: str) -> str:
        """``<name> by <chain>`` in ``lang``."""
        zh, en = CHAIN_LABELS[self.chain]
        return f"{self.name_zh}经{zh}" if lang == "zh" else f"{self.name_en} by {en}"


@dataclass(frozen=True)
class Answer:
    """A site's coverage answer as typed fields; :meth:`sentence` says it in words.

    ``tonnes`` is what the site asks for a year, ``tonnes_covered`` what the mix carries; money per
    tonne is delivered (production + transport), CO2e per tonne is the mix's transport, well to wheel.
    """

    name: str
    status: str
    tonnes: float
    tonnes_covered: float
    product: str
    years: tuple[int, ...]
    supply: tuple[Supply, ...]
    cost_yuan_per_t: float
    co2e_kg_per_t: float
    natural: NaturalPrice | None
    basis: str
    reason: str

    @property
    def covered(self) -> bool:
        """Whether the coverage rule's share is met."""
        return self.status == "covered"

    def sentence(self, lang: str = "zh") -> str:
        """The answer in one sentence, ``zh`` or ``en``."""
        return _zh(self) if lang == "zh" else _en(self)

    def to_dict(self) -> dict:
        """JSON-ready fields, with the sentence in both languages."""
        data = asdict(self)
        data["covered"] = self.covered
        data["sentence"] = {"zh": self.sentence("zh"), "en": self.sentence("en")}
        return _finite(data)


def _finite(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def answer_of(result: Coverage, basis: str) -> Answer:
    """The typed answer of one site of a :class:`Report` (``basis``: ``plan`` or ``reoptimised``)."""
    s = result.site
    supply = tuple(
        Supply(
            m.base,
            m.name_zh,
            m.name_en,
            m.chain,
            float(m.tonnes),
            float(m.delivered_cost_yuan_per_t),
            float(m.co2e_kg_per_t),
            float(m.hours),
        )
        for m in result.mix.itertuples()
    )
    carried = float(result.mix["tonnes"].sum()) if len(result.mix) else 0.0
    return Answer(
        s.name,
        result.status,
        float(s.tonnes),
        min(carried, float(s.tonnes)),
        s.product,
        tuple(s.years),
        supply,
        result.mix_mean("delivered_cost_yuan_per_t"),
        result.mix_mean("co2e_kg_per_t"),
        result.natural,
        basis,
        result.reason,
    )


def report_answers(report: Report) -> list[Answer]:
    """The typed answer of every site of a report."""
    return [answer_of(r, report.basis) for r in report.results]


def _years(a: Answer, lang: str) -> str:
    text = ", ".join(str(y) for y in a.years)
    return f"{text}年" if lang == "zh" else text


def _en(a: Answer) -> str:
    product = PRODUCT_LABELS[a.product][1] if a.product in PRODUCT_LABELS else a.product
    natural = NATURAL_PRODUCT_LABELS.get(a.product, ("", f"natural {a.product}"))[1]
    head = f"{COVERAGE_STATUS_LABELS[a.status][1]}: "
    if a.supply:
        amount = f"{a.tonnes:,.0f} t/yr" if a.covered else f"{a.tonnes_covered:,.0f} of {a.tonnes:,.0f} t/yr"
        words = [s.words("en") + ("" if len(a.supply) == 1 else f" ({s.tonnes:,.0f} t)") for s in a.supply]
        parts = " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
        head += f"{amount} of {product} in {_years(a, 'en')} from {parts}, {a.cost_yuan_per_t:,.0f} yuan/t delivered"
        head += f" vs about {a.natural.yuan_per_t:,.0f} for {natural}" if a.natural else ""
        head += f", {a.co2e_kg_per_t:.1f} kg CO2e/t"
    else:
        head += f"{a.tonnes:,.0f} t/yr of {product} in {_years(a, 'en')}"
        head += f"; {natural} costs about {a.natural.yuan_per_t:,.0f} yuan/t delivered there" if a.natural else ""
    why = f"; {a.reason}" if a.reason else ""
    return f"{head}{why} ({COVERAGE_BASIS_LABELS[a.basis][1]})"


def _zh(a: Answer) -> str:
    product = PRODUCT_LABELS[a.product][0] if a.product in PRODUCT_LABELS else a.product
    natural = NATURAL_PRODUCT_LABELS.get(a.product, (f"天然{a.product}", ""))[0]
    head = f"{COVERAGE_STATUS_LABELS[a.status][0]}:{_years(a, 'zh')}每年{a.tonnes:,.0f}吨{product}"
    if a.supply:
        parts = "、".join(s.words("zh") + ("" if len(a.supply) == 1 else f"({s.tonnes:,.0f}吨)") for s in a.supply)
        share = "" if a.covered else f"中的{a.tonnes_covered:,.0f}吨"
        head += f"{share},由{parts}供应,到场价{a.cost_yuan_per_t:,.0f}元/吨"
        head += f"({natural}约{a.natural.yuan_per_t:,.0f}元/吨)" if a.natural else ""
        head += f",运输排放{a.co2e_kg_per_t:.1f}千克CO2e/吨"
    elif a.natural:
        head += f";{natural}到场约{a.natural.yuan_per_t:,.0f}元/吨"
    why = f";原因:{_reason_zh(a)}" if a.reason else ""
    return f"{head}{why}({COVERAGE_BASIS_LABELS[a.basis][0]})"


def _reason_zh(a: Answer) -> str:
    if a.tonnes_covered > 0:
        return f"近处基地只剩{a.tonnes_covered:,.0f}吨可供该工地({a.tonnes_covered / a.tonnes:.0%}),其产能或沿途铁路区段、货场已被占用"
    return "近处没有基地有剩余产能,或没有基地在规则的距离/时间内"


def ranked_options(result: Coverage, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A site's options with room (cheapest ``top``, the chosen ones always kept) and the full ones apart.

    Returns
    -------
    tuple of pandas.DataFrame
        (with room, full): each option's base, names, chain, delivered cost, hours, km, CO2e,
        ``residual_capacity_t``, ``within_rule``, ``chosen`` and the ``tonnes`` the mix gives it.
    """
    options = result.options.copy()
    chosen = result.mix.set_index(["base", "chain"])["tonnes"] if len(result.mix) else pd.Series(dtype=float)
    keys = list(zip(options["base"], options["chain"], strict=True))
    options["tonnes"] = [float(chosen.get(k, 0.0)) for k in keys]
    options["chosen"] = options["tonnes"] > 0
    full = options["residual_capacity_t"] < ROOM_EPS_T
    room = options[~full]
    shown = room.head(top).index.union(room.index[room["chosen"]])
    return room.loc[shown].reset_index(drop=True), options[full].head(top).reset_index(drop=True)
