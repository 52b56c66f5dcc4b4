"""Time and memory of whole runs across city sizes: city construction plus 52 weeks, per scenario and engine;
then the command line at the largest size with its run folder written, and a calibration's wall time.

    python benchmarks/bench_scale.py [--sizes 2000 10000 100000 1000000] [--scenarios baseline focus_approach]
                                     [--steps 52] [--agents-limit 60] [--calibration 1000] [--out benchmarks]

The vectorised engine runs at every size; the reference engine (`engine="agents"`, idiomatic Mesa) runs
from the smallest size up while its next run is expected to stay under `--agents-limit` seconds. Then
`run.py` runs the largest size of the first scenario end to end COMMAND_RUNS times (city, weeks, tables and
report written, pictures off: issue 27's target of a million residents in 30 s and 1.2 GB), the smallest size run MANY_RUNS
times in one process per scenario, with and without weekly metrics (issue 27's small-run target: the warm
figure, build included), and a calibration of the
synthetic German survey with `--calibration` simulations (the regression method; 0 skips it).

Each configuration runs in a fresh Python process, so its peak memory (the process's maximum resident
set size, imports included) is its own; this process shows progress and collects the records. Writes
`results.json` (a list of records: engine, n_agents, scenario, steps, build_seconds, step_seconds,
seconds, peak_mb (MiB: `ru_maxrss` / 1024), plus cpu_seconds and the machine's load when the configuration started) and
`results.md` (a Markdown table with ns per resident-week and the fitted exponent of time in
population). Asserts nothing: speed is reported, not tested. Run it on a quiet machine (`nice` it on a
shared one); the load average is recorded next to every figure.
"""

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINES = ("vectorised", "agents")
"""The weekly step over arrays (model/step.py) and the idiomatic Mesa reference (model/agents.py)."""

SMALL = 10_000
"""Vectorised runs up to this many residents are run three times in their process and the fastest
is kept: a run takes well under a second, so a single one is at the mercy of the scheduler."""

FIT_FROM = 10_000
"""The exponent of time in population is fitted over sizes from this one up (smaller runs are
dominated by fixed per-week costs, which is not what the exponent is about)."""


