"""Region data: the schema of a region folder, reading and validating it, places, sites and OSM roads.

``schema`` describes every layer; ``reading.read_region`` is the way in; ``region`` holds the
types (:class:`~aggregates.data.region.Region`, :class:`~aggregates.data.region.RegionMeta`);
``sites`` reads construction sites; ``osm`` builds a road layer from OpenStreetMap.
"""
