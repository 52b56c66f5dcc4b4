"""Worker processes of sweeps and comparisons: Ctrl-C reaches the driver only
(interrupts_for_this_process_only), and a worker exits when its driver is killed (mark_driver,
exit_with_parent). Standard library only, so a worker loads it at once; kept apart from bridges/start.py
(the command's entry, which imports the CLI) so the analyses can use it without importing the CLI back."""

import contextlib
import os
import signal
import socket
import threading
import time


@contextlib.contextmanager
def interrupts_for_this_process_only():
    """Ctrl-C reaches this process, not the worker processes it starts meanwhile (a sweep's or a
    comparison's). A terminal sends SIGINT to every process of the foreground group, so a worker still
    importing its libraries printed a 40-line traceback beside the one line this process prints. A blocked
    signal stays blocked across fork and exec, so workers started while the main thread blocks SIGINT never
    see it (this process stops them); this process still gets it through a thread that leaves it unblocked,
    and Python raises KeyboardInterrupt in the main thread as usual.

    Python's multiprocessing resource tracker is started first: starting it ends with SIG_UNBLOCK of SIGINT
    in the calling thread (Python 3.12's ResourceTracker.ensure_running, not a restore of the previous
    mask), and loky starts it from the main thread as it spawns its first worker. Inside the block that undid
    the block, so every worker got Ctrl-C and one still importing printed a traceback (1 in 10 Ctrl-Cs at
    9 s into a 2-job comparison). Running already, it is not started again."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    threading.Thread(target=threading.Event().wait, daemon=True, name="bridges-interrupts").start()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


_watching = threading.Event()
DRIVER_VARIABLE = "BRIDGES_DRIVER"
"""host:pid of the process that starts a sweep's or a comparison's workers; they inherit it."""


def mark_driver() -> None:
    """This process is about to start workers (a sweep, a comparison): they will watch it."""
    os.environ[DRIVER_VARIABLE] = f"{socket.gethostname()}:{os.getpid()}"


def exit_with_parent(period: float = 1.0) -> None:
    """In a worker started by a driver on this host (mark_driver), from its start (the initializer of the
    pool of a comparison or a joblib sweep) or its first job: exit when the driver is gone (at once if it
    already is). A driver killed with SIGKILL cannot stop its workers; without
    this they run on for many minutes, keeping loky's resource tracker and its /dev/shm semaphores alive. The
    run in progress leaves its staging folder, which the next run removes. Nothing happens in the driver
    itself (jobs run in-process), on another host (a Slurm job) or in a process the driver did not start
    while it lives."""
    host, _, pid = os.environ.get(DRIVER_VARIABLE, "").rpartition(":")
    if _watching.is_set() or host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return
    driver = int(pid)
    if driver != os.getppid():
        if not _alive(driver):  # started by the driver, which was killed before this first job
            os._exit(1)
        return
    _watching.set()
    threading.Thread(target=_watch, args=(driver, period), daemon=True, name="bridges-parent").start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(parent: int, period: float) -> None:
    while True:
        time.sleep(period)
        if os.getppid() != parent:
            os._exit(1)
