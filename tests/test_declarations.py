"""Mechanisms are found and ordered by what they declare (issue 22): a new module in model/mechanisms/ is
picked up by both engines, placed by its `after`/`before`, and its parameter section joins Params, with no
other edit; an order the declarations leave open is refused rather than guessed."""

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, fields

import pytest

from bridges.model.errors import InputError
from bridges.model.mechanisms import MECHANISMS, discover, week_order
from bridges.model.mechanisms.base import Mechanism
from bridges.model.params import Params, SharedParams, declared_sections
from tests.conftest import ROOT

WEEK = ("people", "programmes", "incidental", "contact", "partners", "attitudes", "friendship", "norms", "beliefs",
        "threat", "livelihoods", "turnover", "wellbeing", "discrimination", "outputs")
"""The mechanisms' order before discovery (the hand-kept list of model/mechanisms/__init__.py): the golden
baseline pins it, and this test says so by name."""


def chain(*names: str) -> list[Mechanism]:
    return [Mechanism(name=name, params=(), after=previous) for previous, name in zip((None, *names), names)]


def test_the_declarations_give_the_week_s_order():
    """Modules added since keep these in this order among themselves."""
    assert tuple(mechanism.name for mechanism in MECHANISMS if mechanism.name in WEEK) == WEEK


def test_order_follows_after_whatever_order_the_modules_are_found_in():
    found = chain("a", "b", "c")
    assert [m.name for m in week_order(found[::-1])] == ["a", "b", "c"]


def test_a_module_placed_by_after_and_before_goes_between():
    found = [*chain("a", "b", "c"), Mechanism(name="new", params=(), after="a", before="b")]
    assert [m.name for m in week_order(found)] == ["a", "new", "b", "c"]


def test_two_modules_that_could_each_run_next_are_refused():
    """Ordering them by name would silently change results when a module is renamed."""
    found = [*chain("a", "b", "c"), Mechanism(name="new", params=(), after="a")]
    with pytest.raises(InputError, match="b and new could each run next; declare before= on one of them"):
        week_order(found)


@pytest.mark.parametrize("bad, message", [
    (Mechanism(name="new", params=(), after="nowhere"), "new declares after='nowhere', no such mechanism"),
    (Mechanism(name="b", params=(), after="a"), "two modules declare the same mechanism name"),
    (Mechanism(name="new", params=(), after="c", before="a"), "form a loop"),
])
def test_bad_declarations_are_named(bad, message):
    with pytest.raises(InputError, match=message):
        week_order([*chain("a", "b", "c"), bad])


