"""Compiled kernels of model/rules/norms.py (model/kernels.py: the switch): each group's mean views in each
neighbourhood (`neighbourhood_ingroup_mean`, every view in one pass), the norm every resident perceives for each
view (`friends_mean`, `extended_share`, `extended_norm`, `perceived_norm`) in a second, and the drift toward it
(`conform`, `extended_anxiety`) in a third, for the vectorised week (model/mechanisms/norms.py).

A neighbourhood's sums add its residents' views in id order from 0.0 (cell by cell), as np.bincount adds its weights;
friendships' weights (all 1.0) are not read: 1.0 x is x, bit for bit.

Each person's friends' sum adds the same products in the same order as scipy's sparse product (row by row, in
the matrix's stored order, from 0.0), and every formula is the rule's, term by term in its order; `clip_one`
and `minimum_one` are numpy's clip and minimum for one number (NaN kept, and the same zero's sign), so the
views are the same bit for bit.
"""

from functools import lru_cache

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
def observe_all(order, cell_start, cell, attitude, anxiety, trust) -> np.ndarray:
    """Each resident's own group's mean of each view in their neighbourhood (rows: attitude, anxiety, trust), the
    resident included. A cell's members (`order[cell_start[c]:cell_start[c + 1]]`, in id order: `cell_members`)
    are summed from 0.0 in id order, as np.bincount adds them, and their mean is the cell's sum over its size,
    the same division for each of them."""
    means = np.empty((3, len(cell)))
    for at in range(len(cell_start) - 1):
        first, last = cell_start[at], cell_start[at + 1]
        if first == last:
            continue
        sum_attitude, sum_anxiety, sum_trust = 0.0, 0.0, 0.0
        for member in range(first, last):
            person = order[member]
            sum_attitude += attitude[person]
            sum_anxiety += anxiety[person]
            sum_trust += trust[person]
        size = last - first
        mean_attitude, mean_anxiety, mean_trust = sum_attitude / size, sum_anxiety / size, sum_trust / size
        for member in range(first, last):
            person = order[member]
            means[0, person], means[1, person], means[2, person] = mean_attitude, mean_anxiety, mean_trust
    return means


@numba.njit(cache=True)
def norm_one(start, friends, friends_start, neighbourhood, neighbourhood_start, friends_weight, neighbourhood_weight,
             total_weight, low, high) -> float:
    """`perceived_norm` for one person and view."""
    return clip_one(start + (friends_weight * (friends - friends_start)
                             + neighbourhood_weight * (neighbourhood - neighbourhood_start)) / total_weight, low, high)


@numba.njit(cache=True)
def friends_sums(indptr, indices, data, unit_weights, friend_count, attitude, anxiety, trust) -> np.ndarray:
    """Each person's sum of their friends' views (rows: attitude, anxiety, trust; 0 without friends), each in the
    sparse product's order: the person's row in the matrix's stored order, from 0.0. With `unit_weights` (every
    stored weight 1.0, as friendships are) the products are the views themselves (1.0 x = x, bit for bit), so the
    weights are not read, and the views are read side by side from one table."""
    n = len(friend_count)
    sums = np.zeros((3, n))
    if unit_weights:
        views = np.empty((n, 3))
        for person in range(n):
            views[person, 0], views[person, 1], views[person, 2] = attitude[person], anxiety[person], trust[person]
        for person in range(n):
            if friend_count[person] > 0:
                sum_attitude, sum_anxiety, sum_trust = 0.0, 0.0, 0.0
                for at in range(indptr[person], indptr[person + 1]):
                    friend = indices[at]
                    sum_attitude += views[friend, 0]
                    sum_anxiety += views[friend, 1]
                    sum_trust += views[friend, 2]
                sums[0, person], sums[1, person], sums[2, person] = sum_attitude, sum_anxiety, sum_trust
        return sums
    for person in range(n):
        if friend_count[person] > 0:
            sum_attitude, sum_anxiety, sum_trust = 0.0, 0.0, 0.0
            for at in range(indptr[person], indptr[person + 1]):
                friend, weight = indices[at], data[at]
                sum_attitude += weight * attitude[friend]
                sum_anxiety += weight * anxiety[friend]
                sum_trust += weight * trust[friend]
            sums[0, person], sums[1, person], sums[2, person] = sum_attitude, sum_anxiety, sum_trust
    return sums


@numba.njit(cache=True)
def norms_of_view(sums, friend_count, extended_contacts, hood, anchors, signal, low, high, friends_weight,
                  neighbourhood_weight, total_weight, norm) -> None:
    """One view's perceived norm for every person from their friends' sum (`friends_mean`, the neighbourhood's
    mean without friends); with `signal` (the attitude), warmed by extended contact (`extended_norm`). A loop
    of its own, branch-light, so the compiler can run it over several people at once."""
    start, friends_start, neighbourhood_start = anchors
    for person in range(len(friend_count)):
        count = friend_count[person]
        friends = sums[person] / max(count, 1) if count > 0 else hood[person]
        if signal is not None:
            friends = friends + signal * (extended_contacts[person] / max(count, 1)) * (high - friends)
        norm[person] = norm_one(start[person], friends, friends_start[person], hood[person], neighbourhood_start[person],
                                friends_weight, neighbourhood_weight, total_weight, low, high)


