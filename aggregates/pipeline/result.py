"""The :class:`Result` of a solve: the plan, what it was made from, and where things are on the map.

A Result is a value: :func:`aggregates.solve` returns one and writes nothing. Writing, drawing
and analysis read from it; :func:`read_run` gives the same type back from a run folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.files import atomic_folder, check_keeps_inputs
from aggregates.io.run_folder import read_run_folder, write_plan_files
from aggregates.network.geometry import route_geometries
from aggregates.network.graph import Network
from aggregates.optimize.instance import Instance
from aggregates.plan import Plan
from aggregates.viz.layers import MapLayers, map_layers
from aggregates.viz.publish import map_options, write_visuals


@dataclass(frozen=True, eq=False)
class Result:
    """A solved plan with its inputs.

    Attributes
    ----------
    plan
        The plan: typed per-year figures (``plan.year(2022)``) and tidy tables.
    region, network, instance
        What the plan was made from (``None`` for a result read from a run folder).
    folder
        The run folder it was read from, if any.
    warm_start
        The solver's value of every model variable (``None`` for a result read from a run folder):
        pass it to :func:`aggregates.solve` for a variant of the same model, to start from this plan.
    """

    plan: Plan
    region: Region | None = None
    network: Network | None = None
    instance: Instance | None = None
    folder: Path | None = None
    stored_layers: MapLayers | None = None
    warm_start: np.ndarray | None = field(default=None, repr=False)

    @property
    def scenario(self) -> Scenario:
        """The scenario the plan answers."""
        return self.plan.scenario

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.plan.name

    @cached_property
    def layers(self) -> MapLayers:
        """Where things are: bases and nodes as points, flows along their roads and rail sections,
        and the region's rail sections, terminals, swap stations and boundaries."""
        if self.stored_layers is not None:
            return self.stored_layers
        if self.region is None or self.network is None or self.instance is None:
            raise ValueError("this result has neither map layers nor the network to draw them")
        routes = self.instance.routes.take(self.plan.flows["route"].to_numpy(int))
        return map_layers(self.plan, self.region, route_geometries(self.network, routes.table))

    def write(self, out_dir: str | Path, *, visuals: bool = True) -> Path:
        """Write the run folder, all or nothing: tables, ``kpis.json``, ``scenario.yaml``, ``plan.gpkg``,
        ``plan.xlsx``, and with ``visuals`` the maps, charts and report the scenario's ``outputs`` ask for.

        The files go to a temporary sibling folder that replaces ``out_dir`` only when all are
        written, so a failure leaves an earlier ``out_dir`` as it was. Returns ``out_dir``.

        Raises
        ------
        InputError
            When ``out_dir`` is or holds the scenario's config file or region folder (writing replaces
            ``out_dir`` whole).
        OutputError
            When the folder cannot be written.
        """
        out_dir = Path(out_dir)
        scenario = self.scenario
        check_keeps_inputs(out_dir, [scenario.source_file, scenario.region], option="out_dir")
        with atomic_folder(out_dir) as tmp:
            write_plan_files(self.plan, self.layers, tmp)
            if visuals:
                outputs = self.scenario.outputs
                options = map_options(outputs)
                write_visuals(self, tmp, options, charts=outputs.charts, report=outputs.report, png=outputs.png)
        return out_dir


def read_run(folder: str | Path) -> Result:
    """A run folder written by ``aggregates optimize`` (or :meth:`Result.write`) as a :class:`Result`.

    Raises
    ------
    InputError
        When the folder or one of its files is missing or unreadable, saying which and how
        to make it again.
    """
    plan, layers = read_run_folder(folder)
    return Result(plan, folder=Path(folder), stored_layers=layers)
