"""Optional parts of Bridges and the extra that installs each: a command that needs a missing one stops
with one line naming it (exit code 2), not an ImportError traceback."""

import importlib.util

from bridges.model.errors import InputError

EXTRAS = {
    "calibration": ("pyabc", "pyreadstat", "distributed"),
    "dashboard": ("solara", "ipyvuetify", "altair"),
    "cluster": ("hydra_plugins.hydra_submitit_launcher",),
    "design": ("optuna", "ema_workbench"),
}
"""Each extra of pyproject.toml and modules it installs (checked without importing them)."""


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def require(extra: str, what: str) -> None:
    """InputError naming `extra` if any module it installs is missing; `what` says what needs it."""
    missing = [module for module in EXTRAS[extra] if not installed(module)]
    if missing:
        raise InputError(f"{what} needs the '{extra}' extra ({missing[0]} is not installed): "
                         f"pip install 'bridges[{extra}]'")
