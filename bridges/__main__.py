"""`python -m bridges ARGS`: the `bridges` command."""

import sys

from bridges.cli import main

sys.exit(main())
