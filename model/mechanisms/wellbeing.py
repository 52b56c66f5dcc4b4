"""Wellbeing: distress follows legal and family uncertainty and negative encounters; belonging follows
positive encounters and work.

Parameters: `dynamics.distress`, `dynamics.belonging`; rules in model/rules/people.py.
"""

from bridges.model.mechanisms.base import Each, Mechanism, Phase, StateVar
from bridges.model.rules import people as people_rules


def update_wellbeing(model) -> None:
    """Distress and belonging."""
    state, week, d = model.state, model.week, model.params.dynamics
    state.distress[:] = people_rules.update_distress(state.distress, state.group, state.legal_pending,
                                                     state.family_pending, week.negative, d.distress)
    state.belonging[:] = people_rules.update_belonging(state.belonging, state.group, week.positive, state.employed,
                                                       d.belonging)


def resident_update_wellbeing(resident) -> None:
    """Distress and belonging."""
    state, week, d, me = resident.model.state, resident.model.week, resident.model.params.dynamics, resident.me
    state.distress[me] = people_rules.update_distress(state.distress[me], state.group[me], state.legal_pending[me],
                                                      state.family_pending[me], week.negative[me], d.distress)
    state.belonging[me] = people_rules.update_belonging(state.belonging[me], state.group[me], week.positive[me],
                                                        state.employed[me], d.belonging)


MECHANISM = Mechanism(
    name="wellbeing",
    params=("dynamics.distress", "dynamics.belonging"),
    state=(
        StateVar("distress", "float64", "drawn per group (city.groups.<group>.distress)"),
        StateVar("belonging", "float64", "drawn per group (city.groups.<group>.belonging)"),
    ),
    phases=(
        Phase(
            update_wellbeing,
            reads=("state.group", "state.distress", "state.belonging", "state.legal_pending", "state.family_pending",
                   "state.employed", "week.positive", "week.negative"),
            writes=("state.distress", "state.belonging"),
            agents=(Each(resident_update_wellbeing),),
            history=False),
    ),
    metrics=("distress_mean", "belonging_mean"),
)
