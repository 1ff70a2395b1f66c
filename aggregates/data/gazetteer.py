"""Finding a place of the region by the name a person types, in Chinese characters or pinyin.

The gazetteer lists every named place of a region's layers: its cities (boundaries), the demand
nodes (districts, new towns, project areas), the towns and junctions of the road network, the rail
stations, the bases and the quarries. A query matches a name when, once both are folded (case,
spaces, punctuation, tone marks and tone numbers dropped), the name equals it, starts with it or
contains it; Chinese names are also matched by their pinyin (full, and initials such as ``xaxq``),
so ``雄安``, ``Xiong'an``, ``xiong an`` and ``xiōng ān`` find the same places.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from aggregates.data.boundaries import read_boundaries
from aggregates.data.region import Region
from aggregates.errors import InputError

# Layer -> kind, in the order a tie between equally good matches is broken (a city before a station).
KINDS = {
    "boundaries": "city",
    "demand": "demand node",
    "road_nodes": "town",
    "rail_stations": "rail station",
    "bases": "base",
    "quarries": "quarry",
}
KIND_ZH = {
    "city": "城市",
    "demand node": "需求点",
    "town": "城镇",
    "rail station": "火车站",
    "base": "基地",
    "quarry": "砂石矿",
}
# Generic endings a person leaves out: 雄安 for 雄安新区, 唐山 for 唐山市, 雄县 for 雄县县城.
_SUFFIXES = ("新区", "县城", "新城", "片区", "市", "区", "县", "站", "镇")
SAME_PLACE_KM = 5.0  # matches closer than this are one place for a site question
_EXACT, _CORE, _PREFIX, _CONTAINS, _WORDS = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class PlaceMatch:
    """A named place of the region that matches a query.

    Attributes
    ----------
    id
        The place's id in its layer (``bd-xiongan``, ``d-xa-startup``, ``b-zhuolu``, ...).
    name_zh, name_en
        Its Chinese and English (mostly pinyin) names.
    kind
        ``city``, ``demand node``, ``town``, ``rail station``, ``base`` or ``quarry``.
    lat, lon
        WGS 84 degrees (a city's representative point inside its boundary).
    city
        The city it belongs to (empty when its layer does not say).
    rank
        How well it matched: 0 exact, 1 exact but for a generic ending (市, 新区, ...), 2 prefix,
        3 substring, 4 every word of the query inside (``xiongan qibu``), or its Chinese characters in
        order (``迁安首钢`` in 迁安首矿(首钢矿业)).
    """

    id: str
    name_zh: str
    name_en: str
    kind: str
    lat: float
    lon: float
    city: str
    rank: int

    def label(self, lang: str = "zh") -> str:
        """``雄安新区 (城市)`` or ``Xiong'an (city)``."""
        if lang == "zh":
            return f"{self.name_zh}({KIND_ZH[self.kind]})"
        return f"{self.name_en} ({self.kind})"


def fold(text: str) -> str:
    """``text`` lower-cased without spaces, punctuation, tone marks or tone numbers; Chinese kept."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    return re.sub(r"[\W\d_]+", "", plain.casefold().replace("ü", "v"))


def _core(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _pinyin(text: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 (0.3 s to import; only a gazetteer search needs it)

    syllables = lazy_pinyin(text, style=Style.NORMAL)
    return fold("".join(syllables)), fold("".join(s[:1] for s in syllables))


def _keys(name_zh: str, name_en: str, pid: str) -> tuple[list[str], list[str]]:
    """Folded forms a query is compared with: (the names and their pinyin, every form).

    Every form adds the name without its generic ending, the pinyin initials and the id's tail.
    """
    zh = re.sub(r"[(（].*?[)）]", "", str(name_zh))  # 怀来(沙城) is found as 怀来 (exactly) and 沙城 (inside)
    names = [fold(k) for k in (name_zh, zh, name_en, re.sub(r"\(.*?\)", "", str(name_en)))]
    names += [_pinyin(str(name_zh))[0], _pinyin(zh)[0]]
    core = _core(zh)
    more = [fold(core), _pinyin(core)[0], _pinyin(zh)[1], _pinyin(core)[1], fold(pid.split("-", 1)[-1])]
    names = [k for k in dict.fromkeys(names) if k]
    return names, [k for k in dict.fromkeys(names + more) if k]


def gazetteer(region: Region, boundaries: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Every named place of a region: id, name_zh, name_en, kind, lat, lon, city, keys (folded forms).

    Parameters
    ----------
    region
        A read region.
    boundaries
        Its city boundaries (:func:`aggregates.data.boundaries.read_boundaries`); none when omitted.
    """
    frames = []
    for layer, kind in KINDS.items():
        table = boundaries if layer == "boundaries" else getattr(region, layer)
        if table is None or table.empty:
            continue
        points = table.geometry.representative_point() if layer == "boundaries" else table.geometry
        name_en = table["name"] if layer == "boundaries" else table["name_en"]
        city = table["name"] if layer == "boundaries" else table.get("city", pd.Series("", index=table.index))
        frames.append(
            pd.DataFrame(
                {
                    "id": table["id"].astype(str).to_numpy(),
                    "name_zh": table["name_zh"].astype(str).to_numpy(),
                    "name_en": name_en.astype(str).to_numpy(),
                    "kind": kind,
                    "lat": points.y.to_numpy(float),
                    "lon": points.x.to_numpy(float),
                    "city": city.fillna("").astype(str).to_numpy(),
                }
            )
        )
    places = pd.concat(frames, ignore_index=True)
    keys = [_keys(z, e, i) for z, e, i in zip(places["name_zh"], places["name_en"], places["id"], strict=True)]
    places["names"] = [k[0] for k in keys]
    places["keys"] = [k[1] for k in keys]
    return places


def _in_order(needle: str, key: str) -> bool:
    rest = iter(key)
    return all(c in rest for c in needle)


def region_gazetteer(region: Region) -> pd.DataFrame:
    """:func:`gazetteer` of a region with the city boundaries of its folder or workbook."""
    return gazetteer(region, read_boundaries(region.path))


def _rank(names: list[str], keys: list[str], needle: str, words: list[str]) -> int | None:
    if needle in names:
        return _EXACT
    if needle in keys:
        return _CORE
    if any(k.startswith(needle) for k in keys):
        return _PREFIX
    if len(needle) >= 2 and any(needle in k for k in keys):
        return _CONTAINS
    if len(words) > 1 and all(any(w in k for k in keys) for w in words):
        return _WORDS
    chinese = re.fullmatch(r"[\u4e00-\u9fff]{2,}", needle) is not None
    if chinese and any(_in_order(needle, k) for k in keys):
        return _WORDS
    return None


def search_places(places: pd.DataFrame, text: str, limit: int = 10) -> list[PlaceMatch]:
    """Places matching ``text``, best first: exact, exact but for an ending, prefix, substring.

    Parameters
    ----------
    places
        From :func:`gazetteer`.
    text
        Chinese characters, pinyin (with or without spaces and tones) or English.
    limit
        At most this many matches.
    """
    needle, words = fold(text), [w for w in (fold(p) for p in str(text).split()) if w]
    if not needle:
        return []
    order = list(KINDS.values())
    found = []
    for row in places.itertuples():
        rank = _rank(row.names, row.keys, needle, words)
        if rank is not None:
            key = (rank, order.index(row.kind), len(row.name_zh), row.id)
            found.append(
                (key, PlaceMatch(row.id, row.name_zh, row.name_en, row.kind, row.lat, row.lon, row.city, rank))
            )
    return [m for _key, m in sorted(found, key=lambda pair: pair[0])][:limit]


def resolve_place(places: pd.DataFrame, text: str) -> PlaceMatch:
    """The one place ``text`` names, for a site question.

    The best matches win when they are of one rank and kind, or all lie within ``SAME_PLACE_KM`` of
    each other (a town and its station are one place for a site).

    Raises
    ------
    InputError
        When several places match equally well (listing them, to be named more precisely), or none
        does (with the closest names).
    """
    matches = search_places(places, text, limit=50)
    if not matches:
        raise InputError(_not_found(places, text))
    best = [m for m in matches if m.rank == matches[0].rank]
    if len(best) == 1 or _one_place(best) or (best[0].rank <= _CORE and best[0].kind != best[1].kind):
        return best[0]
    listed = "\n".join(
        f"  - {m.name_zh} / {m.name_en} ({', '.join(filter(None, (m.kind, m.city)))}; {m.lat:.4f}, {m.lon:.4f})"
        for m in best[:12]
    )
    more = f"\n  ... and {len(best) - 12} more" if len(best) > 12 else ""
    raise InputError(f"--place '{text}' matches {len(best)} places; give a more precise name:\n{listed}{more}")


def _one_place(matches: list[PlaceMatch]) -> bool:
    lat0, lon0 = matches[0].lat, matches[0].lon
    # 111 km per degree of latitude, 85 per degree of longitude at 40 N: near enough for 5 km
    return all(abs(m.lat - lat0) * 111.0 < SAME_PLACE_KM and abs(m.lon - lon0) * 85.0 < SAME_PLACE_KM for m in matches)


def _not_found(places: pd.DataFrame, text: str) -> str:
    names = {}
    for keys, name in zip(places["keys"], places["name_zh"], strict=True):
        names |= {k: name for k in keys if k not in names}
    close = difflib.get_close_matches(fold(text), list(names), n=5, cutoff=0.6)
    hint = f"; closest: {', '.join(dict.fromkeys(names[c] for c in close))}" if close else ""
    return f"--place '{text}': no place of the region has that name (in Chinese or pinyin){hint}; or give --lat/--lon"
