"""The partner matters: how an encounter feels to one side depends on how the other behaves.

A prejudiced partner makes a negative experience likely whatever the setting and one's own state
(the setting and both people's anxiety, language and distress already enter the encounter's quality).
For arriving members a negative encounter with a receiving member is experienced discrimination, a
state that raises distress and lowers belonging (Pascoe & Richman 2009 and Schmitt et al. 2014,
meta-analyses: perceived discrimination harms wellbeing; Branscombe, Schmitt & Harvey 1999).
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.contact import PartnerParams
    from bridges.model.mechanisms.discrimination import DiscriminationParams


def partner_shift(partner_attitude: np.ndarray, p: "PartnerParams", top: float) -> np.ndarray:
    """Shift of one side's log-odds of a positive experience from the partner's prejudice:
    delta = -w_p (1 - A_partner / top), w_p = `prejudice_weight`; 0 for a partner at the top of the thermometer."""
    return -p.prejudice_weight * (1.0 - partner_attitude / top)


def update_discrimination(discrimination: np.ndarray, negative: np.ndarray, d: "DiscriminationParams") -> np.ndarray:
    """Experienced discrimination in [0, 1]: each negative intergroup encounter closes a share `gain`
    of the headroom, and the level fades by `decay` a week:
        d' = d + (1 - (1 - g)^N)(1 - d) - decay * d."""
    rise = (1.0 - (1.0 - d.gain) ** negative) * (1.0 - discrimination)
    return np.clip(discrimination + rise - d.decay * discrimination, 0.0, 1.0)


def discrimination_toll(distress: np.ndarray, belonging: np.ndarray, discrimination: np.ndarray,
                        d: "DiscriminationParams") -> tuple[np.ndarray, np.ndarray]:
    """Weekly toll of experienced discrimination d, with r = `distress_rise` and l = `belonging_loss`:
        D' = D + r d (1 - D),   B' = B - l d B   (both stay in [0, 1])."""
    return (distress + d.distress_rise * discrimination * (1.0 - distress),
            belonging - d.belonging_loss * discrimination * belonging)
