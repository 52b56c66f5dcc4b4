"""Attitudes after direct contact: attitude, anxiety and trust move with the week's weighted positive and
negative encounters; with `contact.negativity` on, on the log-odds with a negativity weight buffered by
recent positive contact.

Parameters: `contact.update`, `contact.susceptibility`, `contact.negativity`; rules in
model/rules/contact.py and negativity.py.
"""

from bridges.model.mechanisms.base import ALL, Mechanism, Metric, Phase, StateVar, member_values
from bridges.model.ranges import THERMOMETER_MAX
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import negativity as negativity_rules


def update_attitudes(model, who=ALL) -> None:
    """Attitude, anxiety and trust of the residents `who` (everyone; one resident in the agents engine) move
    with the week's positive and negative contact; with `contact.negativity` on, on the log-odds with a
    negativity weight buffered by recent positive contact."""
    state, week, contact = model.state, model.week, model.params.contact
    susceptibility = contact.susceptibility_for(state.group[who])
    if not contact.negativity.enabled:
        state.attitude[who], state.anxiety[who], state.trust[who] = contact_rules.update_views(
            state.attitude[who], state.anxiety[who], state.trust[who], week.positive_weighted[who],
            week.negative_weighted[who], susceptibility, contact.update, THERMOMETER_MAX)
        return
    state.attitude[who], state.anxiety[who], state.trust[who] = negativity_rules.log_odds_views(
        state.attitude[who], state.anxiety[who], state.trust[who], week.positive_weighted[who],
        week.negative_weighted[who], susceptibility, state.positive_history[who], contact.update, contact.negativity,
        THERMOMETER_MAX)


MECHANISM = Mechanism(
    name="attitudes",
    after="partners",
    params=("contact.update", "contact.susceptibility", "contact.negativity"),
    state=(
        StateVar("attitude", "float64", "drawn per group (city.groups.<group>.attitude)"),
        StateVar("anxiety", "float64", "drawn per group (city.groups.<group>.anxiety)"),
        StateVar("trust", "float64", "drawn per group (city.groups.<group>.trust)"),
    ),
    phases=(
        Phase(
            update_attitudes,
            reads=("state.group", "state.attitude", "state.anxiety", "state.trust", "state.positive_history",
                   "week.positive_weighted", "week.negative_weighted"),
            writes=("state.attitude", "state.anxiety", "state.trust")),
    ),
    metrics=(
        Metric("attitude_mean", member_values("attitude"), everyone=lambda state: state.attitude.mean(), rank=1),
        Metric("anxiety_mean", member_values("anxiety"), rank=2),
        Metric("trust_mean", member_values("trust"), rank=3),
    ),
)
