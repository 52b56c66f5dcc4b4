"""The mechanism modules (model/mechanisms/) are the one list the week is made of: every state field,
model attribute and metric has exactly one owner among them, both engines run every registered phase,
and only the programmes mechanism reaches into the interventions."""

import ast
import inspect
from collections import Counter
from pathlib import Path

import pytest

from bridges.model import BridgesModel
from bridges.model.mechanisms import MECHANISMS, PHASES, PLAN
from bridges.model.mechanisms.base import ALL, Rows, Setup
from bridges.model.metrics import group_metrics
from bridges.model.state import State
from bridges.model.step import ACCESS, STEP_ORDER
from tests.conftest import SMALL_CITY, params_for

MECHANISM_FOLDER = Path(__file__).resolve().parents[1] / "model" / "mechanisms"


def owners(attribute: str) -> Counter:
    return Counter(name for mechanism in MECHANISMS for name in attribute_names(mechanism, attribute))


def attribute_names(mechanism, attribute: str) -> list[str]:
    values = getattr(mechanism, attribute)
    return [value.name if hasattr(value, "name") else value for value in values]


def test_every_state_field_has_one_owner_with_its_dtype(small_params):
    owned = owners("state")
    assert sorted(owned) == sorted(State.field_names()), "state fields without an owner, or owned but not in State"
    assert all(count == 1 for count in owned.values()), {name: n for name, n in owned.items() if n > 1}
    model = BridgesModel(small_params)
    for mechanism in MECHANISMS:
        for var in mechanism.state:
            assert getattr(model.state, var.name).dtype == var.dtype, f"{mechanism.name} declares {var}"


def test_every_model_attribute_a_phase_names_has_one_owner():
    owned = owners("attributes")
    assert all(count == 1 for count in owned.values()), {name: n for name, n in owned.items() if n > 1}
    named = {name.removeprefix("model.") for access in ACCESS.values() for name in (*access.reads, *access.writes)
             if name.startswith("model.")}
    assert named <= set(owned), f"phases name model attributes no mechanism owns: {sorted(named - set(owned))}"


def test_every_metric_has_one_owner(small_params):
    model = BridgesModel(small_params)
    model.step()
    recorded = {metric for _, metric, _ in group_metrics(model.state, model.week)}
    owned = owners("metrics")
    assert set(owned) == recorded, f"undeclared: {sorted(recorded - set(owned))}, never recorded: {sorted(set(owned) - recorded)}"
    assert all(count == 1 for count in owned.values())


def test_step_order_and_access_come_from_the_mechanisms():
    assert STEP_ORDER == tuple(phase for position in PLAN for phase in position.phases)
    assert sorted(phase.name for phase in STEP_ORDER) == sorted(phase.name for mechanism in MECHANISMS
                                                                for phase in mechanism.phases)
    assert list(ACCESS) == [phase.name for phase in PHASES]
    assert len(set(ACCESS)) == len(PHASES), "two phases share a name"


@pytest.mark.parametrize("engine", ["vectorised", "agents"])
def test_each_engine_runs_every_registered_phase(engine):
    """A phase missing from an engine's week leaves its time at zero (issue 22: an attitude mechanism added
    to one engine only passed the engine-agreement test at a small effect size)."""
    model = BridgesModel(params_for(*SMALL_CITY, "city.n_agents=200", "steps=1"), engine=engine)
    for phase in PHASES:
        model.phase_seconds[phase.name] = 0.0
    model.step()
    ran = [name for name, seconds in model.phase_seconds.items() if seconds > 0.0]
    assert ran == [phase.name for phase in PHASES]


def test_steps_over_residents_take_who_and_whole_model_steps_take_the_model():
    """A step written over residents defaults to every resident (the vectorised week); the phase's function
    is one of its steps."""
    for phase in PHASES:
        steps = [part.step if isinstance(part, (Rows, Setup)) else part for part in phase.parts]
        assert phase.run in steps, f"{phase.name}: its function is not one of its steps"
        for part in phase.parts:
            parameters = inspect.signature(part.step if isinstance(part, (Rows, Setup)) else part).parameters
            if isinstance(part, Rows):
                assert list(parameters) == ["model", "who"], f"{phase.name}: {part}"
                assert parameters["who"].default is ALL, f"{phase.name}: {part}"
            else:
                assert list(parameters) == ["model"], f"{phase.name}: {part}"


def test_only_the_programmes_mechanism_imports_an_intervention():
    for path in MECHANISM_FOLDER.glob("*.py"):
        imported = {node.module for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.ImportFrom) and node.module}
        reaching = {module for module in imported if module.startswith("bridges.model.interventions")}
        assert not reaching or path.stem == "programmes", f"{path.name} imports {sorted(reaching)}"


def test_an_effect_reaches_only_its_declared_levers(small_params):
    """The intervention that wrote `state.belonging` undeclared (issue 22) now fails on its first write."""
    from bridges.model.interventions.programme import EFFECTS

    effect = EFFECTS["distress_relief"]("relief", {"distress_reduction": 0.1})
    model = BridgesModel(small_params)
    assert effect.lever(model, "state.distress") is model.state.distress
    with pytest.raises(RuntimeError, match="changes state.belonging without declaring it"):
        effect.lever(model, "state.belonging")


def test_no_core_module_is_over_500_lines():
    """A module a contributor must read whole stays readable (issue 22: params.py had 786 lines)."""
    core = MECHANISM_FOLDER.parent
    long = {str(path.relative_to(core)): n for path in core.rglob("*.py")
            if (n := len(path.read_text().splitlines())) > 500}
    assert not long, f"split these modules: {long}"


def test_every_declared_parameter_key_exists(small_params):
    for mechanism in MECHANISMS:
        for key in mechanism.params:
            value = small_params
            for part in key.split("."):
                assert hasattr(value, part), f"{mechanism.name} declares parameters {key!r}, not a key of Params"
                value = getattr(value, part)
