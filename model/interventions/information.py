"""Information: a campaign sharing facts about arriving members with receiving members.

Stands for the FOCUS recommendation that "basic facts are shared" on the real situation of arriving
members. Each exposure closes a share of the gap between beliefs and the facts, more for people who
have had intergroup contact during the run (FOCUS: receiving members with contact hold more
differentiated views); corrections move beliefs far more than attitudes (Hopkins, Sides & Citrin 2019;
Grigorieff, Roth & Ubfal 2020). The campaign changes attitudes only through beliefs: corrected beliefs
lower perceived threat, which warms attitudes (model/rules/threat.py, conf/dynamics threat). The effect
decays as beliefs drift back toward the media prior (conf/dynamics: belief_media_drift). The facts are the
ones beliefs are measured against (`true_shares`, model/rules/beliefs.py).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.interventions.effect import Effect
from bridges.model.params_city import BELIEFS
from bridges.model.ranges import GROUPS, NON_NEGATIVE, UNIT
from bridges.model.rules.beliefs import true_shares


@dataclass(frozen=True)
class InformationParams:
    belief_shift: float = field(metadata=UNIT)  # share of the gap to the facts closed per exposure
    contact_bonus: float = field(metadata=NON_NEGATIVE)  # relative extra shift for people with intergroup contact


def exposed_to_facts(enrolled: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Who a session reaches: enrolled receiving members (the only ones holding beliefs about the others)."""
    return enrolled & (group == GROUPS.index("receiving"))


def exposure_pull(share: float, contact_bonus: float, has_contact: np.ndarray, exposed: np.ndarray) -> np.ndarray:
    """Share of a gap one exposure closes: min(1, share (1 + bonus * contact)) for the exposed, 0 for others."""
    return np.minimum(1.0, share * (1.0 + contact_bonus * has_contact)) * exposed


def correct_beliefs(beliefs: np.ndarray, truth: np.ndarray, exposed: np.ndarray, has_contact: np.ndarray,
                    p: InformationParams) -> np.ndarray:
    """b' = b + min(1, belief_shift (1 + contact_bonus * contact)) (truth - b) for the exposed; rows people,
    columns topics."""
    pull = exposure_pull(p.belief_shift, p.contact_bonus, has_contact, exposed)
    return beliefs + pull[:, None] * (truth[None, :] - beliefs)


class Information(Effect):
    kind = "information"
    Params = InformationParams
    levers = tuple(f"state.belief_{topic}" for topic in BELIEFS)

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        if not session:
            return
        state = model.state
        exposed = exposed_to_facts(enrolled, state.group)
        if not exposed.any():
            return
        has_contact = state.intergroup_contacts > 0
        beliefs = np.column_stack([state.belief(topic) for topic in BELIEFS])
        corrected = correct_beliefs(beliefs, true_shares(state.group, state.education, state.employed), exposed,
                                    has_contact, self.params)
        for column, topic in enumerate(BELIEFS):
            self.lever(model, f"state.belief_{topic}")[exposed] = corrected[exposed, column]
