"""The benchmark's arithmetic: fitted exponent and the Markdown table (speed itself is never tested)."""

import importlib.util

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks" / "bench_scale.py")
bench_scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_scale)


def record(engine, n, seconds):
    return {"engine": engine, "n_agents": n, "scenario": "baseline", "steps": 52, "build_seconds": 0.1 * seconds,
            "step_seconds": 0.9 * seconds, "seconds": seconds, "cpu_seconds": seconds, "peak_mb": 200.0,
            "load_1min": 1.0}


def test_fitted_exponent_recovers_a_power_law_from_ten_thousand_up():
    records = [record("vectorised", n, 3e-6 * n**1.2) for n in (1_000, 10_000, 100_000, 1_000_000)]
    records[0]["seconds"] = 50.0  # below FIT_FROM: ignored
    assert bench_scale.fitted_exponent(records, "seconds") == pytest.approx(1.2)


def test_markdown_gives_ns_per_resident_week_and_the_engine_ratio():
    table = bench_scale.markdown([record("vectorised", 1_000, 0.52), record("agents", 1_000, 52.0)])
    vectorised_row = next(line for line in table.splitlines() if line.startswith("| vectorised | 1,000 |"))
    assert "| 9000 | 10000 | 100x |" in vectorised_row  # 0.468 s / 52,000 resident-weeks; CPU 52 / 0.52


def test_markdown_lists_many_runs_apart_from_the_whole_commands():
    many = {"engine": "many runs", "n_agents": 2_000, "scenario": "baseline", "steps": 52, "weekly_metrics": False,
            "runs": 30, "cpu_seconds": 0.0447, "build_cpu_seconds": 0.0062, "first_cpu_seconds": 0.2981,
            "load_1min": 0.5}
    table = bench_scale.markdown([record("vectorised", 2_000, 0.2), many])
    assert "| 2,000 | baseline | 52 | survey only | 0.045 | 0.006 | 0.298 | 0.5 |" in table
    assert "### Whole commands" not in table  # a many-runs record is not a whole command


def test_markdown_gives_each_command_line_run_and_their_median():
    runs = [record("command line", 1_000_000, seconds) | {"run": run} for run, seconds in enumerate((31.0, 25.0, 28.0), 1)]
    runs[2]["peak_mb"] = 1_190.0
    table = bench_scale.markdown(runs)
    assert "run folder written (no pictures), run 2 | 25.0 | 2.5 / 22.5 | 25.0 | 200 |  | 1.0 |" in table
    runs[1]["peak_files_mb"] = 61.4  # the sampled peak's mapped files, where /proc gave them
    assert "run 2 | 25.0 | 2.5 / 22.5 | 25.0 | 200 | 61 | 1.0 |" in bench_scale.markdown(runs)
    assert "median 28.0 s wall (fastest 25.0, slowest 31.0), highest peak 1190 MiB" in table


def test_resident_parts_reads_this_process_and_nothing_of_a_gone_one():
    import os

    resident, files = bench_scale.resident_parts(os.getpid())
    assert resident > 0 and 0 < files < resident
    assert bench_scale.resident_parts(2**22 + 1) == (0, None)  # above Linux's largest process number


def test_each_command_s_peak_is_its_own():
    """`timed_process` reads a child's own resource usage: `getrusage`'s children's peak had given a command run
    after a bigger one that one's peak (every run.py run of a make bench showed the first's). A child's peak starts
    at its parent's resident set (Linux carries it over the child's start: a test worker's ~1 GB showed as both
    commands' peak), so the commands are timed from a small process of their own, as make bench times them."""
    import json
    import subprocess
    import sys

    touch_600_mib = "b = bytearray(600 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    program = ("import importlib.util, json, sys\n"
               f"spec = importlib.util.spec_from_file_location('bench_scale', {str(ROOT / 'benchmarks' / 'bench_scale.py')!r})\n"
               "bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)\n"
               f"big = bench.timed_process([sys.executable, '-c', {touch_600_mib!r}])\n"
               "small = bench.timed_process([sys.executable, '-c', 'pass'])\n"
               "print(json.dumps([big['peak_mb'], small['peak_mb']]))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True)
    big, small = json.loads(done.stdout.splitlines()[-1])
    assert big > 600 and small < big - 300
