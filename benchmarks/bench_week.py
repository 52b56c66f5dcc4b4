"""Cost of the vectorised week per resident-week, phase by phase (the city's construction excluded).

    python benchmarks/bench_week.py [--n-agents 100000] [--steps 10] [--repeats 3]

Builds the default city once, runs one warm-up week, then `--steps` weeks `--repeats` times on fresh
models and keeps the fastest repeat. Prints wall and CPU ns per resident-week, the per-phase wall time
(`model.phase_seconds`) and the machine's load average: on a shared machine compare CPU time, and
compare versions by running them alternately under the same load. Asserts nothing.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(n_agents: int, steps: int) -> tuple[float, float, dict[str, float]]:
    """Seconds of wall and CPU time for `steps` weeks after a warm-up week, and seconds per phase."""
    from bridges.model import BridgesModel
    from bridges.model.simulation import simulate
    from bridges.config import compose_config, model_params, to_plain

    params = model_params(to_plain(compose_config([f"city.n_agents={n_agents}", f"steps={steps + 1}"])))
    model = BridgesModel(params)
    model.step()
    model.phase_seconds = dict.fromkeys(model.phase_seconds, 0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    simulate(model)  # the remaining `steps` weeks
    return time.perf_counter() - wall, time.process_time() - cpu, dict(model.phase_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-agents", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    per = 1e9 / (args.n_agents * args.steps)
    runs = [measure(args.n_agents, args.steps) for _ in range(args.repeats)]
    wall, cpu, phases = min(runs, key=lambda run: run[1])
    print(f"{args.n_agents} residents, {args.steps} weeks, load average {os.getloadavg()[0]:.1f}: "
          f"{wall * per:.0f} ns wall, {cpu * per:.0f} ns CPU per resident-week (fastest of {args.repeats})")
    for name, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"  {name:26s} {seconds * per:6.0f} ns")


if __name__ == "__main__":
    main()
