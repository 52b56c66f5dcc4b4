"""Perceived threat (integrated threat theory): receiving members' threat from their beliefs about arriving
members, the arriving share they see around them, their anxiety and any cross-group friendship; with
`dynamics.threat` on, its change moves their attitudes (the only way information reaches attitudes).

Parameters: `dynamics.threat`; rules in model/rules/threat.py. `model.local_arriving_share` (each
neighbourhood's arriving share) is fixed when the model is built (model.py).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import (ALL, BELIEF_FIELDS, Mechanism, Metric, Phase, Rows, StateVar, first_row,
                                           member_values, members)
from bridges.model.ranges import ARRIVING, NON_NEGATIVE, RECEIVING, THERMOMETER_MAX, UNIT, WEIGHT
from bridges.model.rules import threat as threat_rules


@dataclass(frozen=True)
class ThreatParams:
    """Receiving members' perceived threat from beliefs, perceived group size and anxiety."""

    enabled: bool
    local_weight: float = field(metadata=UNIT)
    overestimation: float = field(metadata=NON_NEGATIVE)
    intercept: float = field(metadata=WEIGHT)
    burden_weight: float = field(metadata=NON_NEGATIVE)
    size_weight: float = field(metadata=NON_NEGATIVE)
    anxiety_weight: float = field(metadata=NON_NEGATIVE)
    friend_weight: float = field(metadata=NON_NEGATIVE)
    attitude_weight: float = field(metadata=NON_NEGATIVE)


COMPILED = "bridges.model.rules.threat_compiled"
"""The module of this mechanism's compiled kernels (model/kernels.py)."""


def believed_burden(model, who=ALL) -> np.ndarray:
    """The economic burden the residents `who` believe arriving members put on them (from their beliefs)."""
    state = model.state
    return threat_rules.economic_burden(state.belief_education[who], state.belief_employment[who],
                                        state.belief_welfare[who])


def current_threat(model, who=ALL, burden: np.ndarray | None = None) -> np.ndarray:
    """Perceived threat of the receiving members among `who` from their believed burden (`burden`, theirs now
    unless given), the arriving share they see (their neighbourhood's and the city's), their anxiety and any
    cross-group friendship; NaN for arriving members."""
    state, t = model.state, model.params.dynamics.threat
    burden = believed_burden(model, who) if burden is None else burden
    perceived = threat_rules.perceived_outgroup_share(model.local_arriving_share[state.neighbourhood[who]],
                                                      model.city_arriving_share, t)
    level = threat_rules.threat_level(burden, perceived, state.anxiety[who], state.outgroup_friends[who] > 0, t)
    return np.where(state.group[who] == RECEIVING, level, np.nan)


def start_threat(model) -> None:
    """Week 0: the arriving share of the whole city (the city-wide part of the group size everyone perceives;
    fixed by the city, as newcomers replace arriving members) and perceived threat before anyone has met."""
    model.city_arriving_share = float(np.mean(model.state.group == ARRIVING))
    model.state.threat[:] = current_threat(model)


def perceive_threat(model, who=ALL) -> None:
    """Perceived threat of the residents `who` follows this week's beliefs, anxiety and friendships; with
    `dynamics.threat` on, its change moves receiving members' attitudes (information reaches attitudes only
    this way)."""
    state, t = model.state, model.params.dynamics.threat
    compiled = kernels.load(COMPILED, state.n) if isinstance(who, slice) and who.step is None else None
    if compiled is not None:  # the same rules compiled over the rows (model/rules/threat_compiled.py)
        compiled.perceive(state, model.local_arriving_share, model.city_arriving_share, t, THERMOMETER_MAX,
                          *who.indices(state.n)[:2])
        return
    threat = current_threat(model, who)
    if t.enabled:
        receiving = members(model, who, RECEIVING)
        mine = receiving - first_row(who)  # their places in `threat`
        state.attitude[receiving] = threat_rules.threat_attitude_change(
            state.attitude[receiving], state.threat[receiving], threat[mine], t, THERMOMETER_MAX)
    state.threat[who] = threat


MECHANISM = Mechanism(
    name="threat",
    after="beliefs",
    params=("dynamics.threat",),
    parameters={"dynamics.threat": ThreatParams},
    state=(StateVar("threat", "float64", "receiving: from beliefs, share and anxiety at week 0; arriving: NaN",
                    fill=np.nan),),
    attributes=("local_arriving_share", "city_arriving_share"),
    phases=(
        Phase(
            perceive_threat,
            reads=("state.group", "state.neighbourhood", *BELIEF_FIELDS, "state.anxiety", "state.outgroup_friends",
                   "state.threat", "state.attitude", "model.local_arriving_share", "model.city_arriving_share",
                   "model.static_index"),
            writes=("state.threat", "state.attitude"),
            steps=(Rows(perceive_threat, blocks=True),)),
    ),
    start=start_threat,
    metrics=(Metric("threat_mean", member_values("threat"), groups=(RECEIVING,), rank=13),),
)
