"""Ctrl-C for a process that starts workers (a sweep's launcher, a comparison's replicates): this process
stops them, they do not each print a traceback."""

import contextlib
import signal
import threading


@contextlib.contextmanager
def interrupts_for_this_process_only():
    """Ctrl-C reaches this process, not the worker processes it starts meanwhile (a sweep's or a
    comparison's). A terminal sends SIGINT to every process of the foreground group, so a worker still
    importing its libraries printed a 40-line traceback beside the one line this process prints. A blocked
    signal stays blocked across fork and exec, so workers started while the main thread blocks SIGINT never
    see it (this process stops them); this process still gets it through a thread that leaves it unblocked,
    and Python raises KeyboardInterrupt in the main thread as usual."""
    threading.Thread(target=threading.Event().wait, daemon=True, name="bridges-interrupts").start()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
