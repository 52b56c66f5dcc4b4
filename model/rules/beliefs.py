"""Receiving members' beliefs about arriving members: pure functions over arrays.

Beliefs start biased (education and employment underestimated, welfare overestimated: FOCUS), drift
toward a media prior, and move toward what people observe of the arriving members they meet.
"""

import numpy as np


def true_shares(higher_education: np.ndarray, employed: np.ndarray) -> dict[str, float]:
    """The facts about arriving members: shares with higher education, employed, and on welfare
    (welfare = not in paid work; refugees without earnings receive benefits)."""
    if higher_education.size == 0:
        return {"education": np.nan, "employment": np.nan, "welfare": np.nan}
    employment = float(np.mean(employed))
    return {"education": float(np.mean(higher_education)), "employment": employment, "welfare": 1.0 - employment}


def observations(n_people: int, observer: np.ndarray, encounters: np.ndarray, partner_value: np.ndarray,
                 community_value: float, personal_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Per observer: what this week's encounters showed, and how many there were.

    An encounter shows the partner's own situation (weight `personal_weight`) and what the partner
    tells of their community (the true share, the rest); the result is averaged over encounters.
    """
    seen = np.bincount(observer, weights=encounters, minlength=n_people)
    shown = personal_weight * partner_value + (1.0 - personal_weight) * community_value
    total = np.bincount(observer, weights=encounters * shown, minlength=n_people)
    return np.divide(total, seen, out=np.zeros(n_people), where=seen > 0), seen


def update_belief(belief: np.ndarray, observed: np.ndarray, encounters: np.ndarray, media_prior: float,
                  media_drift: float, observation_weight: float) -> np.ndarray:
    """b' = b + m (prior - b) + (1 - (1 - o)^n) (observed - b), n = encounters observed this week."""
    learned = 1.0 - (1.0 - observation_weight) ** encounters
    return np.clip(belief + media_drift * (media_prior - belief) + learned * (observed - belief), 0.0, 1.0)


def misperception(beliefs: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Mean absolute gap between each person's beliefs (rows: people, columns: topics) and the truth."""
    return np.mean(np.abs(beliefs - truth[None, :]), axis=1)
