"""The engine switch of the week's compiled kernels (`run.kernels`, conf/config.yaml).

A kernel is a rule's compiled form (numba): the same arithmetic in the same order, fused into one pass over
its arrays instead of a loop of numpy calls, so it returns the rule's numbers bit for bit (each kernel's
test, tests/test_kernels.py, runs both on the same inputs and compares). Kernels live in a `*_compiled.py`
module beside the rule they compile; the rule (or its phase) asks `load(module, size)` and, given the module,
hands its arrays to the kernel. exp and pow stay in numpy before a kernel: numpy's vectorised versions and the
C library's that numba calls may differ in the last bit.

numba is imported only when a kernel first runs: about 0.3-0.5 CPU s per process (the import and the cached
kernels; compiling them, once after a change, about 1 s more; `cache=True` keeps them on disk). A kernel saves
the numpy calls of a pass (2,000 residents x 52 weeks: 12-20 ms off meet, judge_valence and follow_norms), so
`auto` runs them in a process that runs many small simulations (calibration, sweeps, design searches): from its
AUTO_AFTER_RUNS-th model on, on passes under AUTO_BELOW entries. On a big pass (AUTO_BELOW entries or more) one
core's kernel saves little over numpy's memory traffic, so `auto` runs a module's kernels there only when the
module declares `BLOCKED = True`: its kernels take a range of rows, release the GIL (`nogil=True`) and run over
blocks of rows on the worker threads (model/threads.py), the same numbers whatever the blocks. `on` runs every
pass through its kernel, `off` none. Without numba every rule runs its numpy reference.

numba's disk cache knows a kernel's own file only: after editing a kernel that another module's kernel calls
(sampling_compiled's samplers, streams_compiled's `to_double`, sums_compiled), delete the checkout's compiled
kernels (`find . -name '*.nbi' -o -name '*.nbc' | xargs rm -f`) or the caller keeps the old machine code; a clean
clone, an installed wheel and CI start with none.
"""

import importlib
import importlib.util
from types import ModuleType

MODES = ("auto", "on", "off")
AUTO_AFTER_RUNS = 20
"""Models a process builds before `auto` runs kernels (the import pays back after about 20 small runs)."""
AUTO_BELOW = 100_000
"""Entries (ties, residents, opportunities) of a pass below which `auto` runs its kernel."""

_switch = {"mode": "auto", "loaded": {}, "runs": 0}


def use(mode: str) -> None:
    """Run the compiled kernels in this process from now on: `auto`, `on` or `off` (the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"kernels mode {mode!r}: must be one of {', '.join(MODES)}")
    _switch["mode"] = mode


def mode() -> str:
    """This process's mode."""
    return _switch["mode"]


def count_run() -> None:
    """One more model built in this process (`auto` starts the kernels after AUTO_AFTER_RUNS)."""
    _switch["runs"] += 1


def load(module: str, size: int) -> ModuleType | None:
    """The kernel module `module` (imported once: it imports numba) for a pass of `size` entries, or None when
    the numpy rule runs (the mode says so, or numba is missing; under `auto`, a big pass of a module whose
    kernels are not BLOCKED)."""
    chosen = _switch["mode"]
    big = size >= AUTO_BELOW
    if chosen == "off" or (chosen == "auto" and not big and _switch["runs"] < AUTO_AFTER_RUNS):
        return None
    loaded = _switch["loaded"]
    if module not in loaded:
        loaded[module] = importlib.import_module(module) if importlib.util.find_spec("numba") else None
    compiled = loaded[module]
    if chosen == "auto" and big and not getattr(compiled, "BLOCKED", False):
        return None
    return compiled
