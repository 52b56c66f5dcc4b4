"""The `bridges` command's entry (`python run.py`, `python -m bridges`, the `bridges` script): signals are
handled from the first line, before the heavy libraries load, and after the work is done.

Ctrl-C (or SIGTERM) while numpy, pandas, Hydra and Mesa are still importing (a second or more) prints one
line and exits with 130 (143) instead of a traceback; nothing can have been written yet. Once the command
has finished (its folder renamed into place and `wrote ...` printed), a signal during the interpreter's
shutdown exits at once with the command's own exit code: the folder is complete and stays.

Sweeps and comparisons use the two helpers for their worker processes: Ctrl-C reaches the driver only
(interrupts_for_this_process_only), and a worker exits when its driver is killed (mark_driver,
exit_with_parent). This module imports nothing beyond the standard library, so it loads at once.
"""

import contextlib
import os
import signal
import socket
import sys
import threading
import time


def _stopped_while_starting(signum, frame):
    os.write(2, b"interrupted: stopped while starting, nothing written\n" if signum == signal.SIGINT
             else b"terminated: stopped while starting, nothing written\n")
    os._exit(130 if signum == signal.SIGINT else 143)


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


_watching = threading.Event()
DRIVER_VARIABLE = "BRIDGES_DRIVER"
"""host:pid of the process that starts a sweep's or a comparison's workers; they inherit it."""


def mark_driver() -> None:
    """This process is about to start workers (a sweep, a comparison): they will watch it."""
    os.environ[DRIVER_VARIABLE] = f"{socket.gethostname()}:{os.getpid()}"


def exit_with_parent(period: float = 1.0) -> None:
    """In a worker started by a driver on this host (mark_driver), from its first job on: exit when the
    driver is gone (at once if it already is). A driver killed with SIGKILL cannot stop its workers; without
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


def _handle(signum: int, handler) -> None:
    """Install `handler` unless the signal is ignored (inherited SIG_IGN is the caller's choice)."""
    if signal.getsignal(signum) is not signal.SIG_IGN:
        signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """The command itself (bridges.cli.main), imported only when called: what tests call in-process."""
    from bridges.cli import main as run_command

    return run_command(argv)


def entry() -> None:
    """The process entry: signal handlers first, then the command, then a quiet exit on a late signal. A
    signal the process was started ignoring (`nohup`, a background job of a script) stays ignored."""
    _handle(signal.SIGINT, _stopped_while_starting)
    _handle(signal.SIGTERM, _stopped_while_starting)
    try:
        code = main()
    except KeyboardInterrupt:  # in the instant between the command's own handling and its return
        os.write(2, b"interrupted: stopped\n")
        code = 130
    except BrokenPipeError:  # output piped into a reader that stopped early (`| head`): nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141  # 128 + SIGPIPE, as a shell reports a command stopped by a closed pipe

    def finished(signum, frame):
        os._exit(code)

    _handle(signal.SIGINT, finished)
    _handle(signal.SIGTERM, finished)
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    entry()
