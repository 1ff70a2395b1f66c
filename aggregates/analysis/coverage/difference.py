"""Why a site's answer against a published plan differs from the answer of a re-optimisation.

Against a plan, a site may use only the room that plan leaves; a re-optimisation plans the whole
region again with the site in it, so it can build a base larger, or move a base's supply from other
markets to the site (and buy natural aggregate there instead). :func:`explain_difference` names,
for each base either answer uses, its room, capacity and what it ships to other markets in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregates.analysis.coverage.check import Coverage
from aggregates.plan import Plan
from aggregates.vocab import COVERAGE_STATUS_LABELS


@dataclass(frozen=True)
class BaseChange:
    """One base in the two answers: tonnes a year of the site's product (mean over its years)."""

    base: str
    name_zh: str
    name_en: str
    room_plan_t: float
    room_reoptimised_t: float
    capacity_plan_t: float
    capacity_reoptimised_t: float
    others_plan_t: float  # shipped to every other market in the plan
    others_reoptimised_t: float
    used_plan_t: float  # what the site's answer takes from it
    used_reoptimised_t: float

    def words(self, lang: str) -> str:
        """Why this base's room differs, e.g. ``the plan leaves no room at X; re-optimising ...``."""
        name = self.name_zh if lang == "zh" else self.name_en
        moved = self.others_plan_t - self.others_reoptimised_t
        grown = self.capacity_reoptimised_t - self.capacity_plan_t
        if lang == "zh":
            head = f"规划在{name}剩{_t(self.room_plan_t, 'zh')},重新优化后剩{_t(self.room_reoptimised_t, 'zh')}"
            why = [f"把其{_t(moved, 'zh')}从其他市场移给该工地"] if moved > 1 else []
            why += [f"将其产能扩大{_t(grown, 'zh')}"] if grown > 1 else []
            why += [f"让其他市场多用其{_t(-moved, 'zh')}"] if moved < -1 else []
            return head + (":重新优化后" + "、".join(why) if why else "")
        head = (
            f"the plan leaves {_t(self.room_plan_t, 'en')} at {name}, re-optimising {_t(self.room_reoptimised_t, 'en')}"
        )
        why = [f"moves {_t(moved, 'en')} of its supply from other markets to the site"] if moved > 1 else []
        why += [f"builds it {_t(grown, 'en')} larger"] if grown > 1 else []
        why += [f"gives other markets {_t(-moved, 'en')} more of it"] if moved < -1 else []
        return head + (": re-optimising " + " and ".join(why) if why else "")


def _t(tonnes: float, lang: str) -> str:
    if abs(tonnes) < 1:
        return "无余量" if lang == "zh" else "no room"
    if lang == "zh":
        return f"{tonnes / 1e4:,.1f}万吨" if abs(tonnes) >= 1e4 else f"{tonnes:,.0f}吨"
    return f"{tonnes / 1e6:.2f} Mt" if abs(tonnes) >= 1e5 else f"{tonnes:,.0f} t"


@dataclass(frozen=True)
class Difference:
    """The two answers for one site and the bases that explain them."""

    site: str
    status_plan: str
    status_reoptimised: str
    product: str
    bases: tuple[BaseChange, ...]

    def same(self) -> bool:
        """Whether both answers have the same status and take the same tonnes from the same bases."""
        used = [
            {b.base: round(b.used_plan_t) for b in self.bases},
            {b.base: round(b.used_reoptimised_t) for b in self.bases},
        ]
        return self.status_plan == self.status_reoptimised and used[0] == used[1]

    def sentence(self, lang: str = "zh") -> str:
        """The difference in words, ``zh`` or ``en``."""
        plan, again = (
            COVERAGE_STATUS_LABELS[s][0 if lang == "zh" else 1] for s in (self.status_plan, self.status_reoptimised)
        )
        if self.same():
            return f"{self.site}:两种算法结论相同" if lang == "zh" else f"{self.site}: both give the same answer"
        if lang == "zh":
            head = f"{self.site}:按已发布规划{plan},重新优化{again}"
            return head + ("。" + ";".join(b.words("zh") for b in self.bases) if self.bases else "")
        head = f"{self.site}: {plan} against the published plan, {again} when re-optimising"
        return head + ("; " + "; ".join(b.words("en") for b in self.bases) if self.bases else "")


def _by_base(plan: Plan, result: Coverage) -> tuple[dict, dict]:
    """Capacity (all products) and tonnes of the product shipped to other markets, per base, mean over the years."""
    s, n = result.site, len(result.site.years)
    bases = plan.bases[plan.bases["year"].isin(s.years)]
    capacity = (bases.groupby("base")["capacity_t"].sum() / n).to_dict()
    flows = plan.flows
    if flows.empty:
        return capacity, {}
    others = flows[flows["year"].isin(s.years) & (flows["product"] == s.product) & (flows["node"] != result.node)]
    return capacity, (others.groupby("base")["tonnes"].sum() / n).to_dict()


def explain_difference(against_plan: Coverage, plan: Plan, reoptimised: Coverage, new_plan: Plan) -> Difference:
    """Why one site's answer against ``plan`` differs from its answer in the re-optimised ``new_plan``.

    Parameters
    ----------
    against_plan, plan
        The site's answer against a published plan, and that plan.
    reoptimised, new_plan
        Its answer from a re-optimisation with the site added, and the plan that solve made.

    Returns
    -------
    Difference
        With every base either answer takes from whose room or share of the site differs by a tonne or
        more (largest change of room first).
    """
    cap1, oth1 = _by_base(plan, against_plan)
    cap2, oth2 = _by_base(new_plan, reoptimised)
    used1 = against_plan.mix.groupby("base")["tonnes"].sum().to_dict() if len(against_plan.mix) else {}
    used2 = reoptimised.mix.groupby("base")["tonnes"].sum().to_dict() if len(reoptimised.mix) else {}
    names = against_plan.options.drop_duplicates("base").set_index("base")[["name_zh", "name_en"]]
    room1, room2 = against_plan.base_room, reoptimised.base_room
    changed = [
        b
        for b in set(used1) | set(used2)
        if abs(room2.get(b, 0.0) - room1.get(b, 0.0)) >= 1 or abs(used2.get(b, 0.0) - used1.get(b, 0.0)) >= 1
    ]
    bases = sorted(changed, key=lambda b: (-abs(room2.get(b, 0.0) - room1.get(b, 0.0)), b))
    changes = tuple(
        BaseChange(
            b,
            str(names.at[b, "name_zh"]) if b in names.index else b,
            str(names.at[b, "name_en"]) if b in names.index else b,
            room1.get(b, 0.0),
            room2.get(b, 0.0),
            cap1.get(b, 0.0),
            cap2.get(b, 0.0),
            oth1.get(b, 0.0),
            oth2.get(b, 0.0),
            used1.get(b, 0.0),
            used2.get(b, 0.0),
        )
        for b in bases
    )
    s = against_plan.site
    return Difference(s.name, against_plan.status, reoptimised.status, s.product, changes)
