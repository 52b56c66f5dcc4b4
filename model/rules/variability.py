"""Perceived outgroup variability: the more distinct outgroup members one has met, the less alike they seem.

People see outgroups as more homogeneous than ingroups (Linville, Fischer & Salovey 1989); contact with
more outgroup members raises perceived variability (Islam & Hewstone 1993). FOCUS: receiving members
with more contact hold more differentiated opinions about arriving members.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.partners import VariabilityParams


def perceived_variability(group: np.ndarray, distinct_partners: np.ndarray, v: "VariabilityParams") -> np.ndarray:
    """V = V0 + (1 - V0) n / (n + h): from the group's baseline V0 (`baseline_for`) toward 1, halfway after
    h = `half_partners` distinct partners."""
    baseline = v.baseline_for(group)
    return baseline + (1.0 - baseline) * distinct_partners / (distinct_partners + v.half_partners)


def new_partners(met_before: np.ndarray, encounters: np.ndarray, source: np.ndarray, target: np.ndarray,
                 n_people: int) -> np.ndarray:
    """Per person, ties whose first encounter happened this week (a partner met for the first time)."""
    first = (met_before == 0) & (encounters > 0)
    return np.bincount(source[first], minlength=n_people) + np.bincount(target[first], minlength=n_people)
