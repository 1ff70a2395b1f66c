"""``aggregates`` and ``python -m aggregates``: start the command line, Ctrl-C included.

The command modules import geopandas, folium and OR-Tools (about 2 s); an interrupt then is
answered like one during a command: one line, exit 130, nothing written.
"""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> None:
    """Entry point of the console script."""
    try:
        from aggregates.cli import app  # noqa: PLC0415 (deferred so Ctrl-C while importing is answered)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: stopped while starting; nothing was written\n")
        sys.exit(INTERRUPTED)
    app()


if __name__ == "__main__":
    main()
