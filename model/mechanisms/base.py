"""What a mechanism module declares, and the helpers its phases share.

A mechanism module (one file in model/mechanisms/) holds everything one mechanism adds to the week:

- `MECHANISM = Mechanism(...)`: its name, the config keys of its parameters, the per-person state it
  owns (`StateVar`: name, dtype, initial value), the model attributes it owns (caches and derived rates),
  its phases in order, its week-0 start and the weekly metrics it contributes (`Metric`: name and
  per-member values; model/metrics.py records them);
- each phase as a plain function of the model over all residents (the vectorised engine), and, when the
  agents engine runs it resident by resident, its per-resident steps (`Each(function of a resident)`,
  run by `AgentSet.shuffle_do`, after any whole-model preparation). A phase written once over an index set
  (`phase(model, who=ALL)`) runs in the agents engine as `Rows(phase)`: over each resident's own row. A
  phase without per-resident steps runs as the same whole-model function in both engines.

The declarations are data next to plain functions rather than decorators, so that mutmut (which skips
decorated functions) still mutates the phase bodies. model/mechanisms/__init__.py finds every module of
the folder and orders them by their `after`/`before`; model/step.py derives STEP_ORDER and ACCESS from
that order and model/agents.py the agents engine's week, so a new module runs in both engines unedited.
"""

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from bridges.model.params_city import BELIEFS
from bridges.model.ranges import ARRIVING, RECEIVING, THERMOMETER_MAX
from bridges.model.ties import ContactBlock

BELIEF_FIELDS = tuple(f"state.belief_{topic}" for topic in BELIEFS)
PUBLIC = "public"
"""Name of the weekly block of incidental public-space encounters (its streams are prefixed with it)."""
FRESH_BLOCK_FIELDS = tuple(f"block.{name}" for name in (
    "source", "target", "rate", "conditions", "needs_employment", "strength", "friend", "live", "negative_reduction",
    "met", "encounters", "quality", "positive", "negative"))
"""Fields of the public block, which is made afresh every week."""
VIEWS = ("attitude", "anxiety", "trust")
"""Views of the outgroup that contact moves and norms anchor."""
VIEW_RANGES = {"attitude": (0.0, THERMOMETER_MAX), "anxiety": (0.0, 1.0), "trust": (0.0, 1.0)}
"""Each view's scale."""


ALL = slice(None)
"""Every resident's row: the index set a phase written over rows (`Rows`) runs over in the vectorised week."""


class Access(NamedTuple):
    """What a phase reads and writes, by name (model/step.py's docstring lists the vocabulary)."""

    reads: tuple[str, ...]
    writes: tuple[str, ...]


class Each(NamedTuple):
    """A per-resident step of the agents engine: `method(resident)` for every resident, in random order."""

    method: Callable


class Rows(NamedTuple):
    """A phase written once over an index set, `phase(model, who)`: the vectorised engine runs it over every
    resident (`who` = all rows), the agents engine over each resident's own row in random order, so the
    engines run the same code."""

    phase: Callable


@dataclass(frozen=True)
class Phase:
    """One phase of the week: `run(model)` over all residents, what it reads and writes, and how the agents
    engine runs it (`agents`: whole-model functions and `Each` steps in order; empty: `run` itself).
    `history`: whether it runs in the contact-history weeks before week 0 (model.py `settle_history`)."""

    run: Callable
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    agents: tuple = ()
    history: bool = True

    @property
    def name(self) -> str:
        return self.run.__name__

    @property
    def access(self) -> Access:
        return Access(self.reads, self.writes)


@dataclass(frozen=True)
class StateVar:
    """A per-person state array a mechanism owns (model/state.py makes State's fields from them): `initial`
    says how it starts; with `fill` every resident starts at that value (`initial_state` sets it), without,
    `initial_state` draws it from the city's parameters."""

    name: str
    dtype: str
    initial: str
    fill: float | None = None


def member_values(state_field: str) -> Callable:
    """A metric's per-member values that are a state field's (its mean over the group is the metric)."""
    def values(state, week, members):
        return getattr(state, state_field)[members]

    values.__name__ = state_field
    return values


LAST_RANK = 1_000
"""The rank of a metric that declares none: after every ranked one (rows in declaration order)."""


@dataclass(frozen=True)
class Metric:
    """A weekly metric (model/metrics.py): for each group in `groups` (codes, as in GROUPS) the mean over its
    members of `values(state, week, members)`; `contact`: it needs the week's encounters, so it is recorded
    only after contact (not in week 0's row). `everyone(state)`: its value over everyone, group "all".
    `rank` orders the timeseries' rows (metrics.py sorts by it; equal ranks keep the week's order): the ranks
    below LAST_RANK keep the rows of the stored results, and a new metric goes last."""

    name: str
    values: Callable | None = None
    groups: tuple[int, ...] = (RECEIVING, ARRIVING)
    contact: bool = False
    everyone: Callable | None = None
    rank: int = LAST_RANK


@dataclass(frozen=True)
class Mechanism:
    """Everything one mechanism adds to the model (see the module docstring)."""

    name: str
    params: tuple[str, ...]  # config keys of its parameters
    after: str | None = None  # the mechanism whose phases run just before its own (None: it runs first)
    before: str | None = None  # a mechanism its phases must precede (when another also runs after `after`)
    parameters: dict[str, type] = field(default_factory=dict)  # top-level config key -> the parameter
    # dataclass it declares in its own module (model/params.py adds each to Params; conf/<key>/ holds its YAML)
    state: tuple[StateVar, ...] = ()
    attributes: tuple[str, ...] = ()  # model attributes it owns (`model.<name>` in the phases' access)
    phases: tuple[Phase, ...] = ()
    start: Callable | None = None  # week 0, after the city is built: what it sets before anyone has met
    metrics: tuple[Metric, ...] = field(default=())  # weekly metrics it contributes (model/metrics.py)


def static_index(model, name: str, compute):
    """`compute()` once per model and kept in `model.static_index[name]`: for indices of fields fixed when the
    city is built (group, neighbourhood), so weekly phases do not recompute them."""
    cache = getattr(model, "static_index", None)
    if cache is None:
        cache = model.static_index = {}
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def setting_kind(model, block: ContactBlock) -> np.ndarray:
    """Per tie of a voluntary block: its layer's kind, or "public" for incidental encounters."""
    if block.layer is None:
        return np.full(block.size, PUBLIC)
    kinds = np.array([model.city.layer_params[name].kind for name in model.city.network.layer_names])
    return kinds[block.layer]
