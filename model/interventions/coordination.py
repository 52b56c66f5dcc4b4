"""Coordination: a multi-stakeholder partnership of institutions, NGOs and communities.

Stands for FOCUS pillar 4 ("making institutions, NGOs and communities work together"). It does
nothing on its own: it widens the reach (coverage and capacity) of the scenario's other programmes,
cuts their drop-out and strengthens the institutional support of their meetings. No quantitative
effect sizes were found (evidence notes): all three are assumptions to vary in sensitivity analysis.
"""

from dataclasses import dataclass, field

import numpy as np

from model.interventions.base import Coordination, Intervention
from model.params import NON_NEGATIVE, UNIT


@dataclass(frozen=True)
class CoordinationEffect:
    reach: float = field(metadata=NON_NEGATIVE)  # relative rise of other programmes' coverage and capacity
    retention: float = field(metadata=UNIT)  # share of their drop-out prevented
    institutional_support: float = field(metadata=UNIT)  # added to their meetings' institutional support


class CoordinationPartnership(Intervention):
    Effect = CoordinationEffect
    coordinates = True

    def select(self, model) -> np.ndarray:
        """A partnership enrols no residents."""
        return np.zeros(model.state.n, dtype=bool)

    def coordination(self) -> Coordination:
        return Coordination(self.effect.reach, self.effect.retention, self.effect.institutional_support)
