"""Bridges command line from a checkout: `python run.py ARGS` is `bridges ARGS` (bridges/cli.py)."""

import sys

from bridges.start import main

if __name__ == "__main__":
    sys.exit(main())
