"""Wellbeing: distress follows legal and family uncertainty and negative encounters; belonging follows
positive encounters and work.

Parameters: `dynamics.distress`, `dynamics.belonging`; rules in model/rules/people.py.
"""

from bridges.model.mechanisms.base import ALL, Mechanism, Metric, Phase, StateVar, member_values
from bridges.model.rules import people as people_rules


def update_wellbeing(model, who=ALL) -> None:
    """Distress and belonging of the residents `who` (everyone; one resident in the agents engine)."""
    state, week, d = model.state, model.week, model.params.dynamics
    state.distress[who] = people_rules.update_distress(state.distress[who], state.group[who], state.legal_pending[who],
                                                       state.family_pending[who], week.negative[who], d.distress)
    state.belonging[who] = people_rules.update_belonging(state.belonging[who], state.group[who], week.positive[who],
                                                         state.employed[who], d.belonging)


MECHANISM = Mechanism(
    name="wellbeing",
    after="turnover",
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
            history=False),
    ),
    metrics=(
        Metric("distress_mean", member_values("distress"), everyone=lambda state: state.distress.mean(), rank=4),
        Metric("belonging_mean", member_values("belonging"), everyone=lambda state: state.belonging.mean(), rank=5),
    ),
)
