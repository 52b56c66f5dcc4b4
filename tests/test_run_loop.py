"""One place runs a simulation to its end (issue 22): `simulate` in model/simulation.py, which `run` and
every analysis use; named snapshot weeks replace the analyses' own step loops."""

import ast

import numpy as np

from bridges.model.simulation import build, run, simulate, snapshots
from tests.conftest import params_for
from tests.test_layers import MODULES

STEPPERS = {"bridges.model.simulation": "simulate: the one loop to the end",
            "bridges.model.model": "BridgesModel.follow_up: weeks past the configured end"}
"""The only modules that call `.step()` on a model."""


def step_calls(path) -> int:
    """Calls of a method named `step` with no arguments in the file (model.step())."""
    return sum(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step"
               and not node.args and not node.keywords for node in ast.walk(ast.parse(path.read_text())))


def test_no_module_but_the_simulation_steps_a_model():
    stepping = {name for name, path in MODULES.items() if step_calls(path)}
    assert "bridges.model.simulation" in stepping  # the scan sees the one loop
    assert stepping <= set(STEPPERS), sorted(stepping - set(STEPPERS))


def test_snapshots_keep_what_they_read_at_the_named_weeks_only():
    params = params_for("city.n_agents=200", "city.n_neighbourhoods=2", "steps=3")
    on_week, kept = snapshots([1, 3], lambda model: float(model.state.attitude.mean()))
    results = run(params, on_week=on_week)
    series = results.timeseries
    everyone = series[(series.group == "all") & (series.metric == "attitude_mean")].set_index("step").value
    assert sorted(kept) == [1, 3]
    assert kept == {week: everyone[week] for week in (1, 3)}  # exactly the weekly metric at those weeks


def test_build_then_simulate_is_run():
    params = params_for("city.n_agents=200", "city.n_neighbourhoods=2", "steps=2")
    model, _ = build(params)
    start = model.state.attitude.copy()  # what a caller of build sees before the first week
    halves = simulate(model)
    whole = run(params)
    assert model.steps == 2 and not np.array_equal(start, halves.model.state.attitude)
    assert halves.timeseries.equals(whole.timeseries) and halves.agents.equals(whole.agents)