@numba.njit(cache=True)
def perceive_all(indptr, indices, data, unit_weights, friend_count, extended_contacts, attitude, anxiety, trust, hood_attitude,
                 hood_anxiety, hood_trust, anchors_attitude, anchors_anxiety, anchors_trust, bounds, extended_signal,
                 friends_weight, neighbourhood_weight, total_weight, norm_attitude, norm_anxiety, norm_trust) -> None:
    """The perceived norm of each view for every person: one scan of a person's friends sums all three views
    (each sum in the sparse product's order), then each view's norm (`norms_of_view`); extended contact warms
    the friends' attitude toward the top of its scale. A view's anchors are a tuple (start, friends' start,
    neighbourhood's start); `bounds` holds each view's scale (low, high) as a row; `unit_weights`: every stored
    weight of the friendship matrix is 1.0 (`friends_sums`)."""
    sums = friends_sums(indptr, indices, data, unit_weights, friend_count, attitude, anxiety, trust)
    norms_of_view(sums[0], friend_count, extended_contacts, hood_attitude, anchors_attitude, extended_signal,
                  bounds[0, 0], bounds[0, 1], friends_weight, neighbourhood_weight, total_weight, norm_attitude)
    norms_of_view(sums[1], friend_count, extended_contacts, hood_anxiety, anchors_anxiety, None, bounds[1, 0],
                  bounds[1, 1], friends_weight, neighbourhood_weight, total_weight, norm_anxiety)
    norms_of_view(sums[2], friend_count, extended_contacts, hood_trust, anchors_trust, None, bounds[2, 0],
                  bounds[2, 1], friends_weight, neighbourhood_weight, total_weight, norm_trust)


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


def cell_members(cells: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The residents of each (neighbourhood, group) cell in id order, one cell after another, and where each
    cell starts (`cells` as `ingroup_places` gives them); fixed with the cells, so a caller keeps it."""
    key, _, n_cells = cells
    return np.argsort(key, kind="stable"), np.concatenate([[0], np.cumsum(np.bincount(key, minlength=n_cells))])


def observe(members: tuple, cells: tuple, views) -> dict:
    """Each group's mean views in each neighbourhood, by view name (the mechanism's `observe_neighbourhoods`):
    `members` as `cell_members` gives them, `cells` as `ingroup_places` gives them, `views` the state."""
    means = observe_all(*members, cells[0], views.attitude, views.anxiety, views.trust)
    return {"attitude": means[0], "anxiety": means[1], "trust": means[2]}


def unit_weights(friends) -> bool:
    """Whether every stored weight of the friendship matrix is 1.0 (friendships are): fixed with the matrix, so
    a caller keeps it."""
    return bool(np.all(friends.data == 1.0))


@lru_cache(maxsize=8)
def bounds_of(ranges: tuple) -> np.ndarray:
    """Each view's scale (low, high) as a row, for the perceive kernel (kept: the scales are constants)."""
    return np.array(ranges, dtype=float)


def perceive(friends, unit_weights: bool, friend_count: np.ndarray, extended_contacts: np.ndarray, views,
             neighbourhood_views: dict, views_at_start: dict, ranges: dict, n, norms: dict) -> None:
    """Every resident's perceived norm of each view into `norms` (the mechanism's `perceive_norms` over everyone):
    `views` the state; `neighbourhood_views`, `norms` by view name (attitude, anxiety, trust); `views_at_start`
    each view's (start, friends' start, neighbourhood's start); `ranges` each view's scale; `n`: NormParams;
    `unit_weights`: every stored weight of `friends` is 1.0 (`unit_weights`)."""
    perceive_all(friends.indptr, friends.indices, friends.data, unit_weights, friend_count, extended_contacts, views.attitude,
                 views.anxiety, views.trust, neighbourhood_views["attitude"], neighbourhood_views["anxiety"],
                 neighbourhood_views["trust"], views_at_start["attitude"], views_at_start["anxiety"],
                 views_at_start["trust"], bounds_of((ranges["attitude"], ranges["anxiety"], ranges["trust"])),
                 n.extended_signal, n.friends_weight, n.neighbourhood_weight,
                 n.friends_weight + n.neighbourhood_weight + n.own_weight, norms["attitude"], norms["anxiety"],
                 norms["trust"])


def follow(views, norms: dict, friend_count: np.ndarray, extended_contacts: np.ndarray, n) -> None:
    """Every resident's views drift toward their norms, and their anxiety eases (the mechanism's `follow_norms`
    over everyone, norms on); `views` the state, `norms` by view name."""
    follow_all(views.attitude, views.anxiety, views.trust, norms["attitude"], norms["anxiety"], norms["trust"],
               friend_count, extended_contacts, n.rate, n.extended_anxiety_relief)
