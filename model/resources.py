"""Rough cost of a run or comparison before it starts, against what the machine has.

The constants are per resident-week (time) and per resident (memory), measured on the development
machine (2 cores, 2026-11) with the default city; they are meant to catch a run that is far beyond the
machine (hours of work, more memory than it has), not to predict precisely.
"""

import os
from dataclasses import dataclass

from bridges.model.errors import InputError

SECONDS_PER_RESIDENT_WEEK = 1e-6
"""Simulated time per resident and week on one core (measured 0.6 us: 5,000 residents x 52 weeks in 0.16 s)."""
BUILD_SECONDS_PER_RESIDENT = 2e-4
"""Time to build the city per resident (measured 0.11-0.12 ms at 5,000 and 20,000 residents)."""
BYTES_PER_RESIDENT = 8_000
"""Peak memory per resident of one model (state, ties of every layer, the network while it is built;
measured 0.31 GB peak at 5,000 residents and 0.40 GB at 20,000: ~6 kB per resident)."""
BASE_BYTES = 300_000_000
"""Memory of the interpreter with numpy, pandas, mesa and networkx loaded (per worker process)."""
LONG_SECONDS = 3_600.0
"""A run estimated to take longer than this gets a one-line note before it starts."""


def available_cores() -> int:
    """Cores this process may use (its CPU affinity, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """Memory the machine can still give (MemAvailable), in bytes; None where it cannot be read."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@dataclass(frozen=True)
class Estimate:
    seconds: float
    memory: int


def estimate(n_agents: int, steps: int, runs: int = 1, workers: int = 1) -> Estimate:
    """Wall time and peak memory of `runs` models of `n_agents` residents and `steps` weeks on `workers`
    parallel processes."""
    workers = max(1, min(workers, runs))
    seconds = (BUILD_SECONDS_PER_RESIDENT + SECONDS_PER_RESIDENT_WEEK * steps) * n_agents * runs / workers
    memory = workers * (BASE_BYTES + BYTES_PER_RESIDENT * n_agents)
    return Estimate(seconds, memory)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} hours" if seconds >= 3600 else f"{seconds / 60:,.0f} minutes"


def check_resources(cost: Estimate, what: str, memory_key: str = "city.n_agents") -> str | None:
    """InputError if `what` needs more memory than the machine has; a one-line note if it will take long;
    None otherwise."""
    free = available_memory()
    if free is not None and cost.memory > free:
        raise InputError(f"{memory_key}: {what} would need about {cost.memory / 1e9:,.1f} GB of memory, more than "
                         f"the {free / 1e9:,.1f} GB this machine has free; make it smaller")
    if cost.seconds > LONG_SECONDS:
        return (f"note: {what} is estimated to take about {_hours(cost.seconds)} on this machine "
                f"({available_cores()} cores); Ctrl-C stops it and writes nothing")
    return None
