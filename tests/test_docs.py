"""docs/model.md keeps up with the code: every public rule and intervention function is named in it,
and its schedule lists the phases of STEP_ORDER in the order the model runs them."""

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bridges.model.interventions
from bridges.model.step import STEP_ORDER

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
RULE_MODULES = ("bridges.model.rules.contact", "bridges.model.rules.people", "bridges.model.rules.friendship", "bridges.model.rules.beliefs",
                "bridges.model.rules.encounters", "bridges.model.rules.partner", "bridges.model.rules.selection", "bridges.model.rules.generalisation",
                "bridges.model.rules.negativity", "bridges.model.rules.norms", "bridges.model.rules.threat", "bridges.model.rules.variability")
INTERVENTION_MODULES = ("bridges.model.interventions",) + tuple(
    f"bridges.model.interventions.{info.name}" for info in pkgutil.iter_modules(bridges.model.interventions.__path__))
EFFECT_FUNCTIONS = ("relieve_distress", "correct_beliefs", "lift_barrier", "negative_contact_cut", "match_buddies",
                    "form_groups", "programme_block")


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def public_functions(module_name: str) -> list[str]:
    """Functions defined in the module itself (not imported into it) whose names do not start with '_'."""
    module = importlib.import_module(module_name)
    return [name for name, value in inspect.getmembers(module, inspect.isfunction)
            if value.__module__ == module_name and not name.startswith("_")]


def named_in(doc: str, name: str) -> bool:
    """The name appears as code in the document (`name`, `name(...)` or `name,` inside backticks)."""
    return re.search(rf"`{re.escape(name)}\b", doc) is not None


@pytest.mark.parametrize("module_name", RULE_MODULES + INTERVENTION_MODULES)
def test_every_public_function_is_named(doc, module_name):
    missing = [name for name in public_functions(module_name) if not named_in(doc, name)]
    assert not missing, f"docs/model.md does not name {module_name}: {', '.join(missing)}"


def test_the_modules_have_functions_to_check():
    assert all(public_functions(name) for name in RULE_MODULES)
    found = {name for module_name in INTERVENTION_MODULES for name in public_functions(module_name)}
    assert set(EFFECT_FUNCTIONS) <= found


def test_effect_functions_are_named(doc):
    assert all(named_in(doc, name) for name in EFFECT_FUNCTIONS)


def test_schedule_lists_step_order_in_order(doc):
    phases = [phase.__name__ for phase in STEP_ORDER]
    assert all(named_in(doc, name) for name in phases)
    schedule = doc.split("## 3 Process overview and scheduling", 1)[1].split("\n## 4 ", 1)[0]
    listed = re.findall(r"^\d+\. `(\w+)`", schedule, flags=re.MULTILINE)
    assert listed == phases, f"the numbered schedule in section 3 should list {phases}, got {listed}"
    positions = [schedule.index(f"`{name}`") for name in phases]
    assert positions == sorted(positions)


def test_parameter_tables_match_conf():
    """docs/parameters.md is regenerated from conf/ comments: `python scripts/parameter_tables.py`."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "parameter_tables.py"), "--check"])
    assert result.returncode == 0, "docs/parameters.md is out of date: run python scripts/parameter_tables.py"


def test_parameter_tables_check_fails_when_a_city_preset_is_undocumented(tmp_path, monkeypatch):
    """A preset added to conf/city/ (issue 22: a hand-kept list let one go missing) makes `--check` fail."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import parameter_tables
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    documented = (ROOT / "docs" / "parameters.md").read_text()
    for name in parameter_tables.files():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((ROOT / name).read_text())
    monkeypatch.setattr(parameter_tables, "ROOT", tmp_path)
    assert parameter_tables.render() == documented
    (tmp_path / "conf" / "city" / "atlantis.yaml").write_text("n_agents: 500  # a preset nobody documented\n")
    rendered = parameter_tables.render()
    assert rendered != documented and "## `conf/city/atlantis.yaml`" in rendered


def test_observation_lists_every_declared_metric(doc):
    from bridges.model.metrics import METRICS

    observation = doc.split("**Observation.**", 1)[1].split("\n\n", 1)[0]
    missing = [metric.name for metric in METRICS if f"`{metric.name}`" not in observation]
    assert not missing, f"section 4's Observation does not list the metrics {missing}"
