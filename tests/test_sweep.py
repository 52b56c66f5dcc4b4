"""Sweeps (`run.py -m ...`, Hydra multirun): every point checked before launching, resumable after a kill,
identical configurations computed once, and `aggregate` gathering the runs into one tidy table."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bridges.outputs import STAGING_PREFIX
from bridges.sweep import (MANIFEST, MARKER, RUNS, TABLE, is_complete, mean_interval, read_outcomes, run_points,
                           sweep_figure)
from tests.conftest import ROOT
from tests.inprocess import assert_clean_rejection, run_main

TINY = ["city.n_agents=300", "steps=2", "run.progress=off"]
SERIAL = ["hydra/launcher=basic"]
"""In-process, one run after another: the fastest launcher for tests that are not about launchers."""


def complete_runs(sweep: Path) -> list[Path]:
    return sorted(folder for folder in (sweep / RUNS).iterdir() if is_complete(folder, folder.name))


def assert_no_corrupt_file(sweep: Path) -> None:
    """Every run folder complete (marker naming its own hash) and every table in it readable."""
    for folder in (sweep / RUNS).iterdir():
        assert is_complete(folder, folder.name), folder
        pd.read_csv(folder / "timeseries.csv")
        for name in ("agents", "survey", "timeseries"):
            pd.read_parquet(folder / f"{name}.parquet")
    assert not [path for path in sweep.rglob(f"{STAGING_PREFIX}*")]


@pytest.mark.slow  # a whole multi-run sweep and its aggregate, end to end
def test_sweep_runs_every_point_once_and_aggregates(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    result = run_main(capsys, tmp_path, "-m", *TINY, "city.arriving_share=0.1,0.2", "scenario=baseline,volunteering",
                      *SERIAL, f"run.output_dir={sweep}")
    assert result.code == 0, result.stderr
    runs = complete_runs(sweep)
    assert len(runs) == 4
    table = pd.read_csv(sweep / TABLE)
    outcomes = {(group, name) for group, figures in read_outcomes(runs[0]).items() for name in figures}
    assert len(table) == 4 * len(outcomes)
    assert not table.duplicated(["run", "group", "outcome"]).any()
    assert {"city.arriving_share", "scenario"} <= set(table.columns)
    swept = table.drop_duplicates("run")[["city.arriving_share", "scenario"]]
    assert sorted(map(tuple, swept.values.tolist())) == [(0.1, "baseline"), (0.1, "volunteering"),
                                                          (0.2, "baseline"), (0.2, "volunteering")]
    assert sorted(p.name for p in (sweep / "plots").glob("*.png")) == [
        "attitude_end.png", "outgroup_friend_share.png", "trust_end.png", "weekly_contact_share.png"]

    # a run of the sweep is the same run as the single command with the same overrides
    single = tmp_path / "single"
    assert run_main(capsys, tmp_path, *TINY, "city.arriving_share=0.2", "scenario=volunteering",
                    f"run.output_dir={single}").code == 0
    marker = next(json.loads((run / MARKER).read_text()) for run in runs
                  if json.loads((run / MARKER).read_text())["parameters"] == {
                      "city.n_agents": 300, "steps": 2, "city.arriving_share": 0.2, "scenario": "volunteering"})
    run = sweep / RUNS / marker["config_hash"]
    assert (run / "timeseries.csv").read_bytes() == (single / "timeseries.csv").read_bytes()

    # the aggregate command rebuilds the same table; rerunning the sweep computes nothing
    (sweep / TABLE).unlink()
    assert run_main(capsys, tmp_path, "aggregate", str(sweep)).code == 0
    pd.testing.assert_frame_equal(pd.read_csv(sweep / TABLE), table)
    before = {run.name: (run / MARKER).stat().st_mtime_ns for run in runs}
    again = run_main(capsys, tmp_path, "-m", *TINY, "city.arriving_share=0.1,0.2", "scenario=baseline,volunteering",
                     *SERIAL, f"run.output_dir={sweep}")
    assert again.code == 0 and "4 already complete; launching 0" in again.stdout
    assert {run.name: (run / MARKER).stat().st_mtime_ns for run in complete_runs(sweep)} == before


def test_identical_configurations_are_computed_once(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    result = run_main(capsys, tmp_path, "-m", *TINY, "seed=3,3", "scenario=baseline", *SERIAL,
                      f"run.output_dir={sweep}")
    assert result.code == 0 and "2 points, 1 distinct runs" in result.stdout, result.stdout
    # the default scenario spelled out, or not: the same configuration, the same folder
    folders = run_points([["city.n_agents=300", "steps=2"], ["steps=2", "city.n_agents=300", "scenario=baseline"]],
                         tmp_path / "points", launcher="basic")
    assert folders[0] == folders[1] and len(complete_runs(tmp_path / "points")) == 1


@pytest.mark.parametrize(("argv", "names"), [
    (["city.arriving_share=0.1,abc"], "city.arriving_share"),
    (["city.arriving_share=0.1,2"], "city.arriving_share"),
    (["city.nope=1,2"], "city.nope"),
    (["scenario=baseline,nope"], "scenario"),
    (["city.arriving_share=interval(0,1)"], "interval(0,1)"),
    (["hydra.run.dir=elsewhere"], "hydra.run.dir"),
    (["hydra/launcher=nope"], "hydra/launcher"),
    (["hydra/launcher=joblib,basic"], "hydra/launcher"),
    (["hydra.launcher.n_jobs=many"], "hydra.launcher.n_jobs"),
    (["hydra.launcher.nope=1"], "hydra.launcher.nope"),
    (["run.output_dir=a,b"], "run.output_dir"),
    (["--config-name", "compare", "seed=1,2"], "--config-name compare"),
    (["--cfg"], "-m"),
])
def test_bad_sweeps_are_one_line_and_write_nothing(tmp_path, capsys, argv, names):
    """Every point is composed and validated before anything is launched."""
    result = run_main(capsys, tmp_path, "-m", *TINY, *argv)
    assert_clean_rejection(result, names, tmp_path)


def test_a_bad_network_file_is_found_before_launching(tmp_path, capsys):
    """A run reads a user network before anything else; a sweep reads each distinct one before launching."""
    (tmp_path / "bad.graphml").write_text("<graphml>broken")
    before = set(tmp_path.rglob("*"))
    custom = [arg for arg in TINY if not arg.startswith("city.")]  # the file gives the residents
    result = run_main(capsys, tmp_path, "-m", *custom, "seed=1,2", "city.custom.graphml=bad.graphml", *SERIAL)
    assert_clean_rejection(result, "bad.graphml", tmp_path, before)


def test_aggregate_needs_a_sweep_folder(tmp_path, capsys):
    (tmp_path / "other").mkdir()
    for argv in (["aggregate"], ["aggregate", str(tmp_path / "other")], ["aggregate", "a", "b"]):
        assert_clean_rejection(run_main(capsys, tmp_path, *argv), "aggregate" if len(argv) != 2 else "other",
                               tmp_path, {tmp_path / "other"})


@pytest.mark.slow  # SIGKILL to a real sweep process and its joblib workers, then the resume
def test_sweep_killed_mid_way_resumes_with_every_run_once(tmp_path, capsys):
    """SIGKILL to the sweep and its workers after the first run is complete; the same command again
    skips that run, redoes the rest, and leaves each run once, complete, with no staging folder."""
    sweep = tmp_path / "sweep"
    argv = ["-m", *TINY, "seed=0,1,2,3", "hydra.launcher.n_jobs=1", f"run.output_dir={sweep}"]
    process = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *argv], cwd=tmp_path, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 240  # a guard against a hung child, not a speed requirement
    while not ((sweep / RUNS).is_dir() and complete_runs(sweep)) and process.poll() is None:
        assert time.monotonic() < deadline, "no run completed"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    survived = {run.name: (run / MARKER).read_bytes() for run in complete_runs(sweep)}
    assert 1 <= len(survived) < 4

    result = run_main(capsys, tmp_path, *argv)
    assert result.code == 0, result.stderr
    assert f"{len(survived)} already complete; launching {4 - len(survived)}" in result.stdout
    runs = complete_runs(sweep)
    assert len(runs) == len(list((sweep / RUNS).iterdir())) == 4
    assert {run.name: (run / MARKER).read_bytes() for run in runs if run.name in survived} == survived
    assert_no_corrupt_file(sweep)
    manifest = json.loads((sweep / MANIFEST).read_text())
    assert sorted(point["config_hash"] for point in manifest["points"]) == [run.name for run in runs]
    table = pd.read_csv(sweep / TABLE)
    assert table.run.nunique() == 4 and not table.duplicated(["run", "group", "outcome"]).any()
    assert len(table) == 4 * table.groupby(["group", "outcome"]).ngroups


def test_sweep_plots_the_mean_over_seeds_with_its_interval():
    """Runs that differ only by their seed give one point per value with its 95% t-interval shaded."""
    values = {0.1: [50.0, 52.0, 57.0], 0.2: [60.0, 61.0, 62.0]}
    table = pd.DataFrame([{"run": f"{share}-{seed}", "city.arriving_share": share, "seed": seed, "group": "receiving",
                           "outcome": "attitude_end", "value": value}
                          for share, runs in values.items() for seed, value in enumerate(runs)])
    axis = sweep_figure(table, ["city.arriving_share", "seed"], "attitude_end").axes[0]
    (line,) = axis.get_lines()
    assert line.get_ydata().tolist() == pytest.approx([53.0, 61.0])
    (band,) = axis.collections[:1]
    corners = band.get_paths()[0].vertices
    at_first = corners[corners[:, 0] == 0.1][:, 1]  # the band's edges above the first value
    low, high = at_first.min(), at_first.max()
    half = stats.t.ppf(0.975, 2) * np.std(values[0.1], ddof=1) / np.sqrt(3)
    assert (low, high) == pytest.approx((53.0 - half, 53.0 + half))
    assert mean_interval([4.0]) == (4.0, 4.0, 4.0)  # one run: no interval to draw
    seeds_only = sweep_figure(table[table["city.arriving_share"] == 0.2], ["city.arriving_share", "seed"],
                              "attitude_end").axes[0]
    assert len(seeds_only.patches) == 1  # the interval across the panel


@pytest.mark.slow  # a multi-run sweep
def test_a_sweep_shows_one_bar_over_all_its_runs_and_a_line_per_run(tmp_path, capsys):
    folders = run_points([["city.n_agents=300", "steps=2", f"seed={seed}"] for seed in (0, 1)], tmp_path / "sweep",
                         launcher="basic", progress="on")
    captured = capsys.readouterr()
    assert "sweep runs" in captured.err and "2/2" in captured.err
    for folder in folders:
        assert f"run complete: {folder.name} (" in captured.out
