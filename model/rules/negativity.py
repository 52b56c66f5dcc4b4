"""Negative contact weighs more, consistently, unless extensive positive contact buffers it.

A negative encounter moves attitude, anxiety and trust k times as far as a positive one, whatever the
current level (Barlow et al. 2012; Graf, Paolini & Rubin 2014). The move is made on the log-odds of
the scale's position, so the ratio of a negative to a positive step is exactly k everywhere and the
value never leaves its scale. Extensive past positive contact buffers a new negative encounter
(Paolini et al. 2014): the extra weight k - 1 falls with the positive contact a person has had lately (a
running weekly average with a memory of about a year), down to parity (buffering removes the excess
weight of negativity, not negativity itself).
"""

import numpy as np

EDGE = 1e-9
"""Positions closer than this to a scale end are held at it, so log-odds stay finite."""


def buffered_weight(negativity_weight: float, positive_history: np.ndarray, buffer_half: float) -> np.ndarray:
    """Effective weight of a negative encounter: k' = 1 + (k - 1) / (1 + P / b), with P the running average
    of positive encounters per week; the excess over a positive encounter halves at b a week."""
    return 1.0 + (negativity_weight - 1.0) / (1.0 + positive_history / buffer_half)


def log_odds_update(value: np.ndarray, positive: np.ndarray, negative: np.ndarray, step: float | np.ndarray,
                    negativity_weight: float | np.ndarray, good_end: float, bad_end: float) -> np.ndarray:
    """Move a bounded variable on the log-odds of its position x = (value - bad) / (good - bad):
        logit(x') = logit(x) + 2 s (P - k N)
    so each positive encounter moves it by 2 s x (1 - x) on the 0-1 position, a negative one k times
    that, at any level. 2 s makes the first move at the scale's midpoint equal that of the
    proportional rule with step s (`contact_update`). P and N may be weighted counts; without any
    contact the value is returned unchanged (no rounding through the log-odds)."""
    x = np.clip((value - bad_end) / (good_end - bad_end), EDGE, 1.0 - EDGE)
    logit = np.log(x / (1.0 - x)) + 2.0 * step * (positive - negativity_weight * negative)
    moved = bad_end + (good_end - bad_end) / (1.0 + np.exp(-logit))
    return np.where((positive == 0) & (negative == 0), value, moved)