# ---- one configuration, in its own process ---------------------------------------------------------
def run_one(engine: str, n_agents: int, scenario: str, steps: int) -> dict:
    """Build the city and run `steps` weeks; report seconds and this process's peak memory."""
    from bridges.model import BridgesModel
    from bridges.model.simulation import simulate
    from bridges.config import compose_config, model_params, to_plain

    params = model_params(to_plain(compose_config(
        [f"city.n_agents={n_agents}", f"steps={steps}", f"scenario={scenario}"])))
    best = None
    long_run = engine == "agents" or n_agents > SMALL
    for _ in range(1 if long_run else 3):
        start, start_cpu = time.perf_counter(), time.process_time()
        model = BridgesModel(params, engine=engine)
        built = time.perf_counter()

        def quarterly(model) -> None:
            if long_run and model.steps % 13 == 0:
                print(f"    week {model.steps}/{steps} ({time.perf_counter() - built:.1f} s)", file=sys.stderr,
                      flush=True)

        simulate(model, on_week=quarterly)
        done, cpu = time.perf_counter(), time.process_time() - start_cpu
        if best is None or done - start < best[0] + best[1]:
            best = (built - start, done - built, cpu)
        del model
    return {"engine": engine, "n_agents": n_agents, "scenario": scenario, "steps": steps,
            "build_seconds": round(best[0], 4), "step_seconds": round(best[1], 4),
            "seconds": round(best[0] + best[1], 4), "cpu_seconds": round(best[2], 4),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


MANY_RUNS = 30
"""Runs of one small city per process for the warm figure (issue 27's small-run target): calibration's, a sweep's
or a design search's pattern. The fastest run after the kernels start (model/kernels.py AUTO_AFTER_RUNS, under
`run.kernels=auto`) counts; the first run is reported beside it."""


def many_runs(n_agents: int, scenario: str, steps: int, weekly_metrics: bool) -> dict:
    """MANY_RUNS fresh models of one configuration in this process, CPU seconds (build included) of the fastest
    warm one and of the first; `weekly_metrics=False` is calibration's survey-only run."""
    from bridges.config import compose_config, model_params, to_plain
    from bridges.model import kernels
    from bridges.model.simulation import build, simulate

    params = model_params(to_plain(compose_config(
        [f"city.n_agents={n_agents}", f"steps={steps}", f"scenario={scenario}"])))
    runs = []
    for _ in range(MANY_RUNS):
        start = time.process_time()
        model, _ = build(params, weekly_metrics=weekly_metrics)
        built = time.process_time()
        simulate(model)
        runs.append((time.process_time() - start, built - start))
    warm = min(runs[kernels.AUTO_AFTER_RUNS:])
    return {"engine": "many runs", "n_agents": n_agents, "scenario": scenario, "steps": steps,
            "weekly_metrics": weekly_metrics, "runs": MANY_RUNS, "cpu_seconds": round(warm[0], 4),
            "build_cpu_seconds": round(warm[1], 4), "first_cpu_seconds": round(runs[0][0], 4)}


# ---- whole commands, each in a child process ---------------------------------------------------------
def timed_command(arguments: list[str]) -> dict:
    """Run `python run.py ARGUMENTS` in a fresh child; its wall and CPU seconds (user + system, every thread and the
    workers it waited for) and its peak resident memory, from the child's own resource usage (`os.wait4`: `getrusage`'s
    children's maximum is the largest child's so far, so a run after a bigger one had shown that one's peak; a child's
    peak starts at this process's resident set, ~30 MiB here), with the load average when it started. Sampled every 20 ms
    from /proc: how much of the largest resident set sampled was mapped files (`peak_files_mb`: the libraries' code,
    chiefly LLVM's under numba). The files' share is the machine's, not the run's: this kernel maps a library's pages in
    the large blocks they sit in the page cache, so right after `pip install` had written LLVM's 179 MB library its
    share was 105 MiB of the peak, and once the library had been read back from disk, 35-70 MiB (the same code and run)."""
    print(f"    run.py {' '.join(arguments)} (load {os.getloadavg()[0]:.1f}) ...", flush=True)
    return timed_process([sys.executable, str(ROOT / "run.py"), *arguments])


def timed_process(command: list[str]) -> dict:
    """`timed_command`'s measures of any command, run in ROOT with its standard output discarded."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    largest, ended = (0, None), 0
    while not ended:
        largest = max(largest, resident_parts(child.pid), key=lambda parts: parts[0])
        time.sleep(0.02)
        ended, status, usage = os.wait4(child.pid, os.WNOHANG)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return {"seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "peak_files_mb": None if largest[1] is None else round(largest[1] / 1024, 1), "load_1min": round(load, 2)}


def resident_parts(pid: int) -> tuple[int, int | None]:
    """A process's resident set and the part of it that is mapped files, in KiB (/proc/PID/status VmRSS and
    RssFile); (0, None) once it has gone or where /proc has no such lines."""
    try:
        lines = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        return int(lines["VmRSS"].split()[0]), int(lines["RssFile"].split()[0])
    except (OSError, KeyError, ValueError):
        return 0, None


COMMAND_RUNS = 3
"""Runs of the command line at the largest size, one after another: this virtual machine's wall time varies by
up to a third between identical runs, so every run is reported, and their median beside them."""


def command_line_run(n_agents: int, scenario: str, steps: int, run: int) -> dict:
    """One run through the command line, run folder written (tables, report; no pictures), with the construction
    and weeks' seconds its report gives (the rest is imports, configuration, writing and exit)."""
    with tempfile.TemporaryDirectory() as folder:
        timed = timed_command([f"city.n_agents={n_agents}", f"scenario={scenario}", f"steps={steps}", "run.plots=off",
                               "run.progress=off", f"run.output_dir={Path(folder) / 'run'}"])
        stages = re.search(r"built in ([0-9.]+) s, simulated in ([0-9.]+) s", (Path(folder) / "run" / "report.md").read_text())
    build, weeks = float(stages[1]), float(stages[2])
    print(f"    {timed['seconds']:.1f} s wall (construction {build:.1f}, weeks {weeks:.1f}), {timed['cpu_seconds']:.1f} "
          f"CPU s, peak {timed['peak_mb']:.0f} MiB ({timed['peak_files_mb'] or 0:.0f} of it mapped files)", flush=True)
    return {"engine": "command line", "n_agents": n_agents, "scenario": scenario, "steps": steps, "run": run,
            "build_seconds": build, "step_seconds": weeks, **timed}


def calibration_run(simulations: int) -> dict:
    """A calibration of the synthetic German survey (regression method) with `simulations` simulations;
    the CPU seconds count its worker processes once they have ended. No peak memory: its processes' largest
    resident set is one process's, where the pool's workers are resident together."""
    with tempfile.TemporaryDirectory() as folder:
        timed = timed_command(["--config-name", "calibrate", "calibration.data=calibration/data/germany_synthetic.csv",
                               "calibration.site=germany", "calibration.method=regression",
                               f"calibration.max_simulations={simulations}", "calibration.install=false",
                               "run.progress=off", f"run.output_dir={Path(folder) / 'calibration'}"])
    print(f"    {timed['seconds']:.1f} s wall, {timed['cpu_seconds']:.1f} CPU s", flush=True)
    return {"engine": "calibration", "simulations": simulations, **timed, "peak_mb": None, "peak_files_mb": None}


