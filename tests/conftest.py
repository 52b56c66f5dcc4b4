"""Shared helpers: composed parameters for small cities, and running run.py."""

import subprocess
import sys
from pathlib import Path

import pytest

from bridges.model.config import compose_config, model_params, to_plain

ROOT = Path(__file__).resolve().parents[1]
SMALL_CITY = ["city.n_agents=600", "city.n_neighbourhoods=6", "steps=8"]


def params_for(*overrides: str):
    """Validated Params for the default config with these overrides."""
    return model_params(to_plain(compose_config(list(overrides))))


@pytest.fixture
def small_params():
    return params_for(*SMALL_CITY)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `python run.py ARGS` as a user would; returns the completed process."""
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
