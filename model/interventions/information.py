"""Information: a campaign sharing facts about arriving members with receiving members.

Stands for the FOCUS recommendation that "basic facts are shared" on the real situation of arriving
members. Each exposure closes a share of the gap between beliefs and the facts, more for people who
have had intergroup contact during the run (FOCUS: receiving members with contact hold more differentiated views); corrections
move beliefs far more than attitudes (Hopkins, Sides & Citrin 2019; Grigorieff, Roth & Ubfal 2020).
The effect decays as beliefs drift back toward the media prior (conf/dynamics: belief_media_drift).
"""

from dataclasses import dataclass, field

import numpy as np

from model.interventions.base import Intervention
from model.params import BELIEFS, NON_NEGATIVE, UNIT
from model.rules.beliefs import true_shares
from model.state import THERMOMETER_MAX


@dataclass(frozen=True)
class InformationEffect:
    belief_shift: float = field(metadata=UNIT)  # share of the gap to the facts closed per exposure
    contact_bonus: float = field(metadata=NON_NEGATIVE)  # relative extra shift for people with intergroup contact
    attitude_step: float = field(metadata=UNIT)  # share of attitude headroom closed per exposure


def correct_beliefs(beliefs: np.ndarray, truth: np.ndarray, exposed: np.ndarray, has_contact: np.ndarray,
                    shift: float, contact_bonus: float) -> np.ndarray:
    """b' = b + min(1, shift (1 + bonus * contact)) (truth - b) for the exposed; rows people, columns topics."""
    pull = np.minimum(1.0, shift * (1.0 + contact_bonus * has_contact)) * exposed
    return beliefs + pull[:, None] * (truth[None, :] - beliefs)


class Information(Intervention):
    Effect = InformationEffect

    def on_week(self, model, session: bool) -> None:
        if not session:
            return
        state, e = model.state, self.effect
        exposed = self.enrolled & (state.group == 0) & np.isfinite(state.belief_education)
        if not exposed.any():
            return
        has_contact = state.intergroup_contacts > 0
        beliefs = np.column_stack([state.belief(topic) for topic in BELIEFS])
        corrected = correct_beliefs(beliefs, true_shares(state.group, state.education, state.employed), exposed, has_contact,
                                    e.belief_shift, e.contact_bonus)
        for column, topic in enumerate(BELIEFS):
            state.belief(topic)[exposed] = corrected[exposed, column]
        step = np.minimum(1.0, e.attitude_step * (1.0 + e.contact_bonus * has_contact)) * exposed
        state.attitude[:] = state.attitude + step * (THERMOMETER_MAX - state.attitude)
