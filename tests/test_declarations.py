"""Mechanisms are found and ordered by what they declare (issue 22): a new module in model/mechanisms/ is
picked up by both engines, placed by its `after`/`before`, and its parameter section joins Params, with no
other edit; an order the declarations leave open is refused rather than guessed."""

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from dataclasses import FrozenInstanceError, dataclass, fields

import pytest

from bridges.model import params as params_module
from bridges.model.errors import InputError
from bridges.model.mechanisms import MECHANISMS, PHASES, discover, positions, week_order
from bridges.model.mechanisms.base import ALL, Key, Mechanism, Phase
from bridges.model.params import SHARED_KEYS, Params, SharedParams, declared_sections
from bridges.model.ranges import UNIT
from bridges.model.schema import build
from tests.conftest import ROOT, params_for

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


def first_half(model) -> None:
    """A toy phase (never run: the tests below only place it)."""


def second_half(model) -> None:
    """A toy phase (never run: the tests below only place it)."""


def two_places(second_after: str | None = "b", second_before: str | None = "c", name: str = "new") -> Mechanism:
    """A mechanism acting at two places of the week: `first_half` with it after a, `second_half` placed on its
    own (after `second_after`, before `second_before`)."""
    return Mechanism(name=name, params=(), after="a", before="b",
                     phases=(Phase(first_half, reads=(), writes=()),
                             Phase(second_half, reads=(), writes=(), after=second_after, before=second_before)))


def plan(mechanisms) -> list[str]:
    return [position.name for position in week_order([item for m in mechanisms for item in positions(m)])]


def test_one_module_runs_its_phases_at_two_places_of_the_week():
    """As standing threat needs (set aside before the norm, restored after it), without a second module."""
    assert plan([*chain("a", "b", "c"), two_places()]) == ["a", "new", "b", "second_half", "c"]
    positioned = {item.name: item.phases for item in positions(two_places())}
    assert [phase.name for phase in positioned["new"]] == ["first_half"]
    assert [phase.name for phase in positioned["second_half"]] == ["second_half"]
    # another mechanism may name the placed phase
    assert plan([*chain("a", "b"), two_places(second_before=None),
                 Mechanism(name="late", params=(), after="second_half")]) == ["a", "new", "b", "second_half", "late"]


@pytest.mark.parametrize("declared, message", [
    (two_places(second_after="c", second_before="b"), "form a loop"),
    (two_places(second_after="nowhere"), "second_half declares after='nowhere', no such mechanism"),
    (two_places(second_after=None, second_before="c"), "new.py: phase second_half declares before= without after="),
    (two_places(second_before=None), "c and second_half could each run next; declare before= on one of them"),
    (two_places(name="second_half"), "two modules declare the same mechanism name"),
])
def test_a_placed_phase_that_cannot_be_placed_is_refused_in_one_line(declared, message):
    with pytest.raises(InputError, match=message):
        plan([*chain("a", "b", "c"), declared])


def test_the_week_places_a_two_place_module_among_the_real_mechanisms():
    """The real week plus a module with one phase after attitudes and one after beliefs: PHASES keeps every
    other phase where it was and puts each half right after its place (after beliefs, before threat: the norm's
    own slot is standing threat's second half's)."""
    def ease(model, who=ALL) -> None:
        """A toy phase."""

    def ease_again(model, who=ALL) -> None:
        """A toy phase."""

    toy = Mechanism(name="toy", params=(), after="attitudes", before="friendship",
                    phases=(Phase(ease, reads=(), writes=()),
                            Phase(ease_again, reads=(), writes=(), after="beliefs", before="threat")))
    week = week_order([item for m in (*MECHANISMS, toy) for item in positions(m)])
    order = [phase.name for item in week for phase in item.phases]
    assert [name for name in order if name not in ("ease", "ease_again")] == [phase.name for phase in PHASES]
    assert order[order.index("update_attitudes") + 1] == "ease"
    assert order[order.index("update_beliefs") + 1] == "ease_again"


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


def toy(name: str, **parameters) -> Mechanism:
    """A mechanism declaring these parameters (dots in the keys written as __)."""
    return Mechanism(name=name, params=(),
                     parameters={key.replace("__", "."): kind for key, kind in parameters.items()})


def test_a_parameter_section_is_declared_once():
    assert declared_sections([toy("toy", toy=Toy)], shared={}) == {"toy": Toy}
    for twice in ([toy("toy", seed=Toy)], [toy("toy", toy=Toy), toy("other", toy=Toy)],
                  [toy("toy", toy=Toy), toy("other", toy__rate=Key(float))],
                  [toy("toy", toy__rate=Key(float)), toy("other", toy=Toy)],
                  [toy("toy", toy__rate=Key(float)), toy("other", toy__rate=Key(float))]):
        with pytest.raises(InputError, match=f"model/mechanisms/{twice[-1].name}.py: parameter section '"):
            declared_sections(twice, shared={})
    with pytest.raises(InputError, match="toy.py: parameter 'toy.rate.deep': declare a section or one key"):
        declared_sections([toy("toy", toy__rate__deep=Key(float))], shared={})


