"""The multimodal network of a region and the route options on it.

``graph.build_network`` makes one NODUS-style graph (road layers per truck type, rail, transfers);
``routes.route_options`` finds the best route of every chain for every base and demand node, as a
typed :class:`~aggregates.network.options.RouteOptions` that also accounts for emissions by leg.
"""
