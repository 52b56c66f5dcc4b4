"""What a mechanism module declares, and the helpers its phases share.

A mechanism module (one file in model/mechanisms/) holds everything one mechanism adds to the week:

- `MECHANISM = Mechanism(...)`: its name, the config keys of its parameters and the parameters it owns
  (`parameters`: a section, or keys of a section several modules share, each a dataclass in the module or
  a `Key`), the per-person state it
  owns (`StateVar`: name, dtype, initial value), the model attributes it owns (caches and derived rates),
  its phases in order, its week-0 start and the weekly metrics it contributes (`Metric`: name and
  per-member values; model/metrics.py records them);
- each phase written once over an index set, `phase(model, who=ALL)`: the rows of the residents `who`, and
  the ties those residents start (`own_ties`) or touch (`touching`, `both_ends`). The vectorised engine runs
  it over every resident at once (`who` = ALL: every row and tie, the named random streams), the agents
  engine over each resident's own row (`Resident.me`) through `AgentSet.shuffle_do`, drawing from the
  model's generator (`uniform`), so the engines run the same code and agree by construction. A phase in
  several synchronous steps (friendships are counted after every tie's strength is updated) lists them as
  `Rows(step)`; what everyone perceives of the whole population (the neighbourhood's mean views, what
  arriving members are really like) is a whole-model step before them, in both engines; a phase without
  per-resident steps (programmes, public encounters, extended contact, outputs) is one whole-model
  function in both.

The declarations are data next to plain functions rather than decorators, so that mutmut (which skips
decorated functions) still mutates the phase bodies. model/mechanisms/__init__.py finds every module of
the folder and orders them by their `after`/`before` (and a phase that names its own place by its own);
model/step.py derives STEP_ORDER and ACCESS from that order and model/agents.py the agents engine's week,
so a new module runs in both engines unedited.
"""

import inspect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, NamedTuple

import numpy as np

from bridges.model.params_city import BELIEFS
from bridges.model.ranges import ARRIVING, GROUPS, RECEIVING, THERMOMETER_MAX
from bridges.model.threads import RowRange
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


class Rows(NamedTuple):
    """A step written once over an index set, `step(model, who=ALL)`: the vectorised engine runs it over every
    resident at once (`who` = ALL), the agents engine over each resident's own row in random order, so the
    engines run the same code."""

    step: Callable
    blocks: bool = False
    """Whether the vectorised week may run the step in row blocks on the threads (`Threads.row_blocks`): a step
    whose rules are elementwise over its residents (and rows of sparse products), with no random draws and no
    sums over residents, so every block computes its rows' numbers exactly as the whole would."""


class Setup(NamedTuple):
    """Bookkeeping only the agents engine needs before its residents run a phase, `step(model)`: each
    resident's ties indexed, so that it finds its own; the vectorised week runs over every tie and skips it."""

    step: Callable


@dataclass(frozen=True)
class Phase:
    """One phase of the week: its function `run` (which names it), what it reads and writes, and its
    `steps`, which both engines run in order: whole-model functions (what everyone perceives of the whole
    population), `Setup(step)` bookkeeping of the agents engine only, and `Rows(step)` steps written over
    residents (each finishes for every resident before the next starts, so phases stay synchronous).
    Without `steps` a phase is `Rows(run)` if `run` takes the residents `who`, else `run(model)` on the whole
    model. Calling the phase runs its steps over every resident (the vectorised week). `history`: whether it
    runs in the contact-history weeks before week 0 (model.py `settle_history`). `after`/`before`: a phase that
    runs elsewhere in the week than its mechanism's other phases (one half before the norm, the other after
    it) names its own place, as a mechanism does (model/mechanisms/__init__.py `positions`); without them it
    runs with its mechanism's other phases, in the order listed."""

    run: Callable
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    steps: tuple = ()
    history: bool = True
    after: str | None = None  # the mechanism or placed phase it runs right after (None: with its mechanism)
    before: str | None = None  # one it must precede, with `after` (when another also runs after `after`)

    @property
    def name(self) -> str:
        return self.run.__name__

    @property
    def __name__(self) -> str:  # noqa: A003  (a phase names itself as a function does: STEP_ORDER, phase_seconds)
        return self.name

    @property
    def access(self) -> Access:
        return Access(self.reads, self.writes)

    @cached_property
    def parts(self) -> tuple:
        """The steps both engines run, in order."""
        if self.steps:
            return self.steps
        return (Rows(self.run),) if "who" in inspect.signature(self.run).parameters else (self.run,)

    @cached_property
    def vectorised(self) -> tuple[Callable, ...]:
        """What the vectorised week calls, `call(model)` in order: each step over every resident (the agents
        engine's Setup left out), worked out once rather than every week."""
        return tuple((in_row_blocks(part.step) if part.blocks else part.step) if isinstance(part, Rows) else part
                     for part in self.parts if not isinstance(part, Setup))

    def __call__(self, model) -> None:
        """The phase over every resident at once (the vectorised week)."""
        for call in self.vectorised:
            call(model)


