"""Who never meets (issue 24, point 3): with `contact.settling` on, people differ in how sociable they are,
and arriving members spend their first months in shared accommodation, whose neighbours are other arriving
members; leaving it over time. Also the running average of time spent with the outgroup on ties, which the
refugee panel's item "How often do you spend time with Germans?" reads (model/survey.py).

Why: the IAB-BAMF-SOEP refugee panel finds a fifth of refugees never spending time with Germans (2017), more
in shared accommodation, without work or German, and soon after arrival (Siegert 2019, BAMF Brief Analysis
4|2019; Brücker et al. 2016). The model's arriving members all had ties to receiving members in their
neighbourhood, venues, schools and (when employed) workplaces, with the same sociability, so almost every
one met receiving members within weeks. Here:
- sociability s: drawn once per person, lognormal with mean 1 and sd of log `sociability_spread`, scales
  the rate of every voluntary encounter (model/mechanisms/contact.py `meet`: willingness x s);
- shared accommodation: arriving members in it have their ties of `housing_cut_kinds` (neighbourhood) to
  receiving members cut; a share `housing_initial_share` lives there at week 0, newcomers (turnover) move in
  with chance `housing_newcomer_share`, and residents move out with weekly chance `housing_leave_rate`;
- time together (kept with the mechanism on or off, so the survey item reads the same measure either way):
  the running average (weight `dynamics.recent_contact_weight`) of intergroup encounters on ties (the city's
  and programmes'; brief passing encounters in public space are not time spent together), reset for
  newcomers, who have spent none yet.

Parameters: `contact.settling` (conf/contact/default.yaml); the survey's cut points `survey.time_cutoffs`.
Both phases are written once over the residents `who` (model/mechanisms/base.py), so both engines run them.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.errors import InputError
from bridges.model.mechanisms.base import (ALL, PUBLIC, Mechanism, Phase, StateVar, both_ends, count,
                                           members, setting_kind, static_index, touching, uniform)
from bridges.model.rules import people as people_rules
from bridges.model.ranges import ARRIVING, LAYER_KINDS, UNIT, bounded


@dataclass(frozen=True)
class SettlingParams:
    """Who never meets: heterogeneous sociability and shared accommodation after arrival."""

    enabled: bool
    sociability_spread: float = field(metadata=bounded(0.0, 3.0, "log units", "a sd of 3 spans a factor of 400 "
                                                                               "between the 5% and 95% people"))
    housing_initial_share: float = field(metadata=UNIT)
    housing_newcomer_share: float = field(metadata=UNIT)
    housing_leave_rate: float = field(metadata=UNIT)
    housing_cut_kinds: list[str]

    def __post_init__(self):
        unknown = [kind for kind in self.housing_cut_kinds if kind not in LAYER_KINDS]
        if unknown:
            raise InputError(f"housing_cut_kinds: unknown layer kind {unknown[0]!r} (known: {', '.join(LAYER_KINDS)})")


def draw_sociability(z: np.ndarray, spread: float) -> np.ndarray:
    """Per-person sociability from standard normals z: s = exp(spread z - spread^2 / 2), lognormal with
    mean 1 (so the average voluntary rate stays the layer's) and sd of log s = spread."""
    return np.exp(spread * z - 0.5 * spread**2)


def move_house(housed: np.ndarray, newcomer: np.ndarray, u: np.ndarray, s: SettlingParams) -> np.ndarray:
    """Which arriving members live in shared accommodation after this week, from one uniform u each: a
    newcomer moves in when u < `housing_newcomer_share` (else lives privately); another resident in it moves
    out when u < `housing_leave_rate`; nobody else moves in."""
    return np.where(newcomer, u < s.housing_newcomer_share, housed & (u >= s.housing_leave_rate))


def cut_ties(housed_source: np.ndarray, housed_target: np.ndarray, cut_kind: np.ndarray) -> np.ndarray:
    """Which ties are live: a tie of a cut kind is not while either end lives in shared accommodation."""
    return ~(cut_kind & (housed_source | housed_target))


def time_together(model, who=ALL) -> np.ndarray:
    """Per resident of `who`: this week's intergroup encounters on ties (every contact block but public
    space)."""
    rows = count(who, model.state.n)
    total = np.zeros(rows)
    for block in model.contact_blocks():
        if block.name == PUBLIC:
            continue
        ties, source, target, size = both_ends(model, block, who)
        counts = block.encounters[ties].astype(float)
        total += (np.bincount(source, counts, size) + np.bincount(target, counts, size))[:rows]
    return total


def house(model, who=ALL) -> None:
    """The city's ties of the cut kinds touching the residents `who` are live only while neither end lives
    in shared accommodation."""
    ties, housed = model.ties, model.state.shared_housing
    cut_kind = static_index(model, "settling.cut_kind", lambda: np.isin(
        setting_kind(model, ties), model.params.contact.settling.housing_cut_kinds))
    mine = touching(model, ties, who)
    ties.live[mine] = cut_ties(housed[ties.source[mine]], housed[ties.target[mine]], cut_kind[mine])


def settle_people(model) -> None:
    """Week 0, with `contact.settling` on: everyone's sociability and who lives in shared accommodation
    (a share of arriving members), each from its own stream, and the city's ties that housing cuts."""
    s, state = model.params.contact.settling, model.state
    if not s.enabled:
        return
    state.sociability[:] = draw_sociability(model.streams.generator("settling.sociability").standard_normal(state.n),
                                            s.sociability_spread)
    arriving = state.group == ARRIVING
    state.shared_housing[:] = arriving & (model.streams.uniform("settling.housing", 0, state.n)
                                          < s.housing_initial_share)
    house(model)


SETTLING_KERNELS = "bridges.model.rules.settling_compiled"
"""The compiled passes of spend_time and change_housing (model/kernels.py loads them when the kernels run)."""


def spend_time(model, who=ALL) -> None:
    """The running average of this week's intergroup encounters on ties of the residents `who`, newcomers
    (turnover) starting from none: what the survey's time-together item reads, with the mechanism on or off."""
    state = model.state
    compiled = kernels.load(SETTLING_KERNELS, state.n) if who is ALL else None
    if compiled is not None:  # in blocks of residents on the worker threads (one below threads.SPLIT_FROM)
        blocks = [block for block in model.contact_blocks() if block.name != PUBLIC]

        def residents(start: int, end: int) -> None:
            """Residents start..end-1: their encounters on every block's ties, then their running average."""
            total = np.zeros(end - start)
            for block in blocks:
                compiled.add_encounters(block.source, block.target, block.encounters, total, start, end)
            compiled.average_time(state.recent_time_together, total, model.params.dynamics.recent_contact_weight,
                                  state.arrival_week, state.group, model.steps, ARRIVING, start, end)

        model.threads.each_block(residents, state.n)
        return
    recent = people_rules.running_average(state.recent_time_together[who], time_together(model, who),
                                          model.params.dynamics.recent_contact_weight)
    recent[(state.arrival_week[who] == model.steps) & (state.group[who] == ARRIVING)] = 0.0
    state.recent_time_together[who] = recent


def change_housing(model, who=ALL) -> None:
    """With `contact.settling` on: this week's newcomers among the residents `who` move into shared
    accommodation (or not), others move out; their ties follow from next week's meetings on."""
    s, state = model.params.contact.settling, model.state
    if not s.enabled:
        return
    compiled = kernels.load(SETTLING_KERNELS, state.n) if who is ALL else None
    if compiled is not None:  # moves in blocks of residents, then cuts in blocks of ties, on the worker threads
        ties = model.ties
        cut_kind = static_index(model, "settling.cut_kind", lambda: np.isin(setting_kind(model, ties), s.housing_cut_kinds))
        words = model.streams.seeded_words("settling.move", model.steps, compiled.streams_compiled)
        model.threads.each_block(lambda start, end: compiled.move(
            state.shared_housing, state.arrival_week, state.group, ARRIVING,
            compiled.advanced_words(words, start) if start else words, model.steps, s.housing_newcomer_share,
            s.housing_leave_rate, start, end), state.n)
        model.threads.each_block(lambda start, end: compiled.cut(state.shared_housing, ties.source, ties.target, cut_kind,
                                                          ties.live, start, end), ties.size)
        return
    arriving = members(model, who, ARRIVING)
    state.shared_housing[arriving] = move_house(state.shared_housing[arriving],
                                                state.arrival_week[arriving] == model.steps,
                                                uniform(model, "settling.move", state.n, who, arriving), s)
    house(model, who)


MECHANISM = Mechanism(
    name="settling",
    after="turnover",
    before="wellbeing",
    params=("contact.settling", "dynamics.recent_contact_weight"),
    parameters={"contact.settling": SettlingParams},
    state=(
        StateVar("sociability", "float64", "1; drawn once (lognormal, mean 1) with contact.settling on", fill=1.0),
        StateVar("shared_housing", "bool", "False; a share of arriving members with contact.settling on", fill=False),
        StateVar("recent_time_together", "float64", "0", fill=0.0),
    ),
    phases=(
        Phase(
            spend_time,
            reads=("state.recent_time_together", "state.arrival_week", "state.group", "block.encounters",
                   "block.name", "block.source", "block.target"),
            writes=("state.recent_time_together",)),
        Phase(
            change_housing,
            reads=("state.arrival_week", "state.shared_housing", "block.source", "block.target",
                   "model.static_index"),
            writes=("state.shared_housing", "block.live"),
            history=False),
    ),
    start=settle_people,
)
