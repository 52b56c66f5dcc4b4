"""The `bridges` command's entry (`python run.py`, `python -m bridges`, the `bridges` script): signals are
handled from the first line, before the heavy libraries load, and after the work is done.

Ctrl-C (or SIGTERM) while numpy, pandas, Hydra and Mesa are still importing (a second or more) prints one
line and exits with 130 (143) instead of a traceback; nothing can have been written yet. Once the command
has finished (its folder renamed into place and `wrote ...` printed), a signal during the process's end is
ignored and the command's own exit code stands: the folder is complete and stays. The process ends without the
interpreter's teardown (`finish`).

This module imports nothing beyond the standard library, so it loads at once; the command itself
(bridges/cli.py) is imported when called. The helpers for worker processes are in bridges/workers.py.
"""

import atexit
import os
import signal
import sys
import threading


ARROW_POOL = "ARROW_DEFAULT_MEMORY_POOL"
"""Arrow's allocator for the command's tables, read when pyarrow loads: the C library's (`system`) unless the
environment names one. Arrow's default, mimalloc, kept the pages of the agent table's row groups resident once
freed: a million residents' Parquet file raised the process's peak by 160-170 MiB, 95-100 MiB with the C library's
(the same file, as fast: 0.47-0.67 s against 0.58-0.61). A program that imports Bridges keeps its own choice."""


def _stopped_while_starting(signum, frame):
    os.write(2, b"interrupted: stopped while starting, nothing written\n" if signum == signal.SIGINT
             else b"terminated: stopped while starting, nothing written\n")
    os._exit(130 if signum == signal.SIGINT else 143)


def _handle(signum: int, handler) -> None:
    """Install `handler` unless the signal is ignored (inherited SIG_IGN is the caller's choice)."""
    if signal.getsignal(signum) is not signal.SIG_IGN:
        signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """The command itself (bridges.cli.main), imported only when called: what tests call in-process."""
    from bridges.cli import main as run_command

    return run_command(argv)


def entry() -> None:
    """The process entry: signal handlers first, then the command, then signals ignored while the process ends
    (`finish`; the interpreter's own shutdown reset Python handlers to the default early, so a Ctrl-C just after
    `wrote` killed the finished process with -2). A signal the process was started ignoring (`nohup`, a
    background job of a script) stays ignored."""
    _handle(signal.SIGINT, _stopped_while_starting)
    _handle(signal.SIGTERM, _stopped_while_starting)
    os.environ.setdefault(ARROW_POOL, "system")
    try:
        code = main()
    except KeyboardInterrupt:  # in the instant between the command's own handling and its return
        os.write(2, b"interrupted: stopped\n")
        code = 130
    except BrokenPipeError:  # output piped into a reader that stopped early (`| head`): nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141  # 128 + SIGPIPE, as a shell reports a command stopped by a closed pipe

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is done: nothing left to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    finish(code)


def finish(code: int) -> None:
    """End the process with `code` without the interpreter's teardown of every module and object, which took
    0.6-0.75 s after a million-resident run had been written (0.05 s this way), as mypy's fast exit skips it. What
    the teardown would still have done runs first: the exit handlers (atexit: logging, temporary folders) and
    flushing the standard streams. The command's files are closed by then (each is written in a `with` block or
    by pandas/pyarrow, which close them). A process with worker processes or threads still alive (a calibration's
    loky pool) exits the interpreter's way: it stops pools before the exit handlers run, and the exit handlers
    run first here joined the idle loky workers until their 300 s timeout."""
    if _workers_alive():
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader gone (`| head`), or a stream a caller closed
            pass
    os._exit(code)


def _workers_alive() -> bool:
    """Whether child processes (multiprocessing's, loky's) or threads other than the main one and daemons run."""
    processes = sys.modules.get("multiprocessing.process")
    if processes is not None and processes.active_children():
        return True
    return any(thread.is_alive() and not thread.daemon and thread is not threading.main_thread()
               for thread in threading.enumerate())


if __name__ == "__main__":
    entry()
