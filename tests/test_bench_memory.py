"""benchmarks/bench_memory.py labels a run's resident set by what runs (its numbers are the machine's: not tested)."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow  # a run through the command line in a process of its own
def test_bench_memory_labels_the_weeks_phases_and_the_writers(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_memory.py"), "city.n_agents=300", "steps=2",
                           "run.plots=off", "run.progress=off", f"run.output_dir={tmp_path / 'run'}", "--top", "1000"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    labels = [line.rsplit(None, 2)[0] for line in done.stdout.split("label")[-1].splitlines()[1:] if line.strip()]
    # the contact history's 13 weeks, then the run's 2: the first week's meeting phase and the last week's records
    assert {"week 1, meet", "week 15, record", "write_agents", "headline", "between"} <= set(labels)
    assert "week 16, meet" not in labels and (tmp_path / "run" / "agents.parquet").exists()
