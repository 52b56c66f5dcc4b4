"""The one exception type for bad user input; run.py turns it into a one-line message and exit code 2."""


class InputError(ValueError):
    """Bad configuration or input data. The message names the key, file, row or column at fault."""
