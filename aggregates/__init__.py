"""aggregates: supply planning for tailings and waste-rock aggregate in Jing-Jin-Ji."""

__version__ = "0.1.0"
