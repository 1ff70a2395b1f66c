"""``aggregates`` and ``python -m aggregates``: start the command line, Ctrl-C included.

The command modules import geopandas, folium and OR-Tools (about 2 s). A Ctrl-C, SIGTERM or SIGHUP
then is not raised as ``KeyboardInterrupt``: raised inside an extension module's import (protobuf's,
for one) it would be printed as a traceback and swallowed. Nothing has been written yet, so the
process says so in one line and ends at once with exit 130.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130


def _stop_while_starting(_signum, _frame) -> None:
    sys.stderr.write("interrupted: stopped while starting; nothing was written\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED)  # nothing to clean up: no output has been started


def main() -> None:
    """Entry point of the console script."""
    signals = [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    watched = [s for s in signals if signal.getsignal(s) is not signal.SIG_IGN]
    before = {s: signal.signal(s, _stop_while_starting) for s in watched}
    try:
        from aggregates.cli import app  # noqa: PLC0415 (deferred so a signal while importing is answered)
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    app()


if __name__ == "__main__":
    main()
