"""Compiled kernels of model/rules/norms.py (model/kernels.py: the switch): each group's mean views in each
neighbourhood (`ingroup_cell_means`, every view in one pass, per cell), the norm every resident perceives for each
view (`friends_mean`, `extended_share`, `extended_norm`, `perceived_norm`) in a second, and the drift toward it
(`conform`, `extended_anxiety`) in a third, for the vectorised week (model/mechanisms/norms.py).

A cell's sums add its residents' views in id order from 0.0, as np.bincount adds its weights, and its mean is
its sum over its size, as the rule divides; friendships' weights (all 1.0) are not read: 1.0 x is x, bit for
bit.

Each person's friends' sum adds the same products in the same order as scipy's sparse product (row by row, in
the matrix's stored order, from 0.0), and every formula is the rule's, term by term in its order; `clip_one`
and `minimum_one` are numpy's clip and minimum for one number (NaN kept, and the same zero's sign), so the
views are the same bit for bit.

Every kernel but the cells' means (one sequential pass) runs over a range of residents with the GIL released, so
a big city's passes run in blocks on the worker threads: a resident's norm reads only their own row of the
friendships, the views and the cells' means (their cell from `cell_of`), and the drift is elementwise, so every
block gives the whole pass's numbers. The loops run over the range's own slices from 0: indexing with
range(start, end) kept numba from proving the indices non-negative (a check per access, no vectorising: the drift
at 2,000 residents took 16 us instead of 3.4).
"""

from functools import lru_cache

import numba
import numpy as np

from bridges.model.threads import ROW_BLOCK, SERIAL, Threads, one_block

BLOCKED = True
"""Every kernel a big pass calls runs over blocks of residents on the worker threads (model/kernels.py)."""
BLOCK_ROWS = ROW_BLOCK
"""Most residents in one block of a kernel: several blocks per thread, so a thread the shared machine slows
takes fewer of them (assumption; at 1M, 16 blocks of about 62,500)."""


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


@numba.njit(cache=True, nogil=True)
def cell_means(key, n_cells, attitude, anxiety, trust) -> np.ndarray:
    """Each (neighbourhood, group) cell's mean of each view (rows: attitude, anxiety, trust; columns: cells; 0.0
    where nobody lives): its residents' sum in id order from 0.0, as np.bincount adds its weights, over its size,
    the division the rule makes (the same operands, so the same number). One pass in id order, every read in
    sequence: a few milliseconds at a million residents, so it runs whole (the GIL released)."""
    sums, sizes = np.zeros((3, n_cells)), np.zeros(n_cells, dtype=np.int64)
    for person in range(len(key)):
        cell = key[person]
        sums[0, cell] += attitude[person]
        sums[1, cell] += anxiety[person]
        sums[2, cell] += trust[person]
        sizes[cell] += 1
    for cell in range(n_cells):
        if sizes[cell] > 0:
            sums[0, cell], sums[1, cell], sums[2, cell] = (sums[0, cell] / sizes[cell], sums[1, cell] / sizes[cell],
                                                           sums[2, cell] / sizes[cell])
    return sums


@numba.njit(cache=True)
def norm_one(start, friends, friends_start, neighbourhood, neighbourhood_start, friends_weight, neighbourhood_weight,
             total_weight, low, high) -> float:
    """`perceived_norm` for one person and view."""
    return clip_one(start + (friends_weight * (friends - friends_start)
                             + neighbourhood_weight * (neighbourhood - neighbourhood_start)) / total_weight, low, high)


@numba.njit(cache=True, nogil=True)
def fill_views(attitude, anxiety, trust, views, start, end) -> None:
    """Rows start..end of the views side by side (`views`: rows people, columns attitude, anxiety, trust), so a
    friend's three views are one read."""
    views, attitude, anxiety, trust = views[start:end], attitude[start:end], anxiety[start:end], trust[start:end]
    for person in range(len(views)):
        views[person, 0], views[person, 1], views[person, 2] = attitude[person], anxiety[person], trust[person]


