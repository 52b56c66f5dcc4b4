"""How the user runs Bridges, for every message that shows a command: `python run.py` in a checkout,
`bridges` once installed (a wheel has no run.py)."""

import sys
from pathlib import Path

CHECKOUT = "python run.py"
INSTALLED = "bridges"


def command() -> str:
    """The command this process was started as: `python run.py` (a checkout's run.py) or `bridges`."""
    return CHECKOUT if Path(sys.argv[0]).name == "run.py" else INSTALLED


def command_beside(module_file: str) -> str:
    """The command for a module served by another program (the dashboard's app.py under Solara): `python
    run.py` when the module sits, links resolved, beside a checkout's run.py, else `bridges`."""
    return CHECKOUT if (Path(module_file).resolve().parent / "run.py").is_file() else INSTALLED
