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
==========================  ===========  ============================================

Ids are unique across all point layers (bases, demand nodes, terminals, road
nodes, swap stations, rail stations), so that a road link may join any two of them.
By convention they carry a prefix: ``b-`` bases, ``d-`` demand, ``t-`` terminals,
``r-`` road nodes, ``s-`` swap stations, ``st-`` rail stations.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregates.vocab import DEMAND_PATHS, PRODUCTS

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


def _c(name: str, kind: str, description: str, **kw) -> Column:
    return Column(name, kind, description, **kw)


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
)

POINT_LAYERS = ("bases", "demand", "terminals", "road_nodes", "swap_stations", "rail_stations")


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
