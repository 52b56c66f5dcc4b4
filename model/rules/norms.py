"""Views of the outgroup are anchored socially: they drift toward the norm of one's ingroup.

The norm a person perceives mixes (i) the mean view of their ingroup friends, (ii) the mean view of
ingroup members in their neighbourhood (contextual norms: Christ et al. 2014) and (iii) the climate of
their group in the wider society beyond the district (the group's surveyed mean). Each week attitude,
intergroup anxiety and outgroup trust close a share of the gap to their norms, so contact moves people
against a social anchor, and a programme's effect on participants can fade or spread to their friends. Extended contact works through the norm and through
anxiety, not as a fixed nudge (Turner et al. 2008; Wright et al. 1997): ingroup friends who have
outgroup friends signal that the ingroup approves of contact, and make meeting the outgroup less
daunting.
"""

import numpy as np
from scipy import sparse


def neighbourhood_ingroup_mean(value: np.ndarray, neighbourhood: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Mean of a view among the resident's own group in the resident's neighbourhood (the resident included)."""
    n_places = int(neighbourhood.max()) + 1 if neighbourhood.size else 0
    key = neighbourhood.astype(np.int64) * 2 + group
    total = np.bincount(key, weights=value, minlength=2 * n_places)
    count = np.bincount(key, minlength=2 * n_places)
    return total[key] / count[key]


def friends_mean(value: np.ndarray, friends: sparse.csr_matrix, friend_count: np.ndarray,
                 fallback: np.ndarray) -> np.ndarray:
    """Mean of a view among each person's ingroup friends; `fallback` for people without friends."""
    total = friends @ value
    return np.where(friend_count > 0, total / np.maximum(friend_count, 1), fallback)


def extended_share(extended_contacts: np.ndarray, ingroup_friend_count: np.ndarray) -> np.ndarray:
    """e = share of a person's ingroup friends who have an outgroup friend (0 without friends)."""
    return extended_contacts / np.maximum(ingroup_friend_count, 1)


def extended_norm(friends_attitude: np.ndarray, extended_share: np.ndarray, signal: float, top: float) -> np.ndarray:
    """Friends' attitude norm warmed by extended contact: F' = F + x e (top - F), e = share of ingroup
    friends with an outgroup friend, x = `signal` (their friendships signal that the ingroup approves)."""
    return friends_attitude + signal * extended_share * (top - friends_attitude)


def perceived_norm(friends: np.ndarray, neighbourhood: np.ndarray, society: np.ndarray, friends_weight: float,
                   neighbourhood_weight: float, society_weight: float) -> np.ndarray:
    """N = (w_f F + w_h H + w_s S) / (w_f + w_h + w_s)."""
    total = friends_weight + neighbourhood_weight + society_weight
    return (friends_weight * friends + neighbourhood_weight * neighbourhood + society_weight * society) / total


def conform(value: np.ndarray, norm: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """x' = x + r (N - x): a view closes a share r of the gap to its perceived norm each week."""
    return value + rate * (norm - value)


def extended_anxiety(anxiety: np.ndarray, extended_share: np.ndarray, relief: float) -> np.ndarray:
    """X' = X (1 - a e): ingroup friends' outgroup friendships make meeting the outgroup less daunting."""
    return anxiety * (1.0 - np.minimum(relief * extended_share, 1.0))
