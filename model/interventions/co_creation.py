"""Co-creation: mixed groups of arriving and receiving members working on a shared project.

Stands for FOCUS pillar 3 (co-creative and participatory approaches, e.g. co-created podcasts). Groups
of a set size and mix meet weekly for the project's weeks; equal status, a common goal and cooperation
are all high (Allport 1954). With low conditions the same programme is mere exposure: the same
encounters in a low-quality setting.
"""

from dataclasses import dataclass, field

import numpy as np

from model.errors import InputError
from model.interventions.base import eligible, pick, target_count
from model.interventions.programme import Programme, SettingParams
from model.params import GROUPS, POSITIVE


@dataclass(frozen=True)
class CoCreationEffect(SettingParams):
    """Setting of the project meetings, and the size and mix of each group."""

    group_size: int = field(metadata=POSITIVE)
    arriving_per_group: int = field(metadata=POSITIVE)

    def __post_init__(self):
        if self.arriving_per_group >= self.group_size:
            raise InputError(f"arriving_per_group: must be below group_size ({self.group_size}), got {self.arriving_per_group}")


def form_groups(arriving: np.ndarray, receiving: np.ndarray, arriving_per_group: int,
                receiving_per_group: int) -> tuple[np.ndarray, np.ndarray]:
    """Mixed groups filled in order; returns (group id per member as [members, group], intergroup pairs)."""
    n_groups = min(len(arriving) // arriving_per_group, len(receiving) // receiving_per_group)
    a = arriving[: n_groups * arriving_per_group].reshape(n_groups, arriving_per_group)
    r = receiving[: n_groups * receiving_per_group].reshape(n_groups, receiving_per_group)
    pairs = np.stack(np.broadcast_arrays(a[:, :, None], r[:, None, :]), axis=-1).reshape(-1, 2)
    members = np.concatenate([a.ravel(), r.ravel()])
    return members.astype(np.int64), pairs.astype(np.int64)


class CoCreation(Programme):
    Effect = CoCreationEffect

    def select(self, model) -> np.ndarray:
        state, e = model.state, self.effect
        candidates = eligible(state, self.delivery)
        n_groups = target_count(int(candidates.sum()), self.delivery) // e.group_size
        u = model.streams.uniform(self.stream("select"), 0, state.n)
        chosen = {}
        for label, per_group in (("arriving", e.arriving_per_group), ("receiving", e.group_size - e.arriving_per_group)):
            picked = pick(candidates & (state.group == GROUPS.index(label)), n_groups * per_group,
                          self.delivery.targeting, state, u)
            chosen[label] = np.flatnonzero(picked)[np.argsort(u[picked], kind="stable")]
        members, self.pairs = form_groups(chosen["arriving"], chosen["receiving"], e.arriving_per_group,
                                          e.group_size - e.arriving_per_group)
        enrolled = np.zeros(state.n, dtype=bool)
        enrolled[members] = True
        return enrolled
