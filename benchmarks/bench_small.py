"""CPU time of a small run, build included, as calibration, sweeps and design searches run thousands of them.

    python benchmarks/bench_small.py [--n-agents 2000] [--steps 52] [--repeats 9] [--phases] [--survey-only]
                                     [overrides ...]

Runs one configuration `--repeats` times in this process after one run that warms what the process keeps
between runs of a city and seed (model/kept.py: the city, its initial state's quantiles, the seeded
generators, the spin-up), and prints the fastest repeat's CPU seconds (`time.process_time`): build, weeks
and total, and the first (cold) run's. With `--phases`, also each phase's CPU time (fastest repeat per
phase, timed with `process_time` around each phase, which adds about 1 us a phase), the city's settings
tally and the DataCollector. On a shared machine compare versions by running them alternately under the
same load; the load average is printed. `--survey-only` runs as calibration does (`weekly_metrics=False`).
`--repeats 0` times the one (cold) run, for a big city; the wall time is printed too (kernels split big passes
over both cores: `run.kernels`, model/kernels.py).
Asserts nothing.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed_phases(step_module, model_module, spent: dict) -> None:
    """Time every phase of the vectorised week (and the settings tally) with process_time into `spent`."""
    clock = time.process_time

    def run_week(model) -> None:
        for phase in step_module.STEP_ORDER:
            started = clock()
            phase(model)
            spent[phase.__name__] = spent.get(phase.__name__, 0.0) + clock() - started

    tally = model_module.BridgesModel.tally_settings

    def tally_settings(model) -> None:
        started = clock()
        tally(model)
        spent["(tally_settings)"] = spent.get("(tally_settings)", 0.0) + clock() - started

    step_module.run_week = model_module.run_week = run_week
    model_module.BridgesModel.tally_settings = tally_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-agents", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--survey-only", action="store_true")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()

    from bridges.config import compose_config, model_params, run_options, to_plain
    from bridges.model import model as model_module
    from bridges.model import step as step_module
    from bridges.model.simulation import build, simulate

    plain = to_plain(compose_config([f"city.n_agents={args.n_agents}", f"steps={args.steps}", *args.overrides]))
    run_options(plain)  # run.kernels=off runs the numpy rules
    params = model_params({key: value for key, value in plain.items() if key != "run"})
    spent: dict[str, float] = {}
    if args.phases:
        timed_phases(step_module, model_module, spent)
    clock = time.process_time
    runs, fastest = [], {}
    for repeat in range(args.repeats + 1):
        spent.clear()
        started, wall = clock(), time.perf_counter()
        model, _ = build(params, weekly_metrics=False) if args.survey_only else build(params)
        built = clock()
        collect, taken = model.datacollector.collect, {"seconds": 0.0}

        def timed_collect(model, collect=collect, taken=taken) -> None:
            begun = clock()
            collect(model)
            taken["seconds"] += clock() - begun

        model.datacollector.collect = timed_collect
        simulate(model)
        done = clock()
        runs.append((done - started, built - started, done - built, time.perf_counter() - wall))
        if repeat or not args.repeats:  # the fastest repeat's phases; a single run's with --repeats 0
            spent["(collect)"] = taken["seconds"]
            for name, seconds in spent.items():
                fastest[name] = min(fastest.get(name, seconds), seconds)
    cold, warm = runs[0], min(runs[1:] or runs)
    print(f"{args.n_agents} residents x {args.steps} weeks, load average {os.getloadavg()[0]:.1f}: "
          f"CPU s total {warm[0]:.4f} (build {warm[1]:.4f}, weeks {warm[2]:.4f}; wall {warm[3]:.2f}), fastest of "
          f"{args.repeats} after a first run of {cold[0]:.4f} (build {cold[1]:.4f})")
    if args.phases:
        for name, seconds in sorted(fastest.items(), key=lambda item: -item[1]):
            print(f"  {name:26s} {seconds * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
