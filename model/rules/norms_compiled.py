"""Compiled kernels of model/rules/norms.py (model/kernels.py: the switch): the norm every resident perceives
for each view (`friends_mean`, `extended_share`, `extended_norm`, `perceived_norm`) in one pass, and the drift
toward it (`conform`, `extended_anxiety`) in a second, for the vectorised week (model/mechanisms/norms.py).

Each person's friends' sum adds the same products in the same order as scipy's sparse product (row by row, in
the matrix's stored order, from 0.0), and every formula is the rule's, term by term in its order; `clip_one`
and `minimum_one` are numpy's clip and minimum for one number (NaN kept, and the same zero's sign), so the
views are the same bit for bit.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def clip_one(x: float, low: float, high: float) -> float:
    """numpy's clip of one number: NaN stays NaN, a number equal to a bound stays itself (-0.0 at a bound of
    0.0 included), and only one beyond a bound becomes the bound."""
    if x < low:
        return low
    return high if x > high else x


@numba.njit(cache=True)
def minimum_one(x: float, y: float) -> float:
    """numpy's minimum of two numbers: NaN if either is, `y` when they are equal (its zero's sign)."""
    if x != x:
        return x
    return x if x < y else y


@numba.njit(cache=True)
def norm_one(start, friends, friends_start, neighbourhood, neighbourhood_start, friends_weight, neighbourhood_weight,
             total_weight, low, high) -> float:
    """`perceived_norm` for one person and view."""
    return clip_one(start + (friends_weight * (friends - friends_start)
                             + neighbourhood_weight * (neighbourhood - neighbourhood_start)) / total_weight, low, high)


@numba.njit(cache=True)
def perceive_all(indptr, indices, data, friend_count, extended_contacts, attitude, anxiety, trust, hood_attitude,
                 hood_anxiety, hood_trust, anchors_attitude, anchors_anxiety, anchors_trust, bounds, extended_signal,
                 friends_weight, neighbourhood_weight, total_weight, norm_attitude, norm_anxiety, norm_trust) -> None:
    """The perceived norm of each view for every person: one scan of a person's friends sums all three views
    (each sum in the sparse product's order); extended contact warms the friends' attitude toward
    the top of its scale. A view's anchors are a tuple (start, friends' start, neighbourhood's start); `bounds`
    holds each view's scale (low, high) as a row."""
    for person in range(len(friend_count)):
        count = friend_count[person]
        share = extended_contacts[person] / max(count, 1)
        friends_attitude, friends_anxiety, friends_trust = (hood_attitude[person], hood_anxiety[person],
                                                            hood_trust[person])
        if count > 0:
            sum_attitude, sum_anxiety, sum_trust = 0.0, 0.0, 0.0
            for at in range(indptr[person], indptr[person + 1]):
                friend, weight = indices[at], data[at]
                sum_attitude += weight * attitude[friend]
                sum_anxiety += weight * anxiety[friend]
                sum_trust += weight * trust[friend]
            divisor = max(count, 1)
            friends_attitude, friends_anxiety, friends_trust = (sum_attitude / divisor, sum_anxiety / divisor,
                                                                sum_trust / divisor)
        friends_attitude = friends_attitude + extended_signal * share * (bounds[0, 1] - friends_attitude)
        norm_attitude[person] = norm_one(anchors_attitude[0][person], friends_attitude, anchors_attitude[1][person],
                                         hood_attitude[person], anchors_attitude[2][person], friends_weight,
                                         neighbourhood_weight, total_weight, bounds[0, 0], bounds[0, 1])
        norm_anxiety[person] = norm_one(anchors_anxiety[0][person], friends_anxiety, anchors_anxiety[1][person],
                                        hood_anxiety[person], anchors_anxiety[2][person], friends_weight,
                                        neighbourhood_weight, total_weight, bounds[1, 0], bounds[1, 1])
        norm_trust[person] = norm_one(anchors_trust[0][person], friends_trust, anchors_trust[1][person],
                                      hood_trust[person], anchors_trust[2][person], friends_weight,
                                      neighbourhood_weight, total_weight, bounds[2, 0], bounds[2, 1])


@numba.njit(cache=True)
def follow_all(attitude, anxiety, trust, norm_attitude, norm_anxiety, norm_trust, friend_count, extended_contacts,
               rate, relief) -> None:
    """Each view of every person closes a share `rate` of the gap to its norm (`conform`); then their anxiety
    eases with their friends' outgroup friendships (`extended_anxiety`)."""
    for person in range(len(friend_count)):
        attitude[person] = attitude[person] + rate * (norm_attitude[person] - attitude[person])
        anxiety[person] = anxiety[person] + rate * (norm_anxiety[person] - anxiety[person])
        trust[person] = trust[person] + rate * (norm_trust[person] - trust[person])
        share = extended_contacts[person] / max(friend_count[person], 1)
        anxiety[person] = anxiety[person] * (1.0 - minimum_one(relief * share, 1.0))


def perceive(friends, friend_count: np.ndarray, extended_contacts: np.ndarray, views: dict, neighbourhood_views: dict,
             views_at_start: dict, ranges: dict, n, norms: dict) -> None:
    """Every resident's perceived norm of each view into `norms` (the mechanism's `perceive_norms` over everyone):
    `views`, `neighbourhood_views`, `norms` by view name (attitude, anxiety, trust); `views_at_start` each
    view's (start, friends' start, neighbourhood's start); `ranges` each view's scale; `n`: NormParams."""
    names = ("attitude", "anxiety", "trust")
    arguments = (friends.indptr, friends.indices, friends.data, friend_count, extended_contacts,
                 *(views[name] for name in names), *(neighbourhood_views[name] for name in names),
                 *(tuple(views_at_start[name]) for name in names),
                 np.array([ranges[name] for name in names], dtype=float),
                 float(n.extended_signal), float(n.friends_weight), float(n.neighbourhood_weight),
                 float(n.friends_weight + n.neighbourhood_weight + n.own_weight), *(norms[name] for name in names))
    perceive_all(*arguments)


def follow(views: dict, norms: dict, friend_count: np.ndarray, extended_contacts: np.ndarray, n) -> None:
    """Every resident's views drift toward their norms, and their anxiety eases (the mechanism's `follow_norms`
    over everyone, norms on); `views` and `norms` by view name."""
    names = ("attitude", "anxiety", "trust")
    arguments = (*(views[name] for name in names), *(norms[name] for name in names), friend_count, extended_contacts,
                 float(n.rate), float(n.extended_anxiety_relief))
    follow_all(*arguments)
