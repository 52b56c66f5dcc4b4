"""`python -m bridges ARGS`: the `bridges` command."""

from bridges.start import entry

entry()
