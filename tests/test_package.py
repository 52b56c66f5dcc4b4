"""The installable package: a wheel built from this checkout, installed into a fresh virtual environment
outside it, runs a simulation and a sweep (submitit_local launcher) from an unrelated folder.

Offline and quick: the wheel is built without build isolation (setuptools from the running environment),
and the new environment reaches the dependencies through a .pth file naming the running environment's
site-packages. Directories listed in a .pth file are only added to sys.path (their own .pth files are not
processed), so an editable install of Bridges there stays inactive: the child can only import the wheel."""

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bridges.sweep import RUNS, TABLE, is_complete
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # builds a wheel and installs it into a new virtual environment

LEFT_OUT = shutil.ignore_patterns(".venv", ".git", "outputs", "build", "*.egg-info", "mutants", "__pycache__",
                                  ".pytest_cache", ".hypothesis", "node_modules", ".submitit")


def run(*argv, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    source = shutil.copytree(ROOT, tmp_path / "source", ignore=LEFT_OUT)  # the build writes build/ and egg-info
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
        "--wheel-dir", tmp_path / "dist", source, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("bridges-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    child_site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path)
                      .stdout.strip())
    (child_site / "bridges_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel,
        cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    where = run(python, "-c", "import bridges.cli, bridges.model, bridges.conf, bridges.compare; "
                "print(bridges.model.__file__); print(bridges.conf.__file__)", cwd=elsewhere, env=env).stdout.split()
    assert all(Path(path).is_relative_to(child_site / "bridges") for path in where), where

    single = run(venv / "bin" / "bridges", "city.n_agents=300", "steps=2", "run.progress=off", "run.output_dir=one",
                 cwd=elsewhere, env=env)
    assert "wrote one" in single.stdout
    assert len(pd.read_csv(elsewhere / "one" / "timeseries.csv")) > 0

    sweep = run(venv / "bin" / "bridges", "-m", "city.n_agents=300", "steps=2", "seed=0,1",
                "hydra/launcher=submitit_local", "run.output_dir=sweep", cwd=elsewhere, env=env)
    assert "launching 2 with submitit_local" in sweep.stdout, sweep.stdout
    runs = list((elsewhere / "sweep" / RUNS).iterdir())
    assert len(runs) == 2 and all(is_complete(folder, folder.name) for folder in runs)
    assert pd.read_csv(elsewhere / "sweep" / TABLE).run.nunique() == 2

    # a wheel user follows docs/scenarios.md and docs/calibration.md: examples, own scenarios, the dashboard's app
    assert "bridges scenario=co_creation" in run(venv / "bin" / "bridges", "--help", cwd=elsewhere, env=env).stdout
    copied = run(venv / "bin" / "bridges", "examples", cwd=elsewhere, env=env).stdout
    assert "calibration/data/germany_synthetic.csv" in copied and "scenario_template.yaml" in copied
    (elsewhere / "mine" / "scenario").mkdir(parents=True)
    shutil.copy(elsewhere / "scenario_template.yaml", elsewhere / "mine" / "scenario" / "my_mix.yaml")
    checked = run(venv / "bin" / "bridges", "--config-dir", "mine", "scenario=my_mix", "--cfg", cwd=elsewhere, env=env)
    assert "scenario_name: my_mix" in checked.stdout
    as_file = run(venv / "bin" / "bridges", "scenario=scenario_template.yaml", "city.n_agents=300", "steps=20",
                  "run.progress=off", "run.output_dir=mine_run", cwd=elsewhere, env=env)
    assert "wrote mine_run" in as_file.stdout
    app = child_site / "bridges" / "app.py"
    assert app.is_file() and not app.is_symlink() and "SolaraViz" in app.read_text()
