"""Generalisation and saturation: from liking a person to warming to the group.

Repeated meetings build liking for the partner (the tie's strength, model/rules/friendship.py) faster
than they change the attitude toward the group. An encounter moves the group-level attitude, anxiety
and trust only as far as the partner is seen as a member of the group (group salience s; Brown &
Hewstone 2005) and the partner is still novel: the k-th meeting with the same partner weighs
1 / (1 + k / h) of the first, so the hundredth meeting with one neighbour matters far less than a
first meeting with someone new.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.contact import GeneralisationParams


def novelty(met_before: np.ndarray, g: "GeneralisationParams") -> np.ndarray:
    """Weight of a meeting after `met_before` earlier ones with the same partner: 1 / (1 + k / h),
    h = `half_familiar`."""
    return 1.0 / (1.0 + met_before / g.half_familiar)


def generalisation_weight(met_before: np.ndarray, incidental: bool, g: "GeneralisationParams") -> np.ndarray:
    """How far one encounter on a tie carries to the group: g = s / (1 + k / h), with s the salience of
    the setting (`salience_for`: brief public encounters or ties)."""
    return g.salience_for(incidental) * novelty(met_before, g)