@numba.njit(cache=True)
def friends_sums(indptr, indices, data, unit_weights, views, friend_count, attitude, anxiety, trust) -> np.ndarray:
    """Each person's sum of their friends' views (rows: attitude, anxiety, trust; 0 without friends) for the people
    of `friend_count` and their rows of the matrix (`indptr`: one more entry than people), each in the sparse
    product's order: the person's row in the matrix's stored order, from 0.0. With `unit_weights` (every stored
    weight 1.0, as friendships are) the products are the views themselves (1.0 x = x, bit for bit), so the
    weights are not read, and the views are read side by side from `views` (`fill_views`)."""
    n = len(friend_count)
    sums = np.zeros((3, n))
    if unit_weights:
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
def norms_of_view(sums, friend_count, extended_contacts, cell_of, hood, anchors, signal, low, high, friends_weight,
                  neighbourhood_weight, total_weight, norm) -> None:
    """One view's perceived norm for every person (of these arrays) from their friends' sum (`friends_mean`, their
    cell's mean `hood` without friends); with `signal` (the attitude), warmed by extended contact
    (`extended_norm`). `cell_of` numbers each person's (neighbourhood, group) cell, the row of `hood` and of the
    anchors' cells' start. A loop of its own, branch-light, so the compiler can run it over several people at
    once."""
    start, friends_start, neighbourhood_start = anchors
    for person in range(len(friend_count)):
        count, cell = friend_count[person], cell_of[person]
        friends = sums[person] / max(count, 1) if count > 0 else hood[cell]
        if signal is not None:
            friends = friends + signal * (extended_contacts[person] / max(count, 1)) * (high - friends)
        norm[person] = norm_one(start[person], friends, friends_start[person], hood[cell], neighbourhood_start[cell],
                                friends_weight, neighbourhood_weight, total_weight, low, high)


@numba.njit(cache=True)
def rows_of(anchors, start, end) -> tuple:
    """A view's anchors for the people start..end: their start and friends' start, and every cell's start."""
    return anchors[0][start:end], anchors[1][start:end], anchors[2]


@numba.njit(cache=True, nogil=True)
def perceive_rows(indptr, indices, data, unit_weights, views, friend_count, extended_contacts, attitude, anxiety, trust,
                  cell_of, hood_attitude, hood_anxiety, hood_trust, anchors_attitude, anchors_anxiety, anchors_trust,
                  bounds, extended_signal, friends_weight, neighbourhood_weight, total_weight, norm_attitude,
                  norm_anxiety, norm_trust, fill, start, end) -> None:
    """The perceived norm of each view for the people start..end (with `fill`, a pass over everyone in one
    block, the views side by side first: `fill_views`): one scan of a person's friends sums all three
    views (each sum in the sparse product's order), then each view's norm (`norms_of_view`); extended contact
    warms the friends' attitude toward the top of its scale. `cell_of` numbers each person's (neighbourhood,
    group) cell, whose mean each view's `hood_` holds; a view's anchors are a tuple (start and friends' start per
    person, start per cell); `bounds` holds each view's scale (low, high) as a row; `unit_weights`: every stored
    weight of the friendship matrix is 1.0 and `views` holds the views side by side (`friends_sums`). Each
    person's numbers read only their own row, the views and the cells, so blocks give the whole's numbers. The
    loops run over the range's own slices, from 0 (numba then knows no index is negative)."""
    if fill:
        fill_views(attitude, anxiety, trust, views, 0, len(views))
    friend_count, extended_contacts, cell_of = friend_count[start:end], extended_contacts[start:end], cell_of[start:end]
    sums = friends_sums(indptr[start:end + 1], indices, data, unit_weights, views, friend_count, attitude, anxiety,
                        trust)
    norms_of_view(sums[0], friend_count, extended_contacts, cell_of, hood_attitude,
                  rows_of(anchors_attitude, start, end), extended_signal, bounds[0, 0], bounds[0, 1], friends_weight,
                  neighbourhood_weight, total_weight, norm_attitude[start:end])
    norms_of_view(sums[1], friend_count, extended_contacts, cell_of, hood_anxiety,
                  rows_of(anchors_anxiety, start, end), None, bounds[1, 0], bounds[1, 1], friends_weight,
                  neighbourhood_weight, total_weight, norm_anxiety[start:end])
    norms_of_view(sums[2], friend_count, extended_contacts, cell_of, hood_trust, rows_of(anchors_trust, start, end),
                  None, bounds[2, 0], bounds[2, 1], friends_weight, neighbourhood_weight, total_weight,
                  norm_trust[start:end])


