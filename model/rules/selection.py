"""Selection: warmer, more trusting people seek contact where they can choose.

In voluntary settings (neighbourhood, clubs and centres, public space) a person's attitude and trust
scale how often they meet the outgroup; where they cannot choose (household, workplace, school) they do
not. Contact and attitude then correlate partly because warmer people seek contact: prejudice predicts
later contact as well as contact predicting later prejudice (Binder et al. 2009); contact effects hold
where participants had no choice, so selection is not the whole story (Pettigrew & Tropp 2006).
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.contact import SelectionParams


def choice_factor(attitude: np.ndarray, trust: np.ndarray, s: "SelectionParams", top: float,
                  leverage: np.ndarray | float = 1.0) -> np.ndarray:
    """Multiplier on one person's encounter rate in chosen settings:
        c = exp(l (w_A (A / top - 1/2) + w_T (T - 1/2))),  1 at the scales' midpoints
    (w_A = `attitude_weight`, w_T = `trust_weight`; l = the person's choice leverage, 1 unless the wallpaper
    effect takes choice away: model/mechanisms/wallpaper.py; l = 1 leaves c unchanged to the bit)."""
    return np.exp(leverage * (s.attitude_weight * (attitude / top - 0.5) + s.trust_weight * (trust - 0.5)))


def chosen_ties(tie_kind: np.ndarray, s: "SelectionParams") -> np.ndarray:
    """Per tie: whether its setting (layer kind, or "public" for incidental encounters) is one people choose
    (`chosen_kinds`); incidental encounters always are."""
    return np.isin(tie_kind, [*s.chosen_kinds, "public"])


def chosen_rate(rate: np.ndarray, chosen: np.ndarray, factor_source: np.ndarray,
                factor_target: np.ndarray) -> np.ndarray:
    """lambda' = lambda c_i c_j on ties in chosen settings, lambda elsewhere."""
    return np.where(chosen, rate * factor_source * factor_target, rate)
