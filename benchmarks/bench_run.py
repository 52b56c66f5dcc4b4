"""Time a 10,000-resident, 52-week run: city build and weekly steps separately, best of N repeats.

    python benchmarks/bench_run.py [--agents 10000] [--steps 52] [--repeats 3] [overrides ...]

Prints one line per repeat and a summary; asserts nothing (speed is reported, not tested).
"""

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model import BridgesModel  # noqa: E402
from model.config import compose_config, model_params, to_plain  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    overrides = [f"city.n_agents={args.agents}", f"steps={args.steps}", *args.overrides]
    params = model_params(to_plain(compose_config(overrides)))

    totals = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        model = BridgesModel(params)
        built = time.perf_counter()
        for _ in range(params.steps):
            model.step()
        done = time.perf_counter()
        totals.append(done - start)
        print(f"repeat {repeat + 1}: build {built - start:.3f} s, {params.steps} steps {done - built:.3f} s, "
              f"total {done - start:.3f} s ({model.ties.size} intergroup ties, "
              f"{len(model.city.network.source)} ties)")
    print(f"best total {min(totals):.3f} s for {args.agents} residents x {args.steps} weeks "
          f"(python {platform.python_version()}, {platform.machine()})")


if __name__ == "__main__":
    main()
