"""Partners remembered: the partners met for the first time (and each tie's meetings so far), the running
average of positive encounters (the buffer of `contact.negativity`), and with `dynamics.variability` on how
varied the outgroup seems after meeting many different members of it.

Parameters: `dynamics.variability`, `contact.negativity.memory`; rules in model/rules/variability.py and
negativity.py.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import (ALL, Mechanism, Metric, Phase, Rows, StateVar, both_ends, count, empty,
                                           member_values, own_ties)
from bridges.model.ranges import GROUPS, PER_GROUP_UNIT, POSITIVE, per_group
from bridges.model.rules import negativity as negativity_rules
from bridges.model.rules import variability as variability_rules


@dataclass(frozen=True)
class VariabilityParams:
    """Perceived outgroup variability growing with distinct partners met."""

    enabled: bool
    baseline: dict[str, float] = field(metadata=PER_GROUP_UNIT)
    half_partners: float = field(metadata=POSITIVE)

    def baseline_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's perceived variability before meeting anyone."""
        return per_group(self.baseline, group)


def remember_partners(model, who=ALL) -> None:
    """The partners the residents `who` met for the first time this week and the running average of their
    positive encounters; with `dynamics.variability` on, how varied the outgroup now seems after meeting
    many different members of it."""
    state, v = model.state, model.params.dynamics.variability
    compiled = kernels.load("bridges.model.rules.variability_compiled", state.n) if who is ALL else None
    if compiled is not None:  # the rules compiled, over ranges of people on the worker threads
        blocks, baseline = model.contact_blocks(), np.array([v.baseline[label] for label in GROUPS], dtype=float)

        def remember(first: int, last: int) -> None:
            """The people first..last-1: each block's new partners in one pass over its ties, the people's in
            another."""
            for block in blocks:
                compiled.count_new_partners(block.met, block.encounters, block.source, block.target,
                                            state.distinct_partners, first, last)
            people = slice(first, last)
            compiled.remember_people(state.positive_history[people], model.week.positive[people],
                                     float(model.params.contact.negativity.memory), v.enabled, state.group[people],
                                     state.distinct_partners[people], baseline, float(v.half_partners),
                                     state.variability[people])

        model.threads.each_block(remember, state.n)
        return
    state.positive_history[who] = negativity_rules.remember_positive(state.positive_history[who],
                                                                     model.week.positive[who],
                                                                     model.params.contact.negativity)
    rows = count(who, state.n)  # the sum's entries for the residents `who`
    for block in model.contact_blocks():
        ties, source, target, people = both_ends(model, block, who)
        if empty(ties):
            continue
        state.distinct_partners[who] += variability_rules.new_partners(block.met[ties], block.encounters[ties],
                                                                       source, target, people)[:rows]
    if v.enabled:
        state.variability[who] = variability_rules.perceived_variability(state.group[who],
                                                                         state.distinct_partners[who], v)


def remember_meetings(model, who=ALL) -> None:
    """Each tie's meetings so far, on the ties the residents `who` start (after everyone has counted new
    partners)."""
    compiled = kernels.load("bridges.model.rules.variability_compiled", model.state.n) if who is ALL else None
    for block in model.contact_blocks():
        if compiled is not None:  # the same sum compiled, over blocks of ties on the worker threads
            model.threads.each_block(lambda start, end, block=block: compiled.add_meetings(
                block.met[start:end], block.encounters[start:end]), block.size)
            continue
        mine = own_ties(model, block, "source", who)
        if empty(mine):
            continue
        block.met[mine] += block.encounters[mine]


def baseline_variability(model) -> None:
    """Week 0: perceived outgroup variability before anyone has met (each group's baseline)."""
    state = model.state
    state.variability[:] = model.params.dynamics.variability.baseline_for(state.group)


MECHANISM = Mechanism(
    name="partners",
    after="contact",
    params=("dynamics.variability", "contact.negativity"),
    parameters={"dynamics.variability": VariabilityParams},
    state=(
        StateVar("distinct_partners", "int64", "0", fill=0),
        StateVar("positive_history", "float64", "0", fill=0.0),
        StateVar("variability", "float64", "each group's baseline (dynamics.variability), at week 0", fill=float("nan")),
    ),
    phases=(
        Phase(
            remember_partners,
            reads=("block.met", "block.encounters", "block.source", "block.target", "state.group",
                   "state.distinct_partners", "state.positive_history", "week.positive"),
            writes=("block.met", "state.distinct_partners", "state.variability", "state.positive_history"),
            steps=(Rows(remember_partners), Rows(remember_meetings))),
    ),
    start=baseline_variability,
    metrics=(
        Metric("variability_mean", member_values("variability"), rank=11),
        Metric("distinct_partners_mean", member_values("distinct_partners"), rank=12),
    ),
)
