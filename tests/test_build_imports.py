"""A plain run with its plots off loads neither matplotlib (nor PIL) nor the statistics and plots of comparisons,
validation and calibration (issue 27: a million-resident `run.py` paid ~1 s of its start for them); the commands
that need them still load them when called."""

import subprocess
import sys

UNNEEDED = ("matplotlib", "PIL", "scipy.stats", "joblib", "bridges.scenarios.compare", "bridges.scenarios.validate",
            "bridges.calibration.parameters")

LOADED = """
import sys
from bridges.start import main
code = main({argv!r})
print(code, sorted(name for name in {unneeded!r} if name in sys.modules))
"""


def loaded_after(argv: list[str]) -> str:
    """The exit code and which of UNNEEDED are loaded after the command `argv` ran in a fresh interpreter."""
    script = LOADED.format(argv=argv, unneeded=UNNEEDED)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()[-1]


def test_a_plain_run_without_plots_loads_no_plotting_or_statistics(tmp_path):
    folder = tmp_path / "run"
    argv = ["city.n_agents=300", "steps=1", "run.plots=off", "run.progress=off", f"run.output_dir={folder}"]
    assert loaded_after(argv) == "0 []"
    assert (folder / "agents.parquet").exists()


def test_a_run_with_plots_loads_matplotlib_when_it_draws(tmp_path):
    folder = tmp_path / "run"
    argv = ["city.n_agents=300", "steps=1", "run.progress=off", f"run.output_dir={folder}"]
    code, loaded = loaded_after(argv).split(" ", 1)
    assert code == "0" and "'matplotlib'" in loaded
    assert (folder / "attitude_by_group.png").exists() and (folder / "city_network.png").exists()