@pytest.mark.parametrize("name, source, message", [  # a package of its own per case: imports are cached
    ("found_none", "", "toy.py: declares no MECHANISM"),
    ("found_misnamed", "MECHANISM = Mechanism(name='other', params=())",
     "toy.py: declares the mechanism 'other'; name it 'toy'"),
])
def test_a_module_is_found_by_its_name_and_must_declare_its_mechanism(tmp_path, monkeypatch, name, source, message):
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "toy.py").write_text(f"from bridges.model.mechanisms.base import Mechanism\n{source}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(InputError, match=message):
        discover([str(package)], name)


@dataclass(frozen=True)
class Toy:
    rate: float


def test_a_parameter_section_is_declared_once():
    assert declared_sections([Mechanism(name="toy", params=("toy",), parameters={"toy": Toy})]) == {"toy": Toy}
    with pytest.raises(InputError, match="toy.py: parameter section 'seed' is declared twice"):
        declared_sections([Mechanism(name="toy", params=(), parameters={"seed": Toy})])
    with pytest.raises(InputError, match="parameter section 'toy' is declared twice"):
        declared_sections([Mechanism(name="toy", params=(), parameters={"toy": Toy}),
                           Mechanism(name="other", params=(), parameters={"toy": Toy})])


def test_params_is_the_shared_sections_plus_the_declared_ones():
    shared = [item.name for item in fields(SharedParams)]
    declared = list(declared_sections(MECHANISMS))
    assert [item.name for item in fields(Params)] == shared + declared


PROBE = '''
"""A toy mechanism written by the test: after attitudes, anxiety eases by `probe.ease` a week."""

from dataclasses import dataclass, field

from bridges.model.mechanisms.base import ALL, Mechanism, Phase
from bridges.model.ranges import UNIT


@dataclass(frozen=True)
class ProbeParams:
    ease: float = field(metadata=UNIT)


def ease_anxiety(model, who=ALL) -> None:
    model.state.anxiety[who] *= 1.0 - model.params.probe.ease


MECHANISM = Mechanism(
    name="probe", after="attitudes", before="friendship", params=("probe",), parameters={"probe": ProbeParams},
    phases=(Phase(ease_anxiety, reads=("state.anxiety",), writes=("state.anxiety",)),))
'''

RUN = '''
from bridges.config import compose_config, model_params, to_plain
from bridges.model import BridgesModel
from bridges.model.errors import InputError
from bridges.model.step import STEP_ORDER

order = [phase.__name__ for phase in STEP_ORDER]
assert order[order.index("update_attitudes") + 1] == "ease_anxiety", order
tiny = ["city.n_agents=200", "city.n_neighbourhoods=2", "steps=1"]
for engine in ("vectorised", "agents"):
    anxiety = {}
    for ease in (0.0, 0.5):
        params = model_params(to_plain(compose_config([*tiny, f"probe.ease={ease}", f"engine={engine}"])))
        model = BridgesModel(params)
        model.phase_seconds["ease_anxiety"] = 0.0
        model.step()
        assert model.phase_seconds["ease_anxiety"] > 0.0, engine
        anxiety[ease] = model.state.anxiety.mean()
    assert anxiety[0.5] < anxiety[0.0], (engine, anxiety)
try:
    model_params(to_plain(compose_config([*tiny, "probe.ease=2"])))
except InputError as error:
    print(error)
'''


@pytest.mark.slow
def test_a_new_module_runs_in_both_engines_with_no_other_edit(tmp_path):
    """The package laid out as installed (bridges/, bridges/model/, bridges/conf/), plus one new module in
    model/mechanisms/ and its YAML (conf/probe/default.yaml, a line in conf/config.yaml): its phase runs in both engines right after update_attitudes, its section is a key of
    Params checked like any other, and nothing else was edited."""
    shutil.copytree(ROOT / "bridges", tmp_path / "bridges", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "model", tmp_path / "bridges" / "model", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "conf", tmp_path / "bridges" / "conf", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "bridges" / "model" / "mechanisms" / "probe.py").write_text(textwrap.dedent(PROBE))
    conf = tmp_path / "bridges" / "conf"
    (conf / "probe").mkdir()
    (conf / "probe" / "default.yaml").write_text("ease: 0.0  # share of anxiety eased a week; assumption\n")
    config = (conf / "config.yaml").read_text()
    (conf / "config.yaml").write_text(config.replace("  - _self_", "  - probe: default\n  - _self_", 1))
    result = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "probe.ease: must be in [0, 1], got 2.0"


def test_parameter_tables_check_names_a_key_with_no_default_in_conf(tmp_path, monkeypatch):
    """A parameter added in code but not to conf/ (a mechanism's new key with a default, so the run never
    misses it) makes `scripts/parameter_tables.py --check` fail, naming it."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import parameter_tables
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    monkeypatch.setattr(parameter_tables, "ROOT", tmp_path)
    assert parameter_tables.undocumented() == []
    dynamics = tmp_path / "conf" / "dynamics" / "default.yaml"
    dynamics.write_text("\n".join(line for line in dynamics.read_text().splitlines()
                                  if not line.startswith("reference:")))
    assert parameter_tables.undocumented() == ["dynamics.reference"]
