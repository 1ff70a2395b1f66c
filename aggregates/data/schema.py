"""The region data model: one table per layer, the columns each must hold.

This module is the single description of a region folder. The reader validates
against it, the README's data-model section is written from it, and the dataset
builder under ``geodata/`` writes what it lists.

A region folder holds:

==========================  ===========  ============================================
file                        geometry     one row per
==========================  ===========  ============================================
``region.yaml``             --           the region: name, bbox, products, provinces, cities, zones
``bases.geojson``           Point        tailings / waste-rock aggregate base
``base_levels.csv``         --           capacity level of a base
``demand.geojson``          Point        demand node (district, zone or project)
``demand_years.csv``        --           demand of a node for a product and year
``rail_stations.geojson``   Point        rail station or junction
``rail_segments.geojson``   LineString   rail section between two adjacent stations
``terminals.geojson``       Point        loading station or unloading yard
``road_nodes.geojson``      Point        road junction town
``roads.geojson``           LineString   road link between two nodes
``swap_stations.geojson``   Point        battery-swap station for electric trucks
``calibration_road.csv``    --           reference road distance between two places
``access_rules.csv``        --           city access rule: a zone's delivery window per truck type
``quarries.geojson``        Point        natural sand and gravel quarry region (optional)
``quarry_years.csv``        --           capacity of a quarry in a year (optional)
==========================  ===========  ============================================

Ids are unique across all point layers (bases, demand nodes, terminals, road
nodes, swap stations, rail stations, quarries), so that a road link may join any two of them.
By convention they carry a prefix: ``b-`` bases, ``d-`` demand, ``t-`` terminals,
``r-`` road nodes, ``s-`` swap stations, ``st-`` rail stations, ``q-`` quarries.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregates.vocab import ANY_STANDARD, DEMAND_PATHS, EMISSION_STANDARDS, PRODUCTS, TRUCKS

STR = "str"
FLOAT = "float"
INT = "int"
BOOL = "bool"


@dataclass(frozen=True)
class Column:
    """One column of a layer.

    Parameters
    ----------
    name
        Column name in the file.
    kind
        One of ``str``, ``float``, ``int``, ``bool``.
    description
        What the column holds, with its unit.
    minimum, maximum
        Inclusive bounds for numbers (None: unbounded). Every quantity has a plausible maximum,
        far above any real value, so a typo such as ``1e308`` km is an error rather than a plan.
    positive
        Numbers must be strictly greater than zero.
    choices
        Allowed values for strings (None: any non-empty string).
    required
        Whether an empty value is an error.
    references
        Name of the layer whose ids this column must match, or ``"point"`` for
        any point layer.
    choices_from
        Name of a list in ``region.yaml`` whose values the column must take
        (``provinces``, ``supply_cities``, ...); a region that leaves the list out
        accepts any value.
    zh, unit
        Chinese header and unit shown in a region workbook (``""``: no unit); filled from
        :data:`LABELS` by name unless given. None means missing (a test lists every such column).
    omittable
        The column may be left out of the file altogether (read as empty), so that files
        written before it existed stay valid.
    """

    name: str
    kind: str
    description: str
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    choices: tuple[str, ...] | None = None
    required: bool = True
    references: str | None = None
    choices_from: str | None = None
    zh: str | None = None
    unit: str | None = None
    omittable: bool = False


@dataclass(frozen=True)
class Layer:
    """One file of a region folder."""

    name: str
    filename: str
    geometry: str | None
    description: str
    columns: tuple[Column, ...]
    id_column: str | None = "id"
    optional: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# Chinese header and unit of each column, by column name (a workbook's header rows 2 and 3).
# A new column needs its entry here (or zh=/unit= in its _c call); tests/test_workbook.py lists any missing.
YES_NO = "TRUE/FALSE"
LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", ""),
    "name_en": ("英文名称", ""),
    "name_zh": ("中文名称", ""),
    "name": ("名称", ""),
    "province": ("省级行政区", ""),
    "source": ("来源标签", ""),
    "city": ("城市", ""),
    "county": ("县/区", ""),
    "district": ("区/县", ""),
    "feedstock": ("原料类型", ""),
    "status": ("状态（现有/候选）", ""),
    "stock_mt": ("期初原料存量", "Mt"),
    "arising_mt_per_yr": ("年新增原料量", "Mt/yr"),
    "yield_sand": ("机制砂产出比例", "share 0-1"),
    "yield_coarse": ("粗骨料产出比例", "share 0-1"),
    "production_cost_yuan_per_t": ("出厂可变生产成本", "yuan/t"),
    "loading_terminal": ("装车站编号", ""),
    "first_mile_km": ("至装车站公路距离", "km"),
    "own_siding": ("自有专用线", YES_NO),
    "beijing_designated": ("北京指定绿色骨料基地", YES_NO),
    "base_id": ("基地编号", ""),
    "level": ("产能档位", "0, 1, 2, ..."),
    "capacity_mt_per_yr": ("年能力", "Mt/yr"),
    "fixed_cost_myuan_per_yr": ("年化固定成本", "million yuan/yr"),
    "accepts": ("接收产品", "sand;coarse"),
    "zone": ("货车限行区", ""),
    "diesel_restricted": ("柴油货车受限", YES_NO),
    "node_id": ("需求点编号", ""),
    "year": ("年份", "year"),
    "product": ("产品", ""),
    "demand_mt": ("需求量", "Mt/yr"),
    "line_id": ("线路编号", ""),
    "line_en": ("线路英文名", ""),
    "line_zh": ("线路中文名", ""),
    "from_station": ("起点车站", ""),
    "to_station": ("终点车站", ""),
    "km_from": ("起点里程", "km"),
    "km_to": ("终点里程", "km"),
    "length_km": ("长度", "km"),
    "electrified": ("电气化", YES_NO),
    "tracks": ("正线数", "tracks"),
    "capacity_trains_per_day": ("可用骨料重车列数", "trains/day"),
    "kind": ("类型", ""),
    "station": ("所在车站", ""),
    "handling_cost_yuan_per_t": ("装卸费", "yuan/t"),
    "handling_hours": ("站内作业时间", "h"),
    "road": ("道路编号", ""),
    "from_node": ("起点节点", ""),
    "to_node": ("终点节点", ""),
    "toll": ("收费道路", YES_NO),
    "oneway": ("单行方向", "0, 1, -1"),
    "road_node": ("所连道路节点", ""),
    "capacity_swaps_per_day": ("日换电能力", "swaps/day"),
    "origin": ("起点", ""),
    "destination": ("终点", ""),
    "reference_km": ("参考公路距离", "km"),
    "freight": ("允许货运", YES_NO),
    "truck": ("货车类型", ""),
    "window": ("允许通行时段", "hh:mm-hh:mm"),
    "min_standard": ("最低排放标准", ""),
    "note": ("说明", ""),
    "capacity_year": ("设计能力对应年份", ""),
    "price_sand_yuan_per_t": ("砂出厂价", "yuan/t"),
    "price_coarse_yuan_per_t": ("碎石出厂价", "yuan/t"),
    "quarry_id": ("砂石矿区编号", ""),
    "path": ("需求情景", ""),
}


def _c(name: str, kind: str, description: str, **kw) -> Column:
    zh, unit = LABELS.get(name, (None, None))
    return Column(name, kind, description, **{"zh": zh, "unit": unit, **kw})


NAMES = (
    _c("name_en", STR, "English name"),
    _c("name_zh", STR, "Chinese name"),
)
PROVINCE = _c(
    "province",
    STR,
    "province-level division the point lies in (selects the grid emission factor)",
    choices_from="provinces",
)
SOURCE = _c("source", STR, "source tag, explained in SOURCES.md")

FEEDSTOCKS = (
    "iron_tailings",
    "vti_tailings",
    "gold_tailings",
    "waste_rock",
    "mixed_tailings",
)

BASES = Layer(
    "bases",
    "bases.geojson",
    "Point",
    "Tailings or waste-rock manufactured-aggregate bases, existing and candidate.",
    (
        _c("id", STR, "unique id, prefix b-"),
        *NAMES,
        _c("city", STR, "prefecture-level city", choices_from="supply_cities"),
        _c("county", STR, "county or district"),
        PROVINCE,
        _c("feedstock", STR, "feedstock type", choices=FEEDSTOCKS),
        _c("status", STR, "existing plant or candidate site", choices=("existing", "candidate")),
        _c("stock_mt", FLOAT, "feedstock in stock at the start of the first year, Mt", minimum=0, maximum=1e4),
        _c("arising_mt_per_yr", FLOAT, "new feedstock arising each year, Mt/yr", minimum=0, maximum=1e3),
        _c("yield_sand", FLOAT, "share of output that is manufactured sand (0-4.75 mm)", minimum=0, maximum=1),
        _c("yield_coarse", FLOAT, "share of output that is coarse aggregate (5-31.5 mm)", minimum=0, maximum=1),
        _c(
            "production_cost_yuan_per_t", FLOAT, "ex-works variable production cost, yuan/t", positive=True, maximum=1e4
        ),
        _c("loading_terminal", STR, "id of the rail loading station it uses", references="terminals"),
        _c("first_mile_km", FLOAT, "road km to its loading station; 0 with its own siding", minimum=0, maximum=1e3),
        _c("own_siding", BOOL, "loads onto rail at its own siding (no first-mile truck leg)"),
        _c("beijing_designated", BOOL, "one of Beijing's designated green aggregate bases"),
        SOURCE,
    ),
)

BASE_LEVELS = Layer(
    "base_levels",
    "base_levels.csv",
    None,
    "Capacity levels of each base. Level 0 of an existing base is its current capacity.",
    (
        _c("base_id", STR, "id of the base", references="bases"),
        _c("level", INT, "level number, 0, 1, 2, ... in increasing capacity", minimum=0),
        _c("capacity_mt_per_yr", FLOAT, "production capacity at this level, Mt/yr", positive=True, maximum=1e3),
        _c(
            "fixed_cost_myuan_per_yr",
            FLOAT,
            "annualised fixed cost of running at this level, million yuan/yr",
            minimum=0,
            maximum=1e6,
        ),
        SOURCE,
    ),
    id_column=None,
)

DEMAND = Layer(
    "demand",
    "demand.geojson",
    "Point",
    "Demand nodes: construction zones and named project areas.",
    (
        _c("id", STR, "unique id, prefix d-"),
        *NAMES,
        _c("city", STR, "market the node belongs to", choices_from="demand_cities"),
        _c("district", STR, "district or county"),
        PROVINCE,
        _c("accepts", STR, "products accepted, separated by ';' (sand;coarse)"),
        _c("zone", STR, "truck-restriction zone the node lies in, or none", choices_from="zone_names"),
        _c("diesel_restricted", BOOL, "diesel trucks restricted (night only / China VI only) at this node"),
        SOURCE,
    ),
)

DEMAND_YEARS = Layer(
    "demand_years",
    "demand_years.csv",
    None,
    "Yearly demand per node and product.",
    (
        _c("node_id", STR, "id of the demand node", references="demand"),
        _c("year", INT, "calendar year", minimum=1990, maximum=2100),
        _c("product", STR, "product", choices_from="products"),
        _c("demand_mt", FLOAT, "demand, Mt/yr", minimum=0, maximum=1e4),
        _c(
            "path",
            STR,
            "demand path the row belongs to (low, central, high; scenario key demand.path); "
            "empty or column left out: every path",
            choices=DEMAND_PATHS,
            required=False,
            omittable=True,
        ),
    ),
    id_column=None,
)

RAIL_STATIONS = Layer(
    "rail_stations",
    "rail_stations.geojson",
    "Point",
    "Rail stations and junctions.",
    (_c("id", STR, "unique id, prefix st-"), *NAMES, PROVINCE, SOURCE),
)

RAIL_SEGMENTS = Layer(
    "rail_segments",
    "rail_segments.geojson",
    "LineString",
    "Rail sections between adjacent stations of a line (and links between lines).",
    (
        _c("id", STR, "unique id of the section (a capacitated resource)"),
        _c("line_id", STR, "line the section belongs to"),
        _c("line_en", STR, "English line name"),
        _c("line_zh", STR, "Chinese line name"),
        _c("from_station", STR, "station at the lower km post", references="rail_stations"),
        _c("to_station", STR, "station at the higher km post", references="rail_stations"),
        _c("km_from", FLOAT, "km post of from_station", minimum=0, maximum=2e4),
        _c("km_to", FLOAT, "km post of to_station", minimum=0, maximum=2e4),
        _c("length_km", FLOAT, "tariff length of the section, km", positive=True, maximum=5e3),
        _c("electrified", BOOL, "electric traction (otherwise diesel)"),
        _c("tracks", INT, "number of main tracks", minimum=1, maximum=4),
        _c("freight", BOOL, "freight trains may run (false: passenger-dedicated, never on an aggregate route)"),
        _c(
            "capacity_trains_per_day",
            FLOAT,
            "loaded aggregate trains per day available in the peak direction",
            positive=True,
            maximum=1e3,
        ),
        SOURCE,
    ),
)

TERMINALS = Layer(
    "terminals",
    "terminals.geojson",
    "Point",
    "Rail loading stations and unloading yards.",
    (
        _c("id", STR, "unique id, prefix t-"),
        *NAMES,
        _c("kind", STR, "what it handles", choices=("loading", "unloading", "both")),
        _c("station", STR, "rail station it sits on", references="rail_stations"),
        PROVINCE,
        _c("capacity_mt_per_yr", FLOAT, "throughput capacity for aggregate, Mt/yr", positive=True, maximum=1e3),
        _c("handling_cost_yuan_per_t", FLOAT, "handling cost per tonne (load or unload)", minimum=0, maximum=1e4),
        _c("handling_hours", FLOAT, "time a tonne spends in the terminal, h", minimum=0, maximum=1e4),
        SOURCE,
    ),
)

ROAD_NODES = Layer(
    "road_nodes",
    "road_nodes.geojson",
    "Point",
    "Road junction towns of the expressway backbone.",
    (_c("id", STR, "unique id, prefix r-"), *NAMES, PROVINCE, SOURCE),
)

ROADS = Layer(
    "roads",
    "roads.geojson",
    "LineString",
    "Road links: expressway backbone between junction towns, and access links from points.",
    (
        _c("id", STR, "unique id of the link"),
        _c("road", STR, "route number (G1, G45, ...) or 'access'"),
        _c("from_node", STR, "id of the node at one end (any point layer)", references="point"),
        _c("to_node", STR, "id of the node at the other end (any point layer)", references="point"),
        _c("kind", STR, "road class", choices=("expressway", "national", "provincial", "access")),
        _c("length_km", FLOAT, "driving distance along the link, km", positive=True, maximum=5e3),
        _c("toll", BOOL, "tolled road"),
        SOURCE,
        _c(
            "oneway",
            INT,
            "direction trucks may drive the link: 0 both ways, 1 only from from_node to to_node, "
            "-1 only from to_node to from_node; empty or column left out: both ways",
            minimum=-1,
            maximum=1,
            required=False,
            omittable=True,
        ),
    ),
)

SWAP_STATIONS = Layer(
    "swap_stations",
    "swap_stations.geojson",
    "Point",
    "Battery-swap stations for battery-electric heavy trucks.",
    (
        _c("id", STR, "unique id, prefix s-"),
        *NAMES,
        _c("road_node", STR, "road node it is reached from", references="point"),
        PROVINCE,
        _c("capacity_swaps_per_day", FLOAT, "swaps per day it can serve", positive=True, maximum=1e5),
        SOURCE,
    ),
)

CALIBRATION_ROAD = Layer(
    "calibration_road",
    "calibration_road.csv",
    None,
    "Reference road distances (navigation km) used to calibrate the road layer.",
    (
        _c("origin", STR, "id of the origin point", references="point"),
        _c("destination", STR, "id of the destination point", references="point"),
        _c("reference_km", FLOAT, "reference road distance, km", positive=True, maximum=2e4),
        SOURCE,
    ),
    id_column=None,
    optional=True,
)

ACCESS_RULES = Layer(
    "access_rules",
    "access_rules.csv",
    None,
    "City access rules: when and which trucks may deliver into a truck-restriction zone (FACTS §4.3). "
    "A zone's rules also bind the zones nested inside it; a zone or truck type with no rule is open at all hours.",
    (
        _c("zone", STR, "truck-restriction zone the rule applies to", choices_from="zone_names"),
        _c("truck", STR, "truck type the rule applies to", choices=TRUCKS),
        _c(
            "window",
            STR,
            "local hours the truck may drive and deliver in the zone, HH:MM-HH:MM (an end before the start runs "
            "past midnight; 00:00-24:00 any time), or closed",
        ),
        _c(
            "min_standard",
            STR,
            "oldest emission standard admitted (any: every truck of the type, e.g. battery-electric)",
            choices=(ANY_STANDARD, *EMISSION_STANDARDS),
        ),
        SOURCE,
        _c("note", STR, "what the rule says and how sure it is", required=False),
    ),
    id_column=None,
    optional=True,
)

QUARRIES = Layer(
    "quarries",
    "quarries.geojson",
    "Point",
    "Natural sand and gravel quarry regions (the mines of one or more counties at one point).",
    (
        _c("id", STR, "unique id, prefix q-"),
        *NAMES,
        _c("city", STR, "prefecture-level city (any: quarries need not lie in a supply city)"),
        _c("county", STR, "county or district (or several, separated by ';')"),
        PROVINCE,
        _c("capacity_mt_per_yr", FLOAT, "design capacity in capacity_year, Mt/yr", minimum=0, maximum=1e3),
        _c("capacity_year", INT, "year the capacity refers to", minimum=1990, maximum=2100),
        _c("price_sand_yuan_per_t", FLOAT, "ex-quarry price of sand, yuan/t", positive=True, maximum=1e4),
        _c("price_coarse_yuan_per_t", FLOAT, "ex-quarry price of coarse aggregate, yuan/t", positive=True, maximum=1e4),
        SOURCE,
    ),
    optional=True,
)

QUARRY_YEARS = Layer(
    "quarry_years",
    "quarry_years.csv",
    None,
    "Capacity of a quarry in a year (as quarries close); years not listed follow natural.closure_rate_per_yr.",
    (
        _c("quarry_id", STR, "id of the quarry", references="quarries"),
        _c("year", INT, "calendar year", minimum=1990, maximum=2100),
        _c("capacity_mt_per_yr", FLOAT, "design capacity in that year, Mt/yr", minimum=0, maximum=1e3),
        SOURCE,
    ),
    id_column=None,
    optional=True,
)

LAYERS: tuple[Layer, ...] = (
    BASES,
    BASE_LEVELS,
    DEMAND,
    DEMAND_YEARS,
    RAIL_STATIONS,
    RAIL_SEGMENTS,
    TERMINALS,
    ROAD_NODES,
    ROADS,
    SWAP_STATIONS,
    CALIBRATION_ROAD,
    ACCESS_RULES,
    QUARRIES,
    QUARRY_YEARS,
)

POINT_LAYERS = ("bases", "demand", "terminals", "road_nodes", "swap_stations", "rail_stations", "quarries")


REGION_KEYS = {"zone_names": "zones"}  # a column's choices_from -> the region.yaml key that lists them


def _rule(column: Column) -> str:
    parts = []
    if column.positive:
        parts.append("> 0")
    if column.minimum is not None:
        parts.append(f">= {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"<= {column.maximum:g}")
    if column.choices:
        parts.append("one of " + ", ".join(column.choices))
    if column.choices_from == "products":
        parts.append(f"one of region.yaml `products` (default: {', '.join(PRODUCTS)})")
    elif column.choices_from:
        parts.append(f"one of region.yaml `{REGION_KEYS.get(column.choices_from, column.choices_from)}` (if listed)")
    if column.omittable:
        parts.append("column may be left out")
    if column.references:
        parts.append("id in any point layer" if column.references == "point" else f"id in {column.references}")
    return "; ".join(parts)


def markdown() -> str:
    """The data model as Markdown: one table per layer (the README's "Data model" section is this text)."""
    blocks = []
    for layer in LAYERS:
        shape = f", {layer.geometry}" if layer.geometry else ""
        optional = " (optional)" if layer.optional else ""
        rows = [f"| {c.name} | {c.kind} | {c.description} | {_rule(c)} |" for c in layer.columns]
        head = f"**`{layer.filename}`**{optional}{shape}: {layer.description}"
        blocks.append("\n".join([head, "", "| column | type | meaning | rule |", "|---|---|---|---|", *rows]))
    return "\n\n".join(blocks) + "\n"
