"""`python -m bridges ARGS`: the `bridges` command."""

import sys

from bridges.start import main

sys.exit(main())