# ---- the table -------------------------------------------------------------------------------------
def fitted_exponent(records: list[dict], key: str) -> float:
    """Slope of log(time) on log(population) over sizes from FIT_FROM up (NaN with fewer than two)."""
    chosen = [r for r in records if r["n_agents"] >= FIT_FROM]
    if len({r["n_agents"] for r in chosen}) < 2:
        return float("nan")
    return float(np.polyfit(np.log([r["n_agents"] for r in chosen]), np.log([r[key] for r in chosen]), 1)[0])


def markdown(records: list[dict]) -> str:
    """The results as a Markdown table per scenario, with the fitted exponents below each."""
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Seconds "
             "are wall time; `CPU s` is the process's own CPU time, which a busy machine inflates far less; "
             "`load` is the 1-minute load average when the configuration started. Worker threads: `run.threads` "
             "at its default, the cores available; compiled kernels: `run.kernels` at its default, auto (passes of "
             "100,000 entries or more).", ""]
    models = [r for r in records if r["engine"] in ENGINES]
    for scenario in dict.fromkeys(r["scenario"] for r in models):
        rows = sorted((r for r in models if r["scenario"] == scenario), key=lambda r: (r["n_agents"], r["engine"]))
        agents = {r["n_agents"]: r for r in rows if r["engine"] == "agents"}
        lines += [f"### {scenario} ({rows[0]['steps']} weeks)", "",
                  "| engine | residents | city + setup s | weeks s | total s | CPU s | ns per resident-week (weeks) | "
                  "ns per resident-week (total) | agents / vectorised (CPU) | peak MiB | load |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            resident_weeks = r["n_agents"] * r["steps"]
            reference = agents.get(r["n_agents"])
            ratio = (f"{reference['cpu_seconds'] / r['cpu_seconds']:.0f}x"
                     if reference and r["engine"] == "vectorised" else "")
            lines.append(f"| {r['engine']} | {r['n_agents']:,} | {r['build_seconds']:.2f} | {r['step_seconds']:.2f} | "
                         f"{r['seconds']:.2f} | {r['cpu_seconds']:.2f} | {1e9 * r['step_seconds'] / resident_weeks:.0f} | "
                         f"{1e9 * r['seconds'] / resident_weeks:.0f} | {ratio} | {r['peak_mb']:.0f} | {r['load_1min']:.1f} |")
        vectorised = [r for r in rows if r["engine"] == "vectorised"]
        exponents = {key: fitted_exponent(vectorised, key) for key in ("seconds", "cpu_seconds", "step_seconds",
                                                                         "build_seconds")}
        lines += ["", f"Fitted exponent of the vectorised engine's time in population ({FIT_FROM:,} residents and up): total "
                      f"{exponents['seconds']:.2f} (CPU {exponents['cpu_seconds']:.2f}), weeks "
                      f"{exponents['step_seconds']:.2f}, city + setup {exponents['build_seconds']:.2f}.", ""]
    many = [r for r in records if r["engine"] == "many runs"]
    if many:
        lines += [f"### Many small runs in one process ({many[0]['runs']} fresh models of one configuration each; "
                  "calibration's, a sweep's or a design search's pattern)", "",
                  "Build included. Warm: the fastest run once the compiled kernels run (`run.kernels=auto` starts them "
                  "after 20 models in a process). Survey only: no weekly metrics (`weekly_metrics=False`, what "
                  "calibration runs).", "",
                  "| residents | scenario | weeks | outputs | warm CPU s | of which build | first run CPU s | load |",
                  "|---:|---|---:|---|---:|---:|---:|---:|"]
        for r in many:
            outputs = "weekly metrics and survey" if r["weekly_metrics"] else "survey only"
            lines.append(f"| {r['n_agents']:,} | {r['scenario']} | {r['steps']} | {outputs} | {r['cpu_seconds']:.3f} | "
                         f"{r['build_cpu_seconds']:.3f} | {r['first_cpu_seconds']:.3f} | {r['load_1min']:.1f} |")
        lines.append("")
    commands = [r for r in records if r["engine"] not in (*ENGINES, "many runs")]
    if commands:
        lines += ["### Whole commands", "", "| command | wall s | of which construction / weeks s | "
                  "CPU s (all threads and workers) | peak MiB | of which mapped files (sampled) | load |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in commands:
            what = (f"`run.py` {r['n_agents']:,} residents, {r['scenario']}, {r['steps']} weeks, run folder written "
                    f"(no pictures), run {r['run']}" if r["engine"] == "command line" else
                    f"calibration, regression method, {r['simulations']:,} simulations (synthetic German survey)")
            stages = f"{r['build_seconds']:.1f} / {r['step_seconds']:.1f}" if "build_seconds" in r else ""
            peak = "" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
            files = "" if r.get("peak_files_mb") is None else f"{r['peak_files_mb']:.0f}"
            lines.append(f"| {what} | {r['seconds']:.1f} | {stages} | {r['cpu_seconds']:.1f} | {peak} | {files} | "
                         f"{r['load_1min']:.1f} |")
        runs = [r for r in commands if r["engine"] == "command line"]
        if runs:
            lines += ["", f"`run.py` over its {len(runs)} runs: median {np.median([r['seconds'] for r in runs]):.1f} s "
                          f"wall (fastest {min(r['seconds'] for r in runs):.1f}, slowest "
                          f"{max(r['seconds'] for r in runs):.1f}), highest peak {max(r['peak_mb'] for r in runs):.0f} MiB."]
        lines.append("")
    return "\n".join(lines)


# ---- driver ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--scenarios", nargs="+", default=["baseline", "focus_approach"])
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--agents-limit", type=float, default=60.0,
                        help="largest expected seconds of one reference-engine run (default 60)")
    parser.add_argument("--calibration", type=int, default=1_000,
                        help="simulations of the timed calibration (default 1,000; 0 = none)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks")
    parser.add_argument("--one", nargs=4, metavar=("ENGINE", "N_AGENTS", "SCENARIO", "STEPS"), help=argparse.SUPPRESS)
    parser.add_argument("--many", nargs=4, metavar=("N_AGENTS", "SCENARIO", "STEPS", "METRICS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args.one[2], int(args.one[3]))))
        return
    if args.many:
        print(json.dumps(many_runs(int(args.many[0]), args.many[1], int(args.many[2]), args.many[3] == "metrics")))
        return

    configurations = [(n, s) for s in args.scenarios for n in sorted(args.sizes)]
    records, agents_seconds = [], {}
    for number, (n_agents, scenario) in enumerate(configurations, start=1):
        for engine in ENGINES:
            if engine == "agents":
                # Expected time grows with population from the last agents run of this scenario.
                last = agents_seconds.get(scenario)
                if last is not None and last[1] * n_agents / last[0] > args.agents_limit:
                    continue
            load = os.getloadavg()[0]
            print(f"[{number}/{len(configurations)}] {engine} {n_agents:,} residents, {scenario}, {args.steps} weeks "
                  f"(load {load:.1f}) ...", flush=True)
            done = subprocess.run([sys.executable, __file__, "--one", engine, str(n_agents), scenario, str(args.steps)],
                                  stdout=subprocess.PIPE, text=True, check=True)
            record = json.loads(done.stdout.strip().splitlines()[-1]) | {"load_1min": round(load, 2)}
            records.append(record)
            if engine == "agents":
                agents_seconds[scenario] = (n_agents, record["seconds"])
            print(f"    {record['seconds']:.2f} s (city + setup {record['build_seconds']:.2f} s, weeks "
                  f"{record['step_seconds']:.2f} s), peak {record['peak_mb']:.0f} MiB", flush=True)
    smallest = min(args.sizes)
    for scenario in args.scenarios:
        for metrics in ("metrics", "survey"):
            load = os.getloadavg()[0]
            print(f"many runs: {MANY_RUNS} x {smallest:,} residents, {scenario}, {args.steps} weeks, {metrics} "
                  f"(load {load:.1f}) ...", flush=True)
            done = subprocess.run([sys.executable, __file__, "--many", str(smallest), scenario, str(args.steps), metrics],
                                  stdout=subprocess.PIPE, text=True, check=True)
            record = json.loads(done.stdout.strip().splitlines()[-1]) | {"load_1min": round(load, 2)}
            records.append(record)
            print(f"    warm {record['cpu_seconds']:.3f} CPU s (first {record['first_cpu_seconds']:.3f})", flush=True)
    records += [command_line_run(max(args.sizes), args.scenarios[0], args.steps, run)
                for run in range(1, COMMAND_RUNS + 1)]
    write_results(records, args.out)  # kept if the calibration fails (its configuration is checked only then)
    if args.calibration:
        records.append(calibration_run(args.calibration))
        write_results(records, args.out)
    print(markdown(records))


def write_results(records: list[dict], out: Path) -> None:
    """`results.json` and `results.md` in `out` from the records so far."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(records, indent=1) + "\n")
    (out / "results.md").write_text(markdown(records))


if __name__ == "__main__":
    main()