@numba.njit(cache=True, nogil=True)
def follow_rows(attitude, anxiety, trust, norm_attitude, norm_anxiety, norm_trust, friend_count, extended_contacts,
                rate, relief, start, end) -> None:
    """Each view of the people start..end closes a share `rate` of the gap to its norm (`conform`); then their
    anxiety eases with their friends' outgroup friendships (`extended_anxiety`)."""
    attitude, anxiety, trust = attitude[start:end], anxiety[start:end], trust[start:end]
    norm_attitude, norm_anxiety, norm_trust = norm_attitude[start:end], norm_anxiety[start:end], norm_trust[start:end]
    friend_count, extended_contacts = friend_count[start:end], extended_contacts[start:end]
    for person in range(len(friend_count)):
        attitude[person] = attitude[person] + rate * (norm_attitude[person] - attitude[person])
        anxiety[person] = anxiety[person] + rate * (norm_anxiety[person] - anxiety[person])
        trust[person] = trust[person] + rate * (norm_trust[person] - trust[person])
        share = extended_contacts[person] / max(friend_count[person], 1)
        anxiety[person] = anxiety[person] * (1.0 - minimum_one(relief * share, 1.0))


def observe(cells: tuple, views) -> dict:
    """Each (neighbourhood, group) cell's mean views, by view name (the mechanism's `observe_neighbourhoods`):
    `cells` as `ingroup_places` gives them, `views` the state; one pass."""
    key, n_cells = cells
    return dict(zip(("attitude", "anxiety", "trust"), cell_means(key, n_cells, views.attitude, views.anxiety,
                                                                 views.trust)))


def unit_weights(friends) -> bool:
    """Whether every stored weight of the friendship matrix is 1.0 (friendships are): fixed with the matrix, so
    a caller keeps it."""
    return bool(np.all(friends.data == 1.0))


@lru_cache(maxsize=8)
def bounds_of(ranges: tuple) -> np.ndarray:
    """Each view's scale (low, high) as a row, for the perceive kernel (kept: the scales are constants)."""
    return np.array(ranges, dtype=float)


def perceive(friends, unit_weights: bool, friend_count: np.ndarray, extended_contacts: np.ndarray, views,
             cell_of: np.ndarray, neighbourhood_views: dict, views_at_start: dict, ranges: dict, n, norms: dict,
             threads: Threads = SERIAL) -> None:
    """Every resident's perceived norm of each view into `norms` (the mechanism's `perceive_norms` over everyone):
    `views` the state; `cell_of` each resident's (neighbourhood, group) cell; `neighbourhood_views` (each cell's
    mean) and `norms` by view name (attitude, anxiety, trust); `views_at_start` each view's (start, friends' start,
    each cell's start); `ranges` each view's scale; `n`: NormParams;
    `unit_weights`: every stored weight of `friends` is 1.0 (`unit_weights`); in blocks of residents on
    `threads` (the views side by side first, then the norms)."""
    size = len(friend_count)
    table = np.empty((size if unit_weights else 0, 3))
    whole = one_block(size, BLOCK_ROWS)
    if unit_weights and not whole:
        threads.each_block(lambda start, end: fill_views(views.attitude, views.anxiety, views.trust, table, start,
                                                         end), size, BLOCK_ROWS)
    bounds = bounds_of((ranges["attitude"], ranges["anxiety"], ranges["trust"]))
    threads.each_block(lambda start, end: perceive_rows(
        friends.indptr, friends.indices, friends.data, unit_weights, table, friend_count, extended_contacts,
        views.attitude, views.anxiety, views.trust, cell_of, neighbourhood_views["attitude"],
        neighbourhood_views["anxiety"], neighbourhood_views["trust"], views_at_start["attitude"],
        views_at_start["anxiety"], views_at_start["trust"], bounds, n.extended_signal, n.friends_weight,
        n.neighbourhood_weight, n.friends_weight + n.neighbourhood_weight + n.own_weight, norms["attitude"],
        norms["anxiety"], norms["trust"], unit_weights and whole, start, end), size, BLOCK_ROWS)


def follow(views, norms: dict, friend_count: np.ndarray, extended_contacts: np.ndarray, n, start: int,
           end: int) -> None:
    """The views of the residents start..end drift toward their norms, and their anxiety eases (the mechanism's
    `follow_norms` over a range of rows, norms on); `views` the state, `norms` by view name."""
    follow_rows(views.attitude, views.anxiety, views.trust, norms["attitude"], norms["anxiety"], norms["trust"],
                friend_count, extended_contacts, n.rate, n.extended_anxiety_relief, start, end)
