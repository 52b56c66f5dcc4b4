"""Negative contact weighs more, consistently, unless extensive positive contact buffers it.

A negative encounter moves attitude, anxiety and trust k times as far as a positive one, whatever the
current level (Barlow et al. 2012; Graf, Paolini & Rubin 2014). The move is made on the log-odds of
the scale's position, so the ratio of a negative to a positive step is exactly k everywhere and the
value never leaves its scale. Extensive past positive contact buffers a new negative encounter
(Paolini et al. 2014): the extra weight k - 1 falls with the positive contact a person has had lately (a
running weekly average with a memory of about a year), down to parity (buffering removes the excess
weight of negativity, not negativity itself).
"""

from typing import TYPE_CHECKING

import numpy as np

from bridges.model.rules.people import running_average

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.attitudes import NegativityParams, UpdateParams

EDGE = 1e-9
"""Positions closer than this to a scale end are held at it, so log-odds stay finite."""


def remember_positive(positive_history: np.ndarray, positive: np.ndarray, n: "NegativityParams") -> np.ndarray:
    """The running weekly average of positive encounters that buffers negativity:
    P' = (1 - m) P + m positive, m = `memory` (`running_average`)."""
    return running_average(positive_history, positive, n.memory)


def buffered_weight(positive_history: np.ndarray, u: "UpdateParams", n: "NegativityParams") -> np.ndarray:
    """Effective weight of a negative encounter: k' = 1 + (k - 1) / (1 + P / b), with k = `negativity_weight`,
    P the running average of positive encounters per week and b = `buffer_half`: the excess over a positive
    encounter halves at b a week."""
    return 1.0 + (u.negativity_weight - 1.0) / (1.0 + positive_history / n.buffer_half)


def log_odds_update(value: np.ndarray, positive: np.ndarray, negative: np.ndarray, step: float | np.ndarray,
                    negativity_weight: float | np.ndarray, good_end: float, bad_end: float) -> np.ndarray:
    """Move a bounded variable on the log-odds of its position x = (value - bad) / (good - bad):
        logit(x') = logit(x) + 2 s (P - k N)
    so each positive encounter moves it by 2 s x (1 - x) on the 0-1 position, a negative one k times
    that, at any level. 2 s makes the first move at the scale's midpoint equal that of the
    proportional rule with step s (`contact_update`). P and N may be weighted counts; without any
    contact the value is returned unchanged (no rounding through the log-odds), and only those with contact
    are computed."""
    value, positive, negative, step, negativity_weight = np.broadcast_arrays(
        np.asarray(value, dtype=float), positive, negative, step, negativity_weight)
    moving = np.flatnonzero((positive != 0) | (negative != 0))
    x = np.clip((value[moving] - bad_end) / (good_end - bad_end), EDGE, 1.0 - EDGE)
    logit = np.log(x / (1.0 - x)) + 2.0 * step[moving] * (positive[moving] - negativity_weight[moving] * negative[moving])
    updated = value.copy()
    updated[moving] = bad_end + (good_end - bad_end) / (1.0 + np.exp(-logit))
    return updated


def log_odds_views(attitude: np.ndarray, anxiety: np.ndarray, trust: np.ndarray, positive: np.ndarray,
                   negative: np.ndarray, susceptibility: np.ndarray, positive_history: np.ndarray, u: "UpdateParams",
                   n: "NegativityParams", top: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attitude (toward `top`), anxiety (toward 0) and trust (toward 1) after a week's positive and negative
    contact, each on the log-odds (`log_odds_update`) with its step scaled by the person's susceptibility and
    the negativity weight buffered by recent positive contact (`buffered_weight`)."""
    k = buffered_weight(positive_history, u, n)
    return (log_odds_update(attitude, positive, negative, u.attitude_step * susceptibility, k, top, 0.0),
            log_odds_update(anxiety, positive, negative, u.anxiety_step * susceptibility, k, 0.0, 1.0),
            log_odds_update(trust, positive, negative, u.trust_step * susceptibility, k, 1.0, 0.0))
