"""The week as a declared plan: every phase writes and looks up only what it declares (state, week,
blocks, and the model attributes the mechanisms own), every declared write and read happens in some week,
declared names exist, and each phase's time is recorded."""

import re
from dataclasses import fields, is_dataclass

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model.mechanisms import MECHANISMS
from bridges.model.model import Week
from bridges.model.params import declared_sections
from bridges.model.state import State
from bridges.model.step import ACCESS, STEP_ORDER
from bridges.model.ties import ContactBlock
from tests.conftest import ROOT, in_one_worker, params_for

pytestmark = in_one_worker(__name__)

TYPES = sorted(path.stem for path in (ROOT / "conf" / "intervention").glob("*.yaml"))
"""Every intervention type in conf/intervention/: a new type joins the week below without an edit here."""
EVERY_TYPE = ["city.n_agents=600", "city.arriving_share=0.2", "city.n_neighbourhoods=6", "steps=10",
              *[f"+intervention@interventions.every_{kind}={kind}" for kind in TYPES],
              # make every lever and friendships act within ten weeks, so every declared write happens
              *[f"interventions.every_structural.effect.{lever}=0.5"
                for lever in ("legal_hazard", "recognition_hazard", "course_uptake", "family_hazard")],
              "dynamics.friendship.threshold=0.05", "dynamics.family_reunification_hazard=0.3",
              # a parameter section a mechanism declares with an on/off switch is on, so its phase acts
              *[f"{key}.enabled=true" for key, kind in declared_sections(MECHANISMS).items()
                if is_dataclass(kind) and "enabled" in {item.name for item in fields(kind)}]]
"""A small city running one intervention of every type (programme blocks exist from week 1) and every
declared mechanism switched on."""
WHOLE = ("blocks", "interventions", "records", "survey_waves")
CACHE = "static_index"
"""A cache of indices of city-fixed fields (model/mechanisms/base.py `static_index`), filled on first use:
phases declare reading it; filling it is not a write."""
MODEL_ATTRIBUTES = tuple(name for mechanism in MECHANISMS for name in mechanism.attributes)
"""Model attributes the mechanisms own (`model.X` in the phases' access)."""


def copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: copy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(copy(item) for item in value)
    return value


def same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float, str, type(None))):
        return a == b
    return a is b  # an object (a contact block, a sparse matrix): replaced, or kept


def snapshot(model) -> dict:
    """Copies of everything a phase could change, keyed by (declared name, which block or programme)."""
    taken = {(f"state.{name}", ""): copy(getattr(model.state, name)) for name in State.field_names()}
    taken |= {(f"week.{f.name}", ""): copy(getattr(model.week, f.name)) for f in fields(Week)}
    for block in model.contact_blocks():
        taken |= {(f"block.{f.name}", block.name): copy(getattr(block, f.name)) for f in fields(ContactBlock)}
    taken[("blocks", "")] = tuple(block.name for block in model.contact_blocks())
    for i, intervention in enumerate(model.interventions):
        parts = (intervention, getattr(intervention, "delivery", None), intervention.cost)  # a partnership has no delivery
        for part in (part for part in parts if part is not None):
            taken |= {("interventions", f"{i}.{type(part).__name__}.{key}"): copy(value)
                      for key, value in vars(part).items() if isinstance(value, (np.ndarray, int, float))}
    taken |= {(f"model.{name}", ""): copy(getattr(model, name, None)) for name in MODEL_ATTRIBUTES if name != CACHE}
    taken[("records", "")] = len(model.records)
    taken[("survey_waves", "")] = len(model.survey_waves)
    return taken


def written(before: dict, after: dict) -> set[str]:
    """Declared names whose value changed (fields of blocks that already existed; a new block is `blocks`)."""
    return {name for (name, where), value in before.items() if not same(value, after[(name, where)])}


class Watched:
    """A view of the state, the week or a contact block that notes which of its fields a phase looks up
    (to read them, or to write into them in place); assignments pass through."""

    def __init__(self, target, prefix: str, names: set[str], log: set[str]):
        vars(self).update(_target=target, _prefix=prefix, _names=names, _log=log)

    def __getattr__(self, name):
        if name in self._names:
            self._log.add(f"{self._prefix}.{name}")
        if name == "belief":  # State.belief(topic) looks up the field belief_<topic>
            return lambda topic: getattr(self, f"belief_{topic}")
        return getattr(self._target, name)

    def __setattr__(self, name, value):
        setattr(self._target, name, value)


