"""`bridges dashboard`: the browser dashboard (app.py, Mesa SolaraViz), from a checkout or an installed wheel.

    bridges dashboard                           # http://127.0.0.1:8765
    bridges dashboard --host 0.0.0.0 --port 9000

Solara runs without telemetry or a version check, so the dashboard works with no internet (as `make dashboard`).
"""

import os
import sys
from pathlib import Path

from bridges.extras import require
from bridges.model.errors import InputError

APP = Path(__file__).with_name("app.py")
"""The dashboard: a link to the checkout's app.py, copied into the wheel."""
SOLARA_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def solara_command(args: list[str]) -> list[str]:
    """The `solara run` command line for `bridges dashboard [--host HOST] [--port PORT]`."""
    options = {"--host": "127.0.0.1", "--port": "8765"}
    items = iter(args)
    for arg in items:
        name, _, value = arg.partition("=")
        if name not in options:
            raise InputError(f"dashboard: unknown option {arg!r} (--host HOST, --port PORT)")
        value = value or next(items, "")
        if not value:
            raise InputError(f"dashboard {name}: needs a value")
        options[name] = value
    if not options["--port"].isdigit() or not 0 < int(options["--port"]) < 65536:
        raise InputError(f"dashboard --port: must be a port number from 1 to 65535, got {options['--port']!r}")
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", options["--host"], "--port", options["--port"],
            "--production", "--no-open", "--no-check-version"]


def serve(args: list[str]) -> None:
    """Replace this process with the Solara server of the dashboard (Ctrl-C stops it)."""
    command = solara_command(args)
    require("dashboard", "bridges dashboard")
    print(f"Bridges dashboard: http://{command[6]}:{command[8]} (Ctrl-C stops it)", flush=True)
    os.execve(command[0], command, {**os.environ, **SOLARA_ENV})
