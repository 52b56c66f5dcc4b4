"""Scenarios: Hydra configs (the `scenario` config group, `conf/scenario/*.yaml`) and their comparison."""

if __name__ != "bridges.scenarios":  # e.g. `import scenarios` with the checkout on sys.path
    raise ImportError(f"import bridges.scenarios, not {__name__}: this folder is the package bridges.scenarios, and under a "
                      "second name every class in it (Params, ...) would load again as a different class")