class Key(NamedTuple):
    """A single-valued config key a mechanism owns in a shared section (`parameters={"dynamics.x": Key(float,
    UNIT)}`): its type and its field metadata (the allowed range, model/ranges.py `bounded`)."""

    kind: object
    metadata: dict = {}


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
    after: str | None = None  # the mechanism (or placed phase) whose phases run just before its own (None: first)
    before: str | None = None  # one its phases must precede (when another also runs after `after`)
    parameters: dict[str, type | Key] = field(default_factory=dict)  # config key -> the parameters it owns
    # there, a dataclass of its module or a `Key`: a top-level key is a section of Params (conf/<key>/ holds its
    # YAML), a dotted one "<section>.<name>" a key of a section several modules share (model/params.py)
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


# ---- a phase written once over an index set: the vectorised week passes ALL, the agents engine one resident's row
def first_row(who) -> int:
    """The first row of `who` (0 for every row): a resident's phase numbers its people from its own row."""
    return who.start or 0


def count(part, size: int) -> int:
    """How many entries `part` (ALL, a slice or an index array) selects out of `size`."""
    if part is ALL:
        return size
    return len(range(size)[part]) if isinstance(part, slice) else len(part)


def own_ties(model, block: ContactBlock, side: str, who) -> slice | np.ndarray:
    """The ties of `block` a phase over the residents `who` handles at their `side` end: every tie (ALL) in
    the vectorised week, the resident's own in the agents engine (`model.tie_index`, built when its week
    opens, model/mechanisms/contact.py `open_week`)."""
    if who is ALL:
        return ALL
    order, start = model.tie_index[block.name][side]
    return order[start[first_row(who)]:start[who.stop]]


def touching(model, block: ContactBlock, who) -> slice | np.ndarray:
    """The ties of `block` with one of the residents `who` at either end (every tie, ALL, in the vectorised
    week; `who` is every row or one resident's)."""
    if who is ALL:
        return ALL
    return np.concatenate([own_ties(model, block, "source", who), own_ties(model, block, "target", who)])


def both_ends(model, block: ContactBlock, who) -> tuple[slice | np.ndarray, np.ndarray, np.ndarray, int]:
    """The ties `touching` the residents `who` (every resident, or one), their two ends numbered as people
    of a per-person sum, and how many people it counts: everyone as they are; for one resident, the
    resident 0 and every partner 1 (the sum's first entry is the resident's)."""
    if who is ALL:
        return ALL, block.source, block.target, model.state.n
    started, ended = own_ties(model, block, "source", who), own_ties(model, block, "target", who)
    ends = np.concatenate([np.zeros(started.size, dtype=np.int64), np.ones(ended.size, dtype=np.int64)])
    return np.concatenate([started, ended]), ends, 1 - ends, 2


def rows_of(matrix, who):
    """The rows of a sparse per-person matrix (ingroup friendships) for the residents `who` (the matrix itself
    for every resident; a CSR matrix's rows of a range of residents without copying them: `RowRange`, whose
    only operation is `@ vector`)."""
    if who is ALL:
        return matrix
    if isinstance(who, slice) and who.step is None and matrix.format == "csr":
        return RowRange(matrix, *who.indices(matrix.shape[0])[:2])
    return matrix[who]


