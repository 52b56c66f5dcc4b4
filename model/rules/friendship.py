"""Friendship and extended contact: pure functions over tie and person arrays.

Repeated positive contact builds a tie's strength; past a threshold the tie is a friendship.
Cross-group friendship is the strongest form of contact (Pettigrew & Tropp 2006; Davies et al. 2011);
knowing ingroup friends who have outgroup friends improves attitudes too, less so (Wright et al. 1997;
Zhou et al. 2019).
"""

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.friendship import FriendshipParams
    from bridges.model.params import DynamicsParams


def update_tie_strength(strength: np.ndarray, positive: np.ndarray, negative: np.ndarray,
                        f: "FriendshipParams") -> np.ndarray:
    """s' = clip(s (1 - decay) + gain * positive - loss * negative, 0, 1); counts are per tie this week."""
    return np.clip(strength * (1.0 - f.decay) + f.gain * positive - f.loss * negative, 0.0, 1.0)


def is_friendship(strength: np.ndarray, f: "FriendshipParams") -> np.ndarray:
    """A tie is a friendship once its strength reaches the threshold."""
    return strength >= f.threshold


def meeting_factor(friend: np.ndarray, f: "FriendshipParams") -> np.ndarray:
    """Per tie: friends meet `rate_multiplier` times as often as acquaintances."""
    return np.where(friend, f.rate_multiplier, 1.0)


def contact_weight(friend: np.ndarray, f: "FriendshipParams") -> np.ndarray:
    """Per tie: a friend's encounter counts `weight` times in the attitude, anxiety and trust updates."""
    return np.where(friend, f.weight, 1.0)


def ties_per_person(n_people: int, source: np.ndarray, target: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """How many of the chosen ties each person is part of."""
    return (np.bincount(source[chosen], minlength=n_people) + np.bincount(target[chosen], minlength=n_people))


def friendship_matrix(n_people: int, source: np.ndarray, target: np.ndarray) -> sparse.csr_matrix:
    """Symmetric 0/1 adjacency matrix of friendships, its weights one byte each (int8: 6 MB where float64 took
    50 MB at a million residents; a product with a float vector takes them as 1.0, the same sums)."""
    return friendship_matrix_of(n_people, [(source, target)])


def friendship_matrix_of(n_people: int, parts: list[tuple[np.ndarray, np.ndarray]]) -> sparse.csr_matrix:
    """`friendship_matrix` of the friendships in `parts`, (source, target) arrays in turn (e.g. blocks of ties):
    each written straight into the matrix's row and column arrays, without joining each end's parts first."""
    size = sum(len(source) for source, _ in parts)
    rows = np.empty(2 * size, dtype=np.result_type(*(end for part in parts for end in part)))
    cols = np.empty_like(rows)
    start = 0
    for source, target in parts:
        end = start + len(source)
        rows[start:end] = cols[size + start:size + end] = source
        rows[size + start:size + end] = cols[start:end] = target
        start = end
    matrix = sparse.csr_matrix((np.ones(2 * size, dtype=np.int8), (rows, cols)), shape=(n_people, n_people))
    matrix.data[:] = 1
    return matrix


def friend_counts(friends: sparse.csr_matrix) -> np.ndarray:
    """Each person's number of friends in a `friendship_matrix` (int64): its rows' lengths, which are its rows'
    sums (every stored entry is one friendship, weight 1) without a pass over the entries."""
    return np.diff(friends.indptr).astype(np.int64)


def extended_contacts(ingroup_friends: sparse.csr_matrix, outgroup_friends: np.ndarray) -> np.ndarray:
    """Number of each person's ingroup friends who have at least one outgroup friend (`outgroup_friends`:
    each person's count of outgroup friendships)."""
    return np.rint(ingroup_friends @ (outgroup_friends > 0).astype(float)).astype(np.int64)


def extended_contacts_change(ingroup_friends: sparse.csr_matrix, had_friend: np.ndarray,
                             has_friend: np.ndarray) -> np.ndarray:
    """Change in `extended_contacts` when the people with an outgroup friend change from `had_friend` to
    `has_friend` (booleans): each person who gained (lost) one adds (removes) one for each of their
    ingroup friends (the matrix is symmetric 0/1, so counts stay exact integers). Touches only the people
    who changed, so a week without new or lost cross-group friendships costs no sparse product."""
    changed = np.flatnonzero(had_friend != has_friend)
    # The changed people's rows of the CSR matrix, read straight from its arrays (as `matrix[changed]` would).
    first, length = ingroup_friends.indptr[changed], np.diff(ingroup_friends.indptr)[changed]
    ends = np.cumsum(length)
    friends = ingroup_friends.indices[np.arange(ends[-1] if ends.size else 0) + np.repeat(first - (ends - length), length)]
    step = np.where(has_friend[changed], 1, -1)
    return np.bincount(friends, weights=np.repeat(step, length), minlength=len(has_friend)).astype(np.int64)


def extended_contact_update(attitude: np.ndarray, extended: np.ndarray, ingroup_friend_count: np.ndarray,
                            susceptibility: np.ndarray, d: "DynamicsParams", top: float) -> np.ndarray:
    """Attitude closes `step * share` of its headroom per week (at most all of it), with
    step = extended_contact_step * susceptibility and share = extended / ingroup friends."""
    step = d.extended_contact_step * susceptibility
    share = extended / np.maximum(ingroup_friend_count, 1)
    return attitude + np.minimum(step * share, 1.0) * (top - attitude)
