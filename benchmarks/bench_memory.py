"""Where a command's resident memory peaks: `run.py ARGS` in this process, its resident set sampled every
millisecond and labelled with what runs (each phase of each history week and week, the heap trims, the run
folder's writers), then the labels whose high-water mark is highest.

    python benchmarks/bench_memory.py city.n_agents=1000000 run.plots=off run.progress=off [--top 15]

A label reads "week N, phase" (weeks numbered from 1 as they run: the contact history's 13 first, when the run
settles its own) or a writer's name; "between" is the rest (construction, `simulate`'s start and end). The first
column is the resident set when the label first ran, the second its highest. Mapped files count (the libraries'
code: see results.md's whole commands), and the sampler's own thread is a few MiB. Nothing is asserted.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WRITERS = ("write_config", "write_table", "write_agents", "write_json", "headline", "write_report")
"""The run folder's writers (bridges/run_folder.py), each a label of its own."""


def resident_mib() -> float:
    """This process's resident set (/proc/self/statm), MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Labelled:
    """The label of what runs now and each label's resident set when it first ran and at its highest: noted as
    each labelled call starts and ends, and by the sampler while it runs."""

    def __init__(self):
        self.now, self.week, self.seen = "between", 1, {}
        self.running, self.lock = True, threading.Lock()

    def note(self, label: str) -> None:
        resident = resident_mib()
        with self.lock:
            first, highest = self.seen.get(label, (resident, resident))
            self.seen[label] = (first, max(highest, resident))

    def sample(self) -> None:
        while self.running:
            self.note(self.now)
            time.sleep(0.001)

    def around(self, call, label):
        """`call` with `label` set while it runs (a callable label is asked for it at the call)."""
        def labelled(*args, **kwargs):
            self.now = label() if callable(label) else label
            self.note(self.now)
            try:
                return call(*args, **kwargs)
            finally:
                self.note(self.now)
                self.now = "between"
        return labelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="labels to list, highest first")
    known, overrides = parser.parse_known_args()
    from bridges import run_folder
    from bridges.model import step

    labels = Labelled()
    plan = step.plan

    def labelled_plan(phases):
        return tuple((name, tuple(labels.around(call, lambda name=name: f"week {labels.week}, {name}")
                                  for call in calls)) for name, calls in plan(phases))

    def next_week(n_residents):
        trim(n_residents)
        labels.week += 1

    trim = labels.around(step.release_free_memory, lambda: f"week {labels.week}, trim")
    step.plan, step.release_free_memory = labelled_plan, next_week
    for writer in WRITERS:
        setattr(run_folder, writer, labels.around(getattr(run_folder, writer), writer))
    sampler = threading.Thread(target=labels.sample, daemon=True)
    sampler.start()
    from bridges.start import main as command

    code = command(overrides)
    labels.running = False
    sampler.join()
    print(f"\nexit {code}; highest resident set {max(high for _, high in labels.seen.values()):,.0f} MiB")
    print(f"{'label':40s} {'first MiB':>10s} {'highest MiB':>12s}")
    for label, (first, highest) in sorted(labels.seen.items(), key=lambda item: -item[1][1])[:known.top]:
        print(f"{label:40s} {first:10,.0f} {highest:12,.0f}")


if __name__ == "__main__":
    main()
