"""Bridges command line from a checkout: `python run.py ARGS` is `bridges ARGS` (bridges/cli.py)."""

from bridges.start import entry, main  # noqa: F401 (main: the command, for callers in-process)

if __name__ == "__main__":
    entry()
