"""Distress relief: mental health and psychosocial support (MHPSS) sessions.

Stands for FOCUS pillar 1 (MHPSS "to broadly reduce distress and improve wellbeing in society as a
whole"). Each session removes a share of a participant's distress (Turrini et al. 2019, 26 RCTs with
refugees: SMD -0.71 PTSD, -1.02 depression). Lower distress then raises willingness to meet and the
quality of encounters through the contact rules; the link's size is an assumption.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.interventions.effect import Effect
from bridges.model.ranges import UNIT


@dataclass(frozen=True)
class DistressReliefParams:
    distress_reduction: float = field(metadata=UNIT)  # share of distress removed per session


def relieve_distress(distress: np.ndarray, treated: np.ndarray, p: DistressReliefParams) -> np.ndarray:
    """D' = D (1 - distress_reduction) for those treated this week, unchanged for others."""
    return np.where(treated, distress * (1.0 - p.distress_reduction), distress)


class DistressRelief(Effect):
    kind = "distress_relief"
    Params = DistressReliefParams
    levers = ("state.distress",)

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        if session:
            distress = self.lever(model, "state.distress")
            distress[:] = relieve_distress(distress, enrolled, self.params)
