"""Perceived threat: beliefs and perceived group size feed it, contact lowers it, it cools attitudes.

Integrated threat theory (Stephan & Stephan 2000): realistic threat (here the economic burden receiving
members believe arriving members put on them: low education, low employment, welfare receipt) and
intergroup anxiety raise perceived threat. Group threat theory (Blalock 1967; Quillian 1995): a larger
perceived outgroup raises it; people overestimate the outgroup's size (Herda 2010; Alesina, Miano &
Stantcheva 2023). Cross-group friendship lowers it (Schlueter & Scheepers 2010). Threat is computed
for receiving members; a change in threat moves attitude (Riek, Mania & Gaertner 2006: threat-attitude
correlations about 0.4-0.5), so information reaches attitudes only through beliefs.
"""

from typing import TYPE_CHECKING

import numpy as np

from bridges.model.rules.contact import logistic

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.threat import ThreatParams


def perceived_outgroup_share(local_share: np.ndarray, city_share: float, t: "ThreatParams") -> np.ndarray:
    """p = min(1, f (l s_local + (1 - l) s_city)): what people see around them and in the city (l =
    `local_weight`), inflated by the usual overestimation factor f = `overestimation`."""
    return np.minimum(1.0, t.overestimation * (t.local_weight * local_share + (1.0 - t.local_weight) * city_share))


def economic_burden(belief_education: np.ndarray, belief_employment: np.ndarray,
                    belief_welfare: np.ndarray) -> np.ndarray:
    """Believed burden in [0, 1]: the mean of (1 - education), (1 - employment) and welfare beliefs."""
    return ((1.0 - belief_education) + (1.0 - belief_employment) + belief_welfare) / 3.0


def threat_level(burden: np.ndarray, perceived_share: np.ndarray, anxiety: np.ndarray, has_friend: np.ndarray,
                 t: "ThreatParams") -> np.ndarray:
    """tau = logistic(b0 + w_B burden + w_S p + w_X anxiety - w_F friend), in [0, 1] (b0 = `intercept`, w_B =
    `burden_weight`, w_S = `size_weight`, w_X = `anxiety_weight`, w_F = `friend_weight`)."""
    return logistic(t.intercept + t.burden_weight * burden + t.size_weight * perceived_share
                    + t.anxiety_weight * anxiety - t.friend_weight * has_friend)


def threat_attitude_change(attitude: np.ndarray, old_threat: np.ndarray, new_threat: np.ndarray, t: "ThreatParams",
                           top: float) -> np.ndarray:
    """A' = clip(A - w top (tau' - tau), 0, top), w = `attitude_weight`: rising threat cools attitudes, falling
    threat warms them."""
    return np.clip(attitude - t.attitude_weight * top * (new_threat - old_threat), 0.0, top)