def test_a_section_declared_key_by_key_has_every_key_in_the_order_of_the_week():
    """Two modules each own keys of one section (as contact and dynamics are shared): the section is a frozen
    dataclass of their keys, the shared ones first, each checked by build with its own metadata."""
    sections = declared_sections([toy("first", pace__gain=Key(float, UNIT), pace__toy=Toy),
                                  toy("second", pace__label=Key(str))], shared={"pace.scale": Key(float, UNIT)})
    pace = sections["pace"]
    assert (pace.__name__, [item.name for item in fields(pace)]) == ("PaceParams", ["scale", "gain", "toy", "label"])
    built = build(pace, {"scale": 1.0, "gain": 0.5, "toy": {"rate": 2}, "label": "x"}, "pace")
    assert (built.gain, built.toy, built.label) == (0.5, Toy(rate=2.0), "x")
    with pytest.raises(FrozenInstanceError):
        built.gain = 0.1
    with pytest.raises(InputError, match=r"^pace.gain: must be in \[0, 1\]"):
        build(pace, {"scale": 1.0, "gain": 2.0, "toy": {"rate": 2}, "label": "x"}, "pace")


def test_the_model_sections_are_composed_from_their_modules():
    """contact and dynamics: every key declared by exactly the module that owns it, the classes pickled by name."""
    owner = {key: mechanism.name for mechanism in MECHANISMS for key in mechanism.parameters}
    assert owner["contact.quality"] == "contact" and owner["dynamics.employment"] == "livelihoods"
    assert {mechanism.name: set(mechanism.parameters) - set(mechanism.params) for mechanism in MECHANISMS
            if set(mechanism.parameters) - set(mechanism.params)} == {}  # what a module owns, it lists as read
    for section in ("contact", "dynamics"):
        kind = type(getattr(params_for(), section))
        assert kind is getattr(params_module, kind.__name__)
        assert {f"{section}.{item.name}" for item in fields(kind)} == \
            {key for key in owner if key.startswith(f"{section}.")} | {key for key in SHARED_KEYS if key.startswith(section)}
    assert pickle.loads(pickle.dumps(params_for())) == params_for()


def test_params_is_the_shared_sections_plus_the_declared_ones():
    shared = [item.name for item in fields(SharedParams)]
    declared = list(declared_sections(MECHANISMS))
    assert [item.name for item in fields(Params)] == shared + declared


PROBE = '''
"""A toy mechanism written by the test: after attitudes, anxiety eases by `probe.ease` a week, and again
after beliefs (one module, two places in the week)."""

from dataclasses import dataclass, field

from bridges.model.mechanisms.base import ALL, Mechanism, Phase
from bridges.model.ranges import UNIT


@dataclass(frozen=True)
class ProbeParams:
    ease: float = field(metadata=UNIT)


def ease_anxiety(model, who=ALL) -> None:
    model.state.anxiety[who] *= 1.0 - model.params.probe.ease


def ease_anxiety_again(model, who=ALL) -> None:
    model.state.anxiety[who] *= 1.0 - model.params.probe.ease


MECHANISM = Mechanism(
    name="probe", after="attitudes", before="friendship", params=("probe",), parameters={"probe": ProbeParams},
    phases=(Phase(ease_anxiety, reads=("state.anxiety",), writes=("state.anxiety",)),
            Phase(ease_anxiety_again, reads=("state.anxiety",), writes=("state.anxiety",), after="beliefs",
                  before="threat")))
'''

RUN = '''
from bridges.config import compose_config, model_params, to_plain
from bridges.model import BridgesModel
from bridges.model.errors import InputError
from bridges.model.step import STEP_ORDER

order = [phase.__name__ for phase in STEP_ORDER]
assert order[order.index("update_attitudes") + 1] == "ease_anxiety", order
assert order[order.index("update_beliefs") + 1] == "ease_anxiety_again", order
tiny = ["city.n_agents=200", "city.n_neighbourhoods=2", "steps=1"]
for engine in ("vectorised", "agents"):
    anxiety = {}
    for ease in (0.0, 0.5):
        params = model_params(to_plain(compose_config([*tiny, f"probe.ease={ease}", f"engine={engine}"])))
        model = BridgesModel(params)
        model.phase_seconds["ease_anxiety"] = model.phase_seconds["ease_anxiety_again"] = 0.0
        model.step()
        assert model.phase_seconds["ease_anxiety"] > 0.0 and model.phase_seconds["ease_anxiety_again"] > 0.0, engine
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
    model/mechanisms/ and its YAML (conf/probe/default.yaml, a line in conf/config.yaml): its phases run in
    both engines, one right after update_attitudes and one right after update_beliefs (the slot right after
    follow_norms is standing threat's second half's), its section is a key of
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