def in_row_blocks(step: Callable) -> Callable:
    """`step(model, who)` over every resident as the vectorised week calls it, `call(model)`: in row blocks on
    the model's threads from SPLIT_FROM residents (`Rows.blocks`, `Threads.row_blocks`), at once below."""

    def call(model) -> None:
        model.threads.row_blocks(lambda rows: step(model, ALL if rows == ALL else rows), model.state.n)

    call.__name__ = call.__qualname__ = step.__name__
    return call


def inside(people: np.ndarray, who) -> slice | np.ndarray:
    """Which of `people` are among the residents `who` (ALL when `who` is every resident)."""
    if who is ALL:
        return ALL
    return (people >= first_row(who)) & (people < who.stop)


def with_encounters(block: ContactBlock, ties) -> np.ndarray:
    """The ties among `ties` with encounters this week, as indices into the block (the others have nothing
    to judge or count)."""
    met = np.flatnonzero(block.encounters[ties])
    return met if ties is ALL else ties[met]


def uniform(model, stream: str, size: int, who, part) -> np.ndarray:
    """Uniform draws for the entries `part` (ties or rows) of a phase over `who`. Over every resident they
    come from the named `stream`, drawn at its full `size` so that scenarios share them (common random
    numbers); a resident of the agents engine draws its own from the model's generator, so the engines
    agree in distribution."""
    if who is ALL:
        return model.streams.uniform(stream, model.steps, size)[part]
    return model.rng.random(count(part, size))


def uniform_table(model, stream: str, who, shape: tuple[int, int]) -> np.ndarray:
    """A table of uniform draws of `shape` for a phase over `who`: from the named `stream` over every
    resident, from the model's generator for one resident (as `uniform`)."""
    if who is ALL:
        return model.streams.uniform(stream, model.steps, shape)
    return model.rng.random(shape)


def members(model, who, group: int) -> np.ndarray:
    """The rows among `who` of residents in `group` (RECEIVING or ARRIVING); over every resident cached in
    `static_index` (groups are fixed when the city is built)."""
    if who is ALL:
        return static_index(model, GROUPS[group], lambda: np.flatnonzero(model.state.group == group))
    return first_row(who) + np.flatnonzero(model.state.group[who] == group)


class GroupIndex(NamedTuple):
    """Each group's members (rows, ascending), and the same as one array of every group's members in turn with
    each group's start in it (and the end), as `group_means` takes them. Fixed once the city is built."""

    members: tuple[np.ndarray, ...]
    concatenated: np.ndarray
    starts: np.ndarray


def group_index(group: np.ndarray) -> GroupIndex:
    """The members of each group in GROUPS (`GroupIndex`)."""
    members = tuple(np.flatnonzero(group == code) for code in range(len(GROUPS)))
    return GroupIndex(members, np.concatenate(members), np.cumsum([0, *(len(rows) for rows in members)]))


def reusable(kept: np.ndarray | None, size: int, dtype=np.float64) -> np.ndarray | None:
    """`kept` (last week's array of a pass that writes every entry) when it is `size` entries of `dtype`, else None
    (none yet, or a city of another size). The compiled week writes over such arrays: a new array of a week's
    per-tie or per-person values (8 MB at a million) comes in new pages, which the system zeroes on first touch
    (on this virtual machine ~1-1.5 ms of system time per MB)."""
    return kept if kept is not None and kept.shape == (size,) and kept.dtype == dtype else None


def fill(current: np.ndarray | None, part, values: np.ndarray) -> np.ndarray:
    """This week's array with `values` at the entries `part`: `values` itself when `part` is every entry
    (ALL); otherwise `current` filled in where `part` says (the agents engine's residents fill in one array
    between them, each its own entries)."""
    if part is ALL:
        return values
    current[part] = values
    return current


def empty(part) -> bool:
    """Whether `part` selects nothing: a resident without ties in a block skips it (every tie, ALL, never
    does)."""
    return part is not ALL and len(part) == 0
