"""Bridges model: state, city, rules, step order. Imports nothing from scenarios/, calibration/ or run.py.

The core (state, city, rules, interventions, step, model, simulation) imports neither Hydra nor the run-folder
writers; composing a configuration from conf/ (config.py, mesa_api.py) and writing outputs (outputs.py,
plots.py) are the application layer, which the core loads only when a model is built from keywords."""

if __name__ != "bridges.model":  # e.g. `import model` with the checkout on sys.path
    raise ImportError(f"import bridges.model, not {__name__}: this folder is the package bridges.model, and under a "
                      "second name every class in it (Params, ...) would load again as a different class")

from bridges.model.model import BridgesModel, RunFinished
from bridges.model.params import GROUPS, Params
from bridges.model.simulation import Results, run

__all__ = ["BridgesModel", "GROUPS", "Params", "Results", "RunFinished", "run"]
