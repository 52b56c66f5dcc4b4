"""The package's layers: the core runs without Hydra or the run-folder writers, no module imports itself
back through others (import cycles), one name per module (one Params class), and `run(params) -> Results`."""

import ast
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bridges.model import BridgesModel, Results, run
from tests.conftest import ROOT, params_for

PACKAGES = {"bridges": ROOT / "bridges", "bridges.model": ROOT / "model", "bridges.scenarios": ROOT / "scenarios",
            "bridges.calibration": ROOT / "calibration"}
"""The package's modules: bridges/ and the checkout folders that are its subpackages (pyproject.toml's package-dir)."""
APPLICATION = {"bridges.config", "bridges.mesa_api", "bridges.outputs", "bridges.plots"}
"""model/'s application layer: composing conf/ with Hydra, Mesa keywords, writing and drawing run folders."""
NOT_IN_CORE = ("hydra", "omegaconf", "matplotlib", "bridges.scenarios", "bridges.calibration", "bridges.cli", "bridges.sweep",
               *APPLICATION)
"""What no core module may load: Hydra, plotting, the application layer, the analyses, the command line."""
TINY = ["city.n_agents=200", "city.n_neighbourhoods=2", "steps=2"]


def package_modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [part for part in path.relative_to(folder).with_suffix("").parts if part != "__init__"]
            found[".".join([package, *parts])] = path
    return found


MODULES = package_modules()


def for_type_checkers(tree: ast.Module) -> set[int]:
    """The ids of the nodes inside `if TYPE_CHECKING:` blocks: imports for annotations, which never run (a rule
    annotates with the parameter class its mechanism module declares, and that module imports the rule)."""
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
            for statement in node.body for inner in ast.walk(statement)}


def imported(name: str, path: Path, module_level_only: bool = False) -> set[str]:
    """The package's modules that module `name` imports when it runs (inside functions too, unless
    `module_level_only`; not those only type checkers read): `from bridges.model import reference` names the
    module bridges.model.reference, not the package."""
    tree = ast.parse(path.read_text())
    skipped = for_type_checkers(tree)
    nodes = [node for node in (tree.body if module_level_only else ast.walk(tree)) if id(node) not in skipped]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            found.add(target)
    return found - {name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one node (Tarjan): each holds a cycle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle_through_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_for_type_checkers_only_are_not_counted_and_others_are(tmp_path):
    path = tmp_path / "toy.py"
    path.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bridges.model import params\n"
                    "def later():\n    from bridges.model import step\n")
    assert imported("bridges.model.toy", path) == {"typing", "bridges.model.step"}


def test_no_import_cycles_among_the_package_modules():
    """A cycle (cli -> sensitivity -> sweep -> cli was one) means no module of it can be read, tested or
    imported alone. Imports inside functions count: they are how such cycles hide."""
    graph = {name: {other for other in imported(name, path) if other in MODULES} for name, path in MODULES.items()}
    assert any(graph.values())  # the parser found the package's imports
    assert cycles(graph) == []


def test_core_modules_import_no_application_layer_at_module_level():
    core = {name: path for name, path in MODULES.items()
            if name.startswith("bridges.model") and name not in APPLICATION and name != "bridges.model"}
    assert {"bridges.model.model", "bridges.model.step", "bridges.model.simulation"} <= set(core)
    leaks = {name: sorted(other for other in imported(name, path, module_level_only=True)
                          if other.startswith(NOT_IN_CORE))
             for name, path in core.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def loaded_after(code: str, stdin: bytes = b"") -> set[str]:
    """Top-level names and bridges modules in sys.modules after running `code` in a fresh interpreter."""
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], input=stdin, capture_output=True, cwd=ROOT, check=True)
    return set(out.stdout.decode().split())


def test_importing_the_model_loads_neither_hydra_nor_the_output_writers():
    loaded = loaded_after("import bridges.model\nfrom bridges.model import BridgesModel, run")
    assert "bridges.model.model" in loaded
    assert {name for name in loaded if name.startswith(NOT_IN_CORE)} == set()


def test_a_whole_run_from_params_needs_no_hydra():
    """Params made here (with Hydra), pickled to a fresh interpreter that only imports the core and runs them."""
    params = params_for(*TINY)
    loaded = loaded_after("import pickle, sys\nfrom bridges.model import run\n"
                          "results = run(pickle.load(sys.stdin.buffer))\nassert results.timeseries.step.max() == 2",
                          stdin=pickle.dumps(params))
    assert {name for name in loaded if name.startswith(NOT_IN_CORE)} == set()


@pytest.mark.parametrize("package", ["model", "scenarios", "calibration"])
def test_a_checkout_folder_imported_under_its_own_name_is_refused(package):
    """With the checkout on sys.path `import model.params` would load params.py a second time, as a second
    Params class that isinstance checks and pickles do not recognise: it fails with one clear line instead."""
    result = subprocess.run([sys.executable, "-c", f"import {package}"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert f"ImportError: import bridges.{package}, not {package}" in result.stderr


def test_one_params_class_whatever_the_import_path():
    from bridges.model import Params as from_package
    from bridges.model.params import Params as from_module

    assert from_package is from_module
    assert not {"model", "model.params"} & set(sys.modules)  # this process (checkout on sys.path) loaded one


def test_run_steps_the_configured_weeks_and_gives_the_model_s_tables():
    params = params_for(*TINY, "scenario=co_creation", "interventions.co_creation.delivery.start_week=1")
    weeks = []
    results = run(params, on_week=lambda model: weeks.append(model.steps))
    assert isinstance(results, Results) and weeks == [1, 2]
    by_hand = BridgesModel(params)
    by_hand.run_model()
    pd.testing.assert_frame_equal(results.timeseries, by_hand.timeseries())
    pd.testing.assert_frame_equal(results.agents, by_hand.agent_table())
    pd.testing.assert_frame_equal(results.costs, by_hand.intervention_costs())
    pd.testing.assert_frame_equal(results.survey, by_hand.survey_table())
    pd.testing.assert_frame_equal(results.contact_by_setting, by_hand.contact_by_setting())
    assert repr(results.city) == repr({"requested": by_hand.city.requested, "measured": by_hand.city.measured})  # NaNs
    assert results.n_agents == 200
