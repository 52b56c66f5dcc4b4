"""Contact rules: how often groups meet, how good a meeting is, and what it does to people.

Every function is pure: arrays and numbers in, arrays out. The weekly step and every test call these
same functions. The equations are collected in docs/model.md.
"""

from typing import TYPE_CHECKING

import numpy as np

from bridges.model.sampling import binomial_quantile, poisson_quantile

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.attitudes import UpdateParams
    from bridges.model.mechanisms.contact import QualityParams, WillingnessParams


def logistic(x: np.ndarray) -> np.ndarray:
    """The standard logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-x))


def willingness(anxiety: np.ndarray, distress: np.ndarray, responsibility: np.ndarray,
                w: "WillingnessParams") -> np.ndarray:
    """Readiness to meet the outgroup, in [floor, 1]:
    w = clip(1 - a_w * anxiety - d_w * distress - r_w * (1 - responsibility), floor, 1).

    Intergroup anxiety and distress make people avoid contact (Stephan & Stephan 1985); people who see
    integration as their own task seek it (FOCUS: receiving members leave it to institutions).
    """
    raw = 1.0 - w.anxiety * anxiety - w.distress * distress - w.responsibility * (1.0 - responsibility)
    return np.clip(raw, w.floor, 1.0)


def live_rate(rate: np.ndarray, live: np.ndarray, needs_employment: np.ndarray, employed_source: np.ndarray,
              employed_target: np.ndarray) -> np.ndarray:
    """A tie's rate this week: its setting's rate while the tie is live, 0 otherwise; a tie that needs
    employment (workplace) is live only while both people are employed."""
    return rate * (live & (~needs_employment | (employed_source & employed_target)))


def encounter_rate(layer_rate: np.ndarray, willingness_source: np.ndarray, willingness_target: np.ndarray,
                   friend_factor: np.ndarray | float = 1.0) -> np.ndarray:
    """Expected encounters per week on a tie people choose to use: lambda = layer rate * w_i * w_j * m,
    with m the friendship multiplier of the tie (`friend_factor`) (quantity)."""
    return layer_rate * willingness_source * willingness_target * friend_factor


def draw_encounters(rate: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Encounters this week on each tie, n ~ Poisson(lambda), from one uniform per tie."""
    return poisson_quantile(u, rate)


def shared_language(language_source: np.ndarray, language_target: np.ndarray) -> np.ndarray:
    """The language a pair shares: the lower of the two proficiencies."""
    return np.minimum(language_source, language_target)


def pair_mean(value_source: np.ndarray, value_target: np.ndarray) -> np.ndarray:
    """What a pair brings to an encounter of a personal state (anxiety, distress) or a per-side count:
    the mean of the two."""
    return 0.5 * (value_source + value_target)


def contact_quality(conditions: np.ndarray, shared_language: np.ndarray, anxiety: np.ndarray, distress: np.ndarray,
                    q: "QualityParams") -> np.ndarray:
    """Quality of an intergroup encounter in [0, 1].

    q = logistic(b0 + sum_c beta_c * C_c + beta_L * L - beta_A * A - beta_D * D), where C are the
    setting's Allport conditions (rows: ties, columns: equal status, common goal, cooperation,
    institutional support), L the two people's shared language (the lower proficiency), and A and D
    the pair's mean anxiety and distress (Allport 1954; Pettigrew & Tropp 2006).
    """
    score = (q.intercept + conditions @ q.condition_weights() + q.shared_language * shared_language
             - q.anxiety * anxiety - q.distress * distress)
    return logistic(score)


def positive_probability(quality: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Chance that one person experiences an encounter as positive: logistic(logit(q) + offset).

    `offset` is a per-person shift on the logit scale (arriving members report contact as more
    positive: FOCUS); offset 0 gives p = q.
    """
    q = np.clip(quality, 1e-12, 1.0 - 1e-12)
    return logistic(np.log(q / (1.0 - q)) + offset)


def draw_valence(encounters: np.ndarray, p_positive: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each tie's encounters into (positive, negative) for one side, positive ~ Binomial(n, p)."""
    positive = binomial_quantile(u, encounters, p_positive)
    return positive, encounters - positive


def tally(n_people: int, people: np.ndarray, counts: np.ndarray, tie_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per person: the sum of one side's per-tie counts, raw and with each tie weighted by `tie_weight`."""
    return (np.bincount(people, weights=counts, minlength=n_people),
            np.bincount(people, weights=counts * tie_weight, minlength=n_people))


def contact_update(value: np.ndarray, positive: np.ndarray, negative: np.ndarray, step: np.ndarray,
                   negativity_weight: float, good_end: float, bad_end: float) -> np.ndarray:
    """Move a bounded variable after a week's positive and negative contact.

    Each positive encounter closes a fraction `step` of the distance to `good_end`; each negative one
    a fraction `step * negativity_weight` of the distance to `bad_end` (negative contact weighs more:
    Barlow et al. 2012; Graf, Paolini & Rubin 2014). With P positive and N negative encounters:
        x' = x + (1 - (1 - s)^P) (good - x) + (1 - (1 - s k)^N) (bad - x)
    which stays within [min(good, bad), max(good, bad)] for any counts.
    """
    pull_good = 1.0 - (1.0 - np.minimum(step, 1.0)) ** positive
    pull_bad = 1.0 - (1.0 - np.minimum(step * negativity_weight, 1.0)) ** negative
    return value + pull_good * (good_end - value) + pull_bad * (bad_end - value)


def update_views(attitude: np.ndarray, anxiety: np.ndarray, trust: np.ndarray, positive: np.ndarray,
                 negative: np.ndarray, susceptibility: np.ndarray, u: "UpdateParams", top: float):
    """Attitude (toward `top`), anxiety (toward 0) and trust (toward 1) after a week's positive and
    negative contact (`contact_update`), each step scaled by the person's susceptibility."""
    k = u.negativity_weight
    return (contact_update(attitude, positive, negative, u.attitude_step * susceptibility, k, top, 0.0),
            contact_update(anxiety, positive, negative, u.anxiety_step * susceptibility, k, 0.0, 1.0),
            contact_update(trust, positive, negative, u.trust_step * susceptibility, k, 1.0, 0.0))


def spare_negative(p_positive: np.ndarray, negative_cut: np.ndarray) -> np.ndarray:
    """Chance of a positive encounter when a share `negative_cut` of the negative ones is prevented
    (and turned positive): p' = 1 - (1 - p)(1 - cut)."""
    return 1.0 - (1.0 - p_positive) * (1.0 - negative_cut)
