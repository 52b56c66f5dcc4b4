"""Attitudes after direct contact: attitude, anxiety and trust move with the week's weighted positive and
negative encounters; with `contact.negativity` on, on the log-odds with a negativity weight buffered by
recent positive contact.

Parameters: `contact.update`, `contact.susceptibility`, `contact.negativity`; rules in
model/rules/contact.py and negativity.py.
"""

from bridges.model.mechanisms.base import Each, Mechanism, Phase, StateVar
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import negativity as negativity_rules
from bridges.model.state import THERMOMETER_MAX


def update_attitudes(model) -> None:
    """Attitude, anxiety and trust move with the week's positive and negative contact; with
    `contact.negativity` on, on the log-odds with a negativity weight buffered by recent positive contact."""
    state, week, contact = model.state, model.week, model.params.contact
    susceptibility = contact.susceptibility_for(state.group)
    if not contact.negativity.enabled:
        state.attitude[:], state.anxiety[:], state.trust[:] = contact_rules.update_views(
            state.attitude, state.anxiety, state.trust, week.positive_weighted, week.negative_weighted,
            susceptibility, contact.update, THERMOMETER_MAX)
        return
    state.attitude[:], state.anxiety[:], state.trust[:] = negativity_rules.log_odds_views(
        state.attitude, state.anxiety, state.trust, week.positive_weighted, week.negative_weighted, susceptibility,
        state.positive_history, contact.update, contact.negativity, THERMOMETER_MAX)


def resident_update_attitudes(resident) -> None:
    """Attitude, anxiety and trust after this week's contact; with `contact.negativity` on, on the log-odds
    with a negativity weight buffered by recent positive contact."""
    state, week, contact, me = resident.model.state, resident.model.week, resident.model.params.contact, resident.me
    susceptibility = contact.susceptibility_for(state.group[me])
    pos, neg, u = week.positive_weighted[me], week.negative_weighted[me], contact.update
    if not contact.negativity.enabled:
        state.attitude[me], state.anxiety[me], state.trust[me] = contact_rules.update_views(
            state.attitude[me], state.anxiety[me], state.trust[me], pos, neg, susceptibility, u, THERMOMETER_MAX)
        return
    state.attitude[me], state.anxiety[me], state.trust[me] = negativity_rules.log_odds_views(
        state.attitude[me], state.anxiety[me], state.trust[me], pos, neg, susceptibility,
        state.positive_history[me], u, contact.negativity, THERMOMETER_MAX)


MECHANISM = Mechanism(
    name="attitudes",
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
            writes=("state.attitude", "state.anxiety", "state.trust"),
            agents=(Each(resident_update_attitudes),)),
    ),
    metrics=("attitude_mean", "anxiety_mean", "trust_mean"),
)