def run_watched(model, phase) -> set[str]:
    """Run one phase on watched views of the model's state, week and blocks; the fields it looked up."""
    looked_up: set[str] = set()
    state, week, ties, blocks = model.state, model.week, model.ties, model.contact_blocks
    model.state = Watched(state, "state", set(State.field_names()), looked_up)
    model.week = Watched(week, "week", {f.name for f in fields(Week)}, looked_up)
    block_fields = {f.name for f in fields(ContactBlock)}
    model.ties = Watched(ties, "block", block_fields, looked_up)
    model.contact_blocks = lambda: [Watched(block, "block", block_fields, looked_up) for block in blocks()]
    try:
        phase(Watched(model, "model", set(MODEL_ATTRIBUTES), looked_up))
    finally:
        model.state, model.week, model.ties = state, week, ties
        del model.contact_blocks
    return looked_up


@pytest.fixture(scope="module")
def phase_effects() -> dict[str, list[tuple[set[str], set[str]]]]:
    """For each phase, one (names written, fields looked up) per week, running the phases one at a time
    as `BridgesModel.step` does (Mesa counts the week, then the phases run in order)."""
    model = BridgesModel(params_for(*EVERY_TYPE))
    seen = {phase.__name__: [] for phase in STEP_ORDER}
    for _ in range(model.params.steps):
        model.steps += 1
        for phase in STEP_ORDER:
            before = snapshot(model)
            looked_up = run_watched(model, phase)
            seen[phase.__name__].append((written(before, snapshot(model)), looked_up))
    return seen


@pytest.fixture(scope="module")
def writes_per_phase(phase_effects) -> dict[str, list[set[str]]]:
    return {name: [names for names, _ in weeks] for name, weeks in phase_effects.items()}


def reads(phase) -> frozenset[str]:
    return frozenset(ACCESS[phase.__name__].reads)


def writes(phase) -> frozenset[str]:
    return frozenset(ACCESS[phase.__name__].writes)


def test_every_phase_and_only_phases_declare_access():
    assert list(ACCESS) == [phase.__name__ for phase in STEP_ORDER]


def declared(names: frozenset[str]) -> set[str]:
    """Declared names with `state.*` expanded to every state field."""
    expanded = {f"state.{field}" for field in State.field_names()} if "state.*" in names else set()
    return expanded | {name for name in names if name != "state.*"}


@pytest.mark.parametrize("phase", STEP_ORDER, ids=lambda phase: phase.__name__)
def test_phase_writes_only_what_it_declares(writes_per_phase, phase):
    for week, names in enumerate(writes_per_phase[phase.__name__], start=1):
        undeclared = names - declared(writes(phase))
        assert not undeclared, f"{phase.__name__} wrote {sorted(undeclared)} in week {week} without declaring it"


@pytest.mark.parametrize("phase", STEP_ORDER, ids=lambda phase: phase.__name__)
def test_every_declared_write_happens(writes_per_phase, phase):
    happened = set().union(*writes_per_phase[phase.__name__])
    missing = declared(writes(phase)) - happened
    assert not missing, f"{phase.__name__} declares {sorted(missing)} but never wrote them"


@pytest.mark.parametrize("phase", STEP_ORDER, ids=lambda phase: phase.__name__)
def test_phase_looks_up_only_what_it_declares(phase_effects, phase):
    looked_up = set().union(*(names for _, names in phase_effects[phase.__name__]))
    undeclared = looked_up - declared(reads(phase)) - declared(writes(phase))
    assert not undeclared, f"{phase.__name__} looked up {sorted(undeclared)} without declaring them"


@pytest.mark.parametrize("phase", STEP_ORDER, ids=lambda phase: phase.__name__)
def test_every_declared_read_happens(phase_effects, phase):
    looked_up = set().union(*(names for _, names in phase_effects[phase.__name__]))
    missing = {name for name in reads(phase) if name != "state.*"} - looked_up
    assert not missing, f"{phase.__name__} declares reading {sorted(missing)} but never looked them up"


def test_declared_names_are_fields():
    known = ({f"state.{name}" for name in State.field_names()} | {"state.*"}
             | {f"week.{f.name}" for f in fields(Week)} | {f"block.{f.name}" for f in fields(ContactBlock)}
             | {f"model.{name}" for name in MODEL_ATTRIBUTES} | set(WHOLE))
    for phase in STEP_ORDER:
        unknown = (reads(phase) | writes(phase)) - known
        assert not unknown, f"{phase.__name__} names unknown fields {sorted(unknown)}"
        assert re.fullmatch(r"[a-z_]+", phase.__name__)


def test_phase_seconds_accumulate_per_phase(small_params):
    model = BridgesModel(small_params)
    assert list(model.phase_seconds) == [phase.__name__ for phase in STEP_ORDER]
    assert not any(model.phase_seconds.values())
    model.step()
    first = dict(model.phase_seconds)
    model.step()
    assert all(model.phase_seconds[name] >= first[name] > 0.0 for name in first)
