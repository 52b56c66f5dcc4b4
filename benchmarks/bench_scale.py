"""Time and memory of whole runs across city sizes: city construction plus 52 weeks, per scenario.

    python benchmarks/bench_scale.py [--sizes 1000 10000 100000 1000000] [--scenarios baseline focus_approach]
                                     [--steps 52] [--out benchmarks]

Each configuration runs in a fresh Python process, so its peak memory (the process's maximum resident
set size, imports included) is its own; this process shows progress and collects the records. Writes
`results.json` (a list of records: engine, n_agents, scenario, steps, build_seconds, step_seconds,
seconds, peak_mb, plus cpu_seconds and the machine's load when the configuration started) and
`results.md` (a Markdown table with ns per resident-week and the fitted exponent of time in
population). Asserts nothing: speed is reported, not tested. Run it on a quiet machine (`nice` it on a
shared one); the load average is recorded next to every figure.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINE = "vectorised"
"""The engine timed here: the model's weekly step over arrays (model/step.py)."""

SMALL = 10_000
"""Configurations up to this many residents are run three times in their process and the fastest
run is kept: a run takes well under a second, so a single one is at the mercy of the scheduler."""

FIT_FROM = 10_000
"""The exponent of time in population is fitted over sizes from this one up (smaller runs are
dominated by fixed per-week costs, which is not what the exponent is about)."""


# ---- one configuration, in its own process ---------------------------------------------------------
def run_one(n_agents: int, scenario: str, steps: int) -> dict:
    """Build the city and run `steps` weeks; report seconds and this process's peak memory."""
    from model import BridgesModel
    from model.config import compose_config, model_params, to_plain

    params = model_params(to_plain(compose_config(
        [f"city.n_agents={n_agents}", f"steps={steps}", f"scenario={scenario}"])))
    best = None
    for _ in range(3 if n_agents <= SMALL else 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        model = BridgesModel(params)
        built = time.perf_counter()
        for week in range(steps):
            model.step()
            if n_agents > SMALL and (week + 1) % 13 == 0:
                print(f"    week {week + 1}/{steps} ({time.perf_counter() - built:.1f} s)", file=sys.stderr, flush=True)
        done, cpu = time.perf_counter(), time.process_time() - start_cpu
        if best is None or done - start < best[0] + best[1]:
            best = (built - start, done - built, cpu)
        del model
    return {"engine": ENGINE, "n_agents": n_agents, "scenario": scenario, "steps": steps,
            "build_seconds": round(best[0], 4), "step_seconds": round(best[1], 4),
            "seconds": round(best[0] + best[1], 4), "cpu_seconds": round(best[2], 4),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


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
             "`load` is the 1-minute load average when the configuration started.", ""]
    for scenario in dict.fromkeys(r["scenario"] for r in records):
        rows = sorted((r for r in records if r["scenario"] == scenario), key=lambda r: r["n_agents"])
        lines += [f"### {scenario} ({rows[0]['steps']} weeks, engine {ENGINE})", "",
                  "| residents | city + setup s | weeks s | total s | CPU s | ns per resident-week (weeks) | "
                  "ns per resident-week (total) | peak MB | load |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            resident_weeks = r["n_agents"] * r["steps"]
            lines.append(f"| {r['n_agents']:,} | {r['build_seconds']:.2f} | {r['step_seconds']:.2f} | "
                         f"{r['seconds']:.2f} | {r['cpu_seconds']:.2f} | {1e9 * r['step_seconds'] / resident_weeks:.0f} | "
                         f"{1e9 * r['seconds'] / resident_weeks:.0f} | {r['peak_mb']:.0f} | {r['load_1min']:.1f} |")
        exponents = {key: fitted_exponent(rows, key) for key in ("seconds", "cpu_seconds", "step_seconds",
                                                                   "build_seconds")}
        lines += ["", f"Fitted exponent of time in population ({FIT_FROM:,} residents and up): total "
                      f"{exponents['seconds']:.2f} (CPU {exponents['cpu_seconds']:.2f}), weeks "
                      f"{exponents['step_seconds']:.2f}, city + setup {exponents['build_seconds']:.2f}.", ""]
    return "\n".join(lines)


# ---- driver ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--scenarios", nargs="+", default=["baseline", "focus_approach"])
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks")
    parser.add_argument("--one", nargs=3, metavar=("N_AGENTS", "SCENARIO", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], int(args.one[2]))))
        return

    configurations = [(n, s) for s in args.scenarios for n in sorted(args.sizes)]
    records = []
    for number, (n_agents, scenario) in enumerate(configurations, start=1):
        load = os.getloadavg()[0]
        print(f"[{number}/{len(configurations)}] {ENGINE} {n_agents:,} residents, {scenario}, {args.steps} weeks "
              f"(load {load:.1f}) ...", flush=True)
        done = subprocess.run([sys.executable, __file__, "--one", str(n_agents), scenario, str(args.steps)],
                              stdout=subprocess.PIPE, text=True, check=True)
        record = json.loads(done.stdout.strip().splitlines()[-1]) | {"load_1min": round(load, 2)}
        records.append(record)
        print(f"    {record['seconds']:.2f} s (city + setup {record['build_seconds']:.2f} s, weeks "
              f"{record['step_seconds']:.2f} s), peak {record['peak_mb']:.0f} MB", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(records, indent=1) + "\n")
    (args.out / "results.md").write_text(markdown(records))
    print(markdown(records))


if __name__ == "__main__":
    main()
