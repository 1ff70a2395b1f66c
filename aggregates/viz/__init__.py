"""What a person looks at: interactive maps, charts and the one-page report of a plan.

* :mod:`.maps`: the supply map of a run, several runs side by side, the coverage map;
* :mod:`.charts`: the charts of a plan, of a scenario comparison and of trade-off sweeps;
* :mod:`.report`: one self-contained HTML page with KPIs, charts, the map and tables;
* :mod:`.publish`: what a run folder gets (both map languages, charts, report) and copies to ``maps/``.

Shared by them: :mod:`.layers` (where things are: :class:`~aggregates.viz.layers.MapLayers`, and the
:class:`~aggregates.viz.layers.Drawable` protocol a :class:`aggregates.Result` satisfies),
:mod:`.corridors` (flows summed along shared roads and rail), :mod:`.labels` (words in Chinese and
English; chains, products and KPIs named as in :mod:`aggregates.vocab`), :mod:`.fmt` (numbers as
each language writes them) and :mod:`.gcj02` (coordinates for Gaode's basemap).

Drawing reads plans and layers only: viz imports analysis, plan, network, data, config, files,
vocab and errors, never io, pipeline, sweep or cli.
"""
