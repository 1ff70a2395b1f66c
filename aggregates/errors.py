"""The exception family. Every error a user can cause is an AggregatesError.

The CLI turns these into a message and an exit code without a traceback:
input errors exit 2, infeasible or unsolved plans exit 3.
"""

from __future__ import annotations

from collections.abc import Iterable


class AggregatesError(Exception):
    """Base class of all errors a user can cause or fix."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(AggregatesError):
    """Bad input: a config or data file that is wrong."""


class ConfigError(InputError):
    """A scenario config that is missing, malformed or out of range."""


class RegionError(InputError):
    """A region folder whose files are missing, malformed or inconsistent."""


class OutputError(InputError):
    """An output that cannot be written: the path, the operating system's reason, and what was kept.

    Attributes
    ----------
    path
        The file or folder as the user named it, e.g. ``runs/x/plan.gpkg``.
    reason
        Why, in the operating system's words, e.g. ``no space left on device``.
    note
        What happened to the previous output, e.g. ``runs/x left as it was``.
    """

    def __init__(self, path: str, reason: str, note: str = ""):
        super().__init__(f"{path}: {reason}" + (f"; {note}" if note else ""))
        self.path, self.reason, self.note = str(path), reason, note

    def __reduce__(self):
        # Sent back from worker processes: rebuild from the parts, not from the message.
        return type(self), (self.path, self.reason, self.note)


class NetworkError(AggregatesError):
    """The network cannot serve a request (unknown place, no route)."""


class InfeasibleError(AggregatesError):
    """A plan that cannot be made, with the reasons in numbers."""

    exit_code = 3


class SolverError(AggregatesError):
    """The solver ended without an answer: its process was killed (the system out of memory, for one) or crashed."""

    exit_code = 3


def problems_error(cls: type[InputError], header: str, problems: Iterable[str]) -> InputError:
    """Build one error listing every problem found, one per line.

    Parameters
    ----------
    cls
        The error class to instantiate.
    header
        First line, e.g. ``"region 'geodata/x' has 3 problems:"``.
    problems
        One line per problem, each naming file, row and field.
    """
    lines = list(problems)
    return cls("\n".join([header, *(f"  - {p}" for p in lines)]))
