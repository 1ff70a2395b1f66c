"""Reporting settings of a scenario: outputs (map, charts, report), the coverage question, fleet sizing."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from aggregates.config.base import Strict
from aggregates.vocab import Nearness


class Outputs(Strict):
    """What ``aggregates optimize`` writes besides the plan's tables: map, charts, report."""

    lang: Literal["zh", "en"] = Field(
        "zh", description="language of map, charts and report (zh adds English in popups)"
    )
    basemap: Literal["none", "osm", "tianditu", "gaode"] = Field(
        "none", description="map background: none works with no network at all"
    )
    offline: bool | None = Field(None, description="embed map scripts and styles; default: unless basemap osm")
    tianditu_key: str | None = Field(None, description="Tianditu API key (or the TIANDITU_KEY environment variable)")
    year: int | None = Field(None, description="year the map shows; default: the first year with a target")
    maps_dir: Path | None = Field(
        Path("maps"), description="also write the map as <maps_dir>/<name>.html (relative to the working folder)"
    )
    charts: bool = Field(True, description="write charts/*.html (sharing charts/vega.js)")
    png: bool = Field(False, description="also draw the charts as charts/*.png (about 1 s more)")
    report: bool = Field(True, description="write report.html (KPIs, charts, map, tables)")


class Fleet(Strict):
    """Fleet and operations sizing from a plan (README, "Fleet and operations sizing").

    Train size and days a year come from ``rail`` (``net_t_per_train``, ``operating_days``, ``speed_kmh``),
    truck payloads, range, swap time and days a year from ``trucks``.
    """

    wagons_per_train: int = Field(50, ge=1, description="flat wagons per aggregate train [FACTS §7, S10-S12]")
    containers_per_wagon: int = Field(2, ge=1, description="open-top boxes per wagon [FACTS §7: 50 x 2 = 100]")
    train_loading_hours: float = Field(6.0, gt=0, description="to load a whole train [FACTS §7: < 6 h, S70]")
    train_unloading_hours: float = Field(
        6.0, gt=0, description="to unload a whole train [assumed: as loading; gantry lifts, FACTS §3.2]"
    )
    terminal_dwell_hours: float = Field(
        12.0, ge=0, description="waiting, shunting and inspection per round trip, both ends together [assumed]"
    )
    yard_hours_per_day: float = Field(
        20.0, gt=0, le=24, description="hours a day a loading or unloading track works [assumed]"
    )
    box_staging_hours: float = Field(
        12.0, ge=0, description="hours a box waits in a yard between truck and train, per truck end [assumed]"
    )
    wagon_spare: float = Field(0.10, ge=0, description="wagons held in reserve and repair, share [assumed]")
    container_spare: float = Field(0.10, ge=0, description="boxes held in reserve and repair, share [assumed]")
    truck_speed_loaded_kmh: float = Field(
        50.0, gt=0, description="door-to-door average, loaded [assumed; network speeds 65/45/40/30 by road class]"
    )
    truck_speed_empty_kmh: float = Field(60.0, gt=0, description="door-to-door average, empty [assumed]")
    truck_load_minutes: float = Field(
        30.0, ge=0, description="loading a truck, queue included (loader or gantry lift) [assumed]"
    )
    truck_unload_minutes: float = Field(
        30.0, ge=0, description="unloading a truck, queue included (tipping or gantry lift) [assumed]"
    )
    shift_hours: float = Field(8.0, gt=0, le=24, description="driver shift [assumed]")
    shifts_per_day: float = Field(2.0, gt=0, le=3, description="shifts a truck works a day [assumed]")
    truck_availability: float = Field(
        0.85, gt=0, le=1, description="share of trucks not in maintenance or repair [assumed]"
    )
    driver_days_per_year: float = Field(
        250.0, gt=0, le=366, description="shifts a driver works a year: 5-day week less holidays [assumed]"
    )

    @model_validator(mode="after")
    def _shifts_fit(self) -> Fleet:
        if self.shift_hours * self.shifts_per_day > 24:
            raise ValueError(
                f"shift_hours x shifts_per_day must be <= 24, got {self.shift_hours:g} x {self.shifts_per_day:g}"
            )
        return self


class CoverageCheck(Strict):
    """The rule ``aggregates coverage`` answers with (a question asked of a plan, not a model constraint).

    A site is covered when at least ``share`` of its tonnage can come from bases whose route to it is
    within ``within_km`` route km (road + rail) or within ``within_hours`` door-to-door hours.
    """

    share: float = Field(0.9, gt=0, le=1, description="least share of the site's tonnage from near bases")
    within_km: float | None = Field(300.0, gt=0, description="route km (road + rail) from the base; null: no km limit")
    within_hours: float | None = Field(8.0, gt=0, description="door-to-door hours from the base; null: no hour limit")
    max_snap_km: float = Field(30.0, gt=0, description="farthest a site may be from a road junction of the network")

    @model_validator(mode="after")
    def _limit(self) -> CoverageCheck:
        if self.within_km is None and self.within_hours is None:
            raise ValueError("set within_km or within_hours (or both)")
        return self

    @property
    def nearness(self) -> Nearness:
        """Which routes count as near: the one nearness rule of :class:`aggregates.vocab.Nearness`."""
        return Nearness(self.within_km, self.within_hours)
