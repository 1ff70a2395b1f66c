"""The ``aggregates`` command line: thin shells over the public API, one module per command group.

Every command turns the project's errors into a message on stderr and an exit code
(2 bad input, 3 no plan), never a traceback.
"""

from aggregates.cli import inspect, optimize, compare, tradeoffs, risk, coverage, region, dispatch, serve, users  # noqa: I001 (the order of --help)
from aggregates.cli.app import app

COMMAND_GROUPS = (
    inspect,
    optimize,
    compare,
    tradeoffs,
    risk,
    coverage,
    region,
    dispatch,
    serve,
    users,
)  # importing each registers its commands


__all__ = ["COMMAND_GROUPS", "app"]
