"""Partners remembered: the partners met for the first time (and each tie's meetings so far), the running
average of positive encounters (the buffer of `contact.negativity`), and with `dynamics.variability` on how
varied the outgroup seems after meeting many different members of it.

Parameters: `dynamics.variability`, `contact.negativity.memory`; rules in model/rules/variability.py and
negativity.py.
"""

from bridges.model.mechanisms.base import Each, Mechanism, Metric, Phase, StateVar, member_values
from bridges.model.rules import negativity as negativity_rules
from bridges.model.rules import variability as variability_rules


def remember_partners(model) -> None:
    """Count partners met for the first time and each tie's meetings so far, and keep the running average of
    positive encounters; perceived outgroup variability follows the distinct partners met (`dynamics.variability`)."""
    state, v = model.state, model.params.dynamics.variability
    state.positive_history[:] = negativity_rules.remember_positive(state.positive_history, model.week.positive,
                                                                   model.params.contact.negativity)
    for block in model.contact_blocks():
        state.distinct_partners += variability_rules.new_partners(block.met, block.encounters, block.source,
                                                                  block.target, state.n)
        block.met += block.encounters
    if v.enabled:
        state.variability[:] = variability_rules.perceived_variability(state.group, state.distinct_partners, v)


def baseline_variability(model) -> None:
    """Week 0: perceived outgroup variability before anyone has met (each group's baseline)."""
    state = model.state
    state.variability[:] = model.params.dynamics.variability.baseline_for(state.group)


def resident_count_new_partners(resident) -> None:
    """Partners this resident met for the first time this week, the running average of its positive
    encounters, and (with `dynamics.variability` on) how varied the outgroup now seems."""
    model, state, me, v = resident.model, resident.model.state, resident.me, resident.model.params.dynamics.variability
    state.positive_history[me] = negativity_rules.remember_positive(state.positive_history[me],
                                                                    model.week.positive[me],
                                                                    model.params.contact.negativity)
    for block in model.contact_blocks():
        mine, source, target = resident.both_ends(block)
        state.distinct_partners[me] += variability_rules.new_partners(block.met[mine], block.encounters[mine],
                                                                      source, target, 2)[0]
    if v.enabled:
        state.variability[me] = variability_rules.perceived_variability(state.group[me], state.distinct_partners[me],
                                                                        v)


def resident_remember_meetings(resident) -> None:
    """Meetings so far on the ties this resident starts (after everyone has counted new partners)."""
    for block in resident.model.contact_blocks():
        mine = resident.ties(block, "source")
        block.met[mine] += block.encounters[mine]


MECHANISM = Mechanism(
    name="partners",
    after="contact",
    params=("dynamics.variability", "contact.negativity"),
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
            agents=(Each(resident_count_new_partners), Each(resident_remember_meetings))),
    ),
    start=baseline_variability,
    metrics=(
        Metric("variability_mean", member_values("variability"), rank=11),
        Metric("distinct_partners_mean", member_values("distinct_partners"), rank=12),
    ),
)
