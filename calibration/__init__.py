"""Calibration of the model to survey data (ABC-SMC with pyabc), and the survey files it reads."""

if __name__ != "bridges.calibration":  # e.g. `import calibration` with the checkout on sys.path
    raise ImportError(f"import bridges.calibration, not {__name__}: this folder is the package bridges.calibration, and under a "
                      "second name every class in it (Params, ...) would load again as a different class")
