"""The engine switch of the week's compiled kernels (`run.kernels`, conf/config.yaml).

A kernel is a rule's compiled form (numba): the same arithmetic in the same order, fused into one pass over
its arrays instead of a loop of numpy calls, so it returns the rule's numbers bit for bit (each kernel's
test, tests/test_kernels.py, runs both on the same inputs and compares). Kernels live in a `*_compiled.py`
module beside the rule they compile; the rule asks `load(module, size)` and, when it gets the module, hands
its arrays to the kernel. exp and pow stay in numpy before a kernel: numpy's vectorised versions and the C
library's that numba calls may differ in the last bit.

numba is imported only when a kernel first runs: about 0.4 CPU s per process (the import and the cached
kernels; compiling them, once after a change, about 5 s more; `cache=True` keeps them on disk). A kernel saves
a few microseconds of numpy calls per pass plus its share of a big pass, so `auto` runs them only on passes of
KERNEL_FROM entries or more (a big city); `on` on every pass (many small runs in one long process); `off`
never. Without numba every rule runs its numpy reference. Serial kernels release the GIL (`nogil`), so blocks on the
run's worker threads (model/threads.py, `run.threads`) run theirs at once.
"""

import importlib
import importlib.util
import threading
from types import ModuleType

MODES = ("auto", "on", "off")
KERNEL_FROM = 100_000
"""Entries (ties, residents, opportunities) of a pass from which `auto` runs its kernel."""
PARALLEL_FROM = 1_000_000
"""Entries from which a kernel splits its pass over both cores (numba threads); below it a kernel runs
serially (a thread launch costs more than a small pass)."""

_switch = {"mode": "auto", "loaded": {}}


def use(mode: str) -> None:
    """Run the compiled kernels in this process from now on: `auto`, `on` or `off` (the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"kernels mode {mode!r}: must be one of {', '.join(MODES)}")
    _switch["mode"] = mode


def mode() -> str:
    """This process's mode."""
    return _switch["mode"]


def load(module: str, size: int) -> ModuleType | None:
    """The kernel module `module` (imported once: it imports numba) for a pass of `size` entries, or None when
    the numpy rule runs (the mode says so, or numba is missing)."""
    chosen = _switch["mode"]
    if chosen == "off" or (chosen == "auto" and size < KERNEL_FROM):
        return None
    loaded = _switch["loaded"]
    if module not in loaded:
        loaded[module] = importlib.import_module(module) if importlib.util.find_spec("numba") else None
    return loaded[module]


def parallel(size: int) -> bool:
    """Whether a kernel's pass over `size` entries runs on both cores: from PARALLEL_FROM entries, and only from
    the main thread. A block on the run's worker threads (model/threads.py) runs its kernel serially: the
    threads already use the cores, and numba's default threading layer (workqueue) aborts on parallel kernels
    launched from two threads at once."""
    return size >= PARALLEL_FROM and threading.current_thread() is threading.main_thread()
