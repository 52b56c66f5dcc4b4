"""Scenario comparison on common random numbers, under a short name: `from bridges.compare import ...`.

The code lives in bridges.scenarios.compare; these are its public entry points."""

from bridges.scenarios.compare import (
    CompareOptions,
    compare_options,
    cost_effectiveness,
    paired_effects,
    run_comparison,
    run_replicate,
    scenario_configs,
)

__all__ = ["CompareOptions", "compare_options", "cost_effectiveness", "paired_effects", "run_comparison",
           "run_replicate", "scenario_configs"]
