"""Generalisation and saturation: from liking a person to warming to the group.

Repeated meetings build liking for the partner (the tie's strength, model/rules/friendship.py) faster
than they change the attitude toward the group. An encounter moves the group-level attitude, anxiety
and trust only as far as the partner is seen as a member of the group (group salience s; Brown &
Hewstone 2005) and the partner is still novel: the k-th meeting with the same partner weighs
1 / (1 + k / h) of the first, so the hundredth meeting with one neighbour matters far less than a
first meeting with someone new.
"""

import numpy as np


def novelty(met_before: np.ndarray, half_familiar: float) -> np.ndarray:
    """Weight of a meeting after `met_before` earlier ones with the same partner: 1 / (1 + k / h)."""
    return 1.0 / (1.0 + met_before / half_familiar)


def generalisation_weight(salience: float | np.ndarray, met_before: np.ndarray, half_familiar: float) -> np.ndarray:
    """How far one encounter on a tie carries to the group: g = s / (1 + k / h)."""
    return salience * novelty(met_before, half_familiar)
