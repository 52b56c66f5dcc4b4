"""Contact blocks: sets of intergroup ties that contact runs along.

The city's intergroup ties form one block ("network"); a programme that brings people together
(volunteering pairs, co-creation groups) owns another. Each block keeps its ties' fixed setting
(rate, Allport conditions), their changing strength, and this week's results, and draws its random
numbers from streams prefixed with its name, so adding a programme never shifts the city's draws.
"""

from dataclasses import dataclass, field

import numpy as np

NETWORK = "network"
"""Name of the city's own block; its streams carry no prefix."""


@dataclass
class ContactBlock:
    """Intergroup ties with their setting, their strength, and this week's contact."""

    name: str
    source: np.ndarray
    target: np.ndarray
    rate: np.ndarray  # encounters per tie per week while live
    conditions: np.ndarray  # (ties, 4) Allport conditions of the setting
    needs_employment: np.ndarray  # bool, live only while both people are employed (workplace)
    strength: np.ndarray  # float 0-1, built by positive contact
    friend: np.ndarray  # bool, strength past the friendship threshold
    live: np.ndarray  # bool, tie in use this week (programmes switch ties on and off)
    negative_reduction: np.ndarray  # 0-1, this week's cut in the chance of negative contact
    layer: np.ndarray | None = None  # city layer code per tie (None for a programme's ties)
    voluntary: bool = True  # rate follows people's choices (willingness, friendship); False: a programme's attendance
    met: np.ndarray | None = None  # encounters on each tie before this week (novelty, distinct partners)
    encounters: np.ndarray = field(default=None)
    quality: np.ndarray = field(default=None)
    positive: dict = field(default_factory=dict)  # side ("source"/"target") -> positive count per tie
    negative: dict = field(default_factory=dict)

    @classmethod
    def new(cls, name: str, source: np.ndarray, target: np.ndarray, rate: np.ndarray, conditions: np.ndarray,
            needs_employment: np.ndarray | None = None, layer: np.ndarray | None = None) -> "ContactBlock":
        size = len(source)
        return cls(name, np.asarray(source, dtype=np.int64), np.asarray(target, dtype=np.int64),
                   np.asarray(rate, dtype=float), np.asarray(conditions, dtype=float).reshape(size, 4),
                   np.zeros(size, dtype=bool) if needs_employment is None else needs_employment,
                   np.zeros(size), np.zeros(size, dtype=bool), np.ones(size, dtype=bool), np.zeros(size),
                   layer=layer, met=np.zeros(size, dtype=np.int64))

    @property
    def size(self) -> int:
        return len(self.source)

    def stream(self, decision: str) -> str:
        """Stream name for one of this block's random decisions."""
        return decision if self.name == NETWORK else f"{self.name}.{decision}"
