"""Volunteering: a buddy or mentoring programme pairing receiving volunteers with arriving members.

Stands for FOCUS pillar 2 (quality contact between the communities, "volunteerism potentially playing a
very significant role") and buddy programmes such as "Start with a Friend" (JEMS 2022: gains in social
connectedness for the intensely treated). Volunteers meet their buddy in session weeks with
institutional support; a volunteer who drops out ends the pair.
"""

from dataclasses import dataclass

import numpy as np

from model.interventions.base import eligible, pick
from model.interventions.programme import Programme, SettingParams
from model.params import GROUPS, TARGETING
from model.errors import InputError


@dataclass(frozen=True)
class VolunteeringEffect(SettingParams):
    """Setting of the buddy meetings, and how arriving buddies are chosen."""

    buddy_targeting: str

    def __post_init__(self):
        if self.buddy_targeting not in TARGETING:
            raise InputError(f"buddy_targeting: must be one of {', '.join(TARGETING)}, got {self.buddy_targeting!r}")


def match_buddies(volunteers: np.ndarray, buddies: np.ndarray) -> np.ndarray:
    """Pair the i-th volunteer with the i-th buddy: pairs of (volunteer, buddy), as many as the shorter list."""
    count = min(len(volunteers), len(buddies))
    return np.column_stack([volunteers[:count], buddies[:count]]).astype(np.int64)


class Volunteering(Programme):
    Effect = VolunteeringEffect

    def select(self, model) -> np.ndarray:
        volunteers = super().select(model) & (model.state.group == GROUPS.index("receiving"))
        candidates = eligible(model.state, self.delivery, groups=["arriving"])
        u = model.streams.uniform(self.stream("buddies"), 0, model.state.n)
        buddies = pick(candidates, int(volunteers.sum()), self.effect.buddy_targeting, model.state, u)
        buddy_order = np.flatnonzero(buddies)[np.argsort(u[buddies], kind="stable")]
        self.pairs = match_buddies(np.flatnonzero(volunteers), buddy_order)
        enrolled = np.zeros(model.state.n, dtype=bool)
        enrolled[self.pairs.ravel()] = True
        return enrolled

    def drop_out(self, model) -> None:
        """A volunteer leaving ends the pair (the buddy leaves too)."""
        u = model.streams.uniform(self.stream("dropout"), model.steps, model.state.n)
        staying = self.enrolled[self.pairs[:, 0]] & ~(u[self.pairs[:, 0]] < self.delivery.dropout)
        self.enrolled[:] = False
        self.enrolled[self.pairs[staying].ravel()] = True
