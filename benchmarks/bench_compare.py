"""Time the default scenario comparison (all scenarios, 20 replicates, default city) on all cores.

    python benchmarks/bench_compare.py [overrides ...]

Writes into a temporary folder and prints the wall time and the ranking; asserts nothing.
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import run  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        code = run.main(["--config-name", "compare", f"run.output_dir={Path(folder) / 'compare'}", *sys.argv[1:]])
        print(f"default comparison: {time.perf_counter() - start:.1f} s wall (exit {code})")


if __name__ == "__main__":
    main()
