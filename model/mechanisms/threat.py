"""Perceived threat (integrated threat theory): receiving members' threat from their beliefs about arriving
members, the arriving share they see around them, their anxiety and any cross-group friendship; with
`dynamics.threat` on, its change moves their attitudes (the only way information reaches attitudes).

Parameters: `dynamics.threat`; rules in model/rules/threat.py. `model.local_arriving_share` (each
neighbourhood's arriving share) is fixed when the model is built (model.py).
"""

import numpy as np

from bridges.model.mechanisms.base import (BELIEF_FIELDS, Each, Mechanism, Metric, Phase, StateVar, member_values,
                                          static_index)
from bridges.model.ranges import ARRIVING, RECEIVING, THERMOMETER_MAX
from bridges.model.rules import threat as threat_rules


def current_threat(model) -> np.ndarray:
    """Receiving members' perceived threat from their beliefs, the arriving share they see, their anxiety
    and any cross-group friendship; NaN for arriving members."""
    state, t = model.state, model.params.dynamics.threat
    burden = threat_rules.economic_burden(state.belief_education, state.belief_employment, state.belief_welfare)
    perceived = threat_rules.perceived_outgroup_share(model.local_arriving_share[state.neighbourhood],
                                                      float(np.mean(state.group == ARRIVING)), t)
    level = threat_rules.threat_level(burden, perceived, state.anxiety, state.outgroup_friends > 0, t)
    return np.where(state.group == RECEIVING, level, np.nan)


def start_threat(model) -> None:
    """Week 0: perceived threat before anyone has met."""
    model.state.threat[:] = current_threat(model)


def perceive_threat(model) -> None:
    """Perceived threat follows this week's beliefs, anxiety and friendships; with `dynamics.threat` on,
    its change moves receiving members' attitudes (information reaches attitudes only this way)."""
    state, t = model.state, model.params.dynamics.threat
    threat = current_threat(model)
    if t.enabled:
        receiving = static_index(model, "receiving", lambda: np.flatnonzero(state.group == RECEIVING))
        state.attitude[receiving] = threat_rules.threat_attitude_change(
            state.attitude[receiving], state.threat[receiving], threat[receiving], t, THERMOMETER_MAX)
    state.threat[:] = threat


def observe_city(model) -> None:
    """The arriving share of the whole city (the city-wide part of the group size everyone perceives)."""
    model.city_arriving_share = float(np.mean(model.state.group == ARRIVING))


def resident_perceive_threat(resident) -> None:
    """A receiving resident's perceived threat from its beliefs, the arriving share it sees, its anxiety
    and any cross-group friendship; with `dynamics.threat` on, its change moves the attitude."""
    model, state, me, t = resident.model, resident.model.state, resident.me, resident.model.params.dynamics.threat
    if state.group[resident.index] != RECEIVING:
        state.threat[me] = np.nan
        return
    burden = threat_rules.economic_burden(state.belief_education[me], state.belief_employment[me],
                                          state.belief_welfare[me])
    perceived = threat_rules.perceived_outgroup_share(model.local_arriving_share[state.neighbourhood[me]],
                                                      model.city_arriving_share, t)
    threat = threat_rules.threat_level(burden, perceived, state.anxiety[me], state.outgroup_friends[me] > 0, t)
    if t.enabled:
        state.attitude[me] = threat_rules.threat_attitude_change(state.attitude[me], state.threat[me], threat, t,
                                                                 THERMOMETER_MAX)
    state.threat[me] = threat


MECHANISM = Mechanism(
    name="threat",
    after="beliefs",
    params=("dynamics.threat",),
    state=(StateVar("threat", "float64", "receiving: from beliefs, share and anxiety at week 0; arriving: NaN",
                    fill=np.nan),),
    attributes=("local_arriving_share", "city_arriving_share"),
    phases=(
        Phase(
            perceive_threat,
            reads=("state.group", "state.neighbourhood", *BELIEF_FIELDS, "state.anxiety", "state.outgroup_friends",
                   "state.threat", "state.attitude", "model.local_arriving_share", "model.static_index"),
            writes=("state.threat", "state.attitude"),
            agents=(observe_city, Each(resident_perceive_threat))),
    ),
    start=start_threat,
    metrics=(Metric("threat_mean", member_values("threat"), groups=(RECEIVING,), rank=13),),
)
