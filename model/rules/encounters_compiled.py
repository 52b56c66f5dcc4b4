"""Compiled kernel of model/rules/encounters.py's `public_encounter_pairs` (model/kernels.py: the switch).

One pass over the opportunities computes each pick with the rule's arithmetic in its order and marks the pairs
across the groups; a second writes them out in opportunity order. A big pass splits into pieces over both
cores: each piece counts its pairs, and the pieces write at their running totals, so the pairs and their order
are those of one pass.
"""

import numba
import numpy as np

from bridges.model import kernels

PIECES = 16
"""Pieces a parallel pass is split into."""


@numba.njit(cache=True, nogil=True)
def mark_span(u_where, u_who, local_share, n, first_local, local_extra, resident_group, own_group, pick, across,
              start, stop) -> int:
    """Each opportunity's pick in [start, stop) (`public_encounter_pairs`: a scale of n + (size - n) for a local
    draw or n + 0, the product truncated, the place's first position added, capped at n - 1, n added for a local
    draw), whether it is across the groups, and how many are."""
    found = 0
    for j in range(start, stop):
        local = u_where[j] < local_share
        scale = (1.0 if local else 0.0) * local_extra[j]
        scale += n
        chosen = np.int64(u_who[j] * scale)
        if local:
            chosen += first_local[j]
        chosen = min(chosen, n - 1)
        if local:
            chosen += n
        pick[j] = chosen
        across[j] = own_group[j] != resident_group[chosen]
        found += across[j]
    return found


@numba.njit(cache=True, nogil=True)
def write_span(pick, across, resident, opportunities, source, target, start, stop, at) -> None:
    """The pairs across the groups among opportunities [start, stop), written from position `at`."""
    for j in range(start, stop):
        if across[j]:
            source[at] = j // opportunities
            target[at] = resident[pick[j]]
            at += 1


@numba.njit(cache=True, nogil=True)
def pairs_serial(u_where, u_who, local_share, n, opportunities, first_local, local_extra, resident, resident_group,
                 own_group):
    size = len(u_where)
    pick, across = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.bool_)
    found = mark_span(u_where, u_who, local_share, n, first_local, local_extra, resident_group, own_group, pick,
                      across, 0, size)
    source, target = np.empty(found, dtype=np.int64), np.empty(found, dtype=np.int64)
    write_span(pick, across, resident, opportunities, source, target, 0, size, 0)
    return source, target


@numba.njit(cache=True, parallel=True)
def pairs_parallel(u_where, u_who, local_share, n, opportunities, first_local, local_extra, resident, resident_group,
                   own_group):
    size = len(u_where)
    pick, across = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.bool_)
    found = np.zeros(PIECES + 1, dtype=np.int64)
    for piece in numba.prange(PIECES):
        found[piece + 1] = mark_span(u_where, u_who, local_share, n, first_local, local_extra, resident_group,
                                     own_group, pick, across, piece * size // PIECES, (piece + 1) * size // PIECES)
    at = np.cumsum(found)
    source, target = np.empty(at[-1], dtype=np.int64), np.empty(at[-1], dtype=np.int64)
    for piece in numba.prange(PIECES):
        write_span(pick, across, resident, opportunities, source, target, piece * size // PIECES,
                   (piece + 1) * size // PIECES, at[piece])
    return source, target


def pairs(u_where: np.ndarray, u_who: np.ndarray, local_share: float, n: int, opportunities: int,
          index: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """This week's intergroup co-presences as (source, target), as `public_encounter_pairs` returns them."""
    first_local, local_extra, resident, resident_group, own_group = index
    kernel = pairs_parallel if kernels.parallel(u_where.size) else pairs_serial
    return kernel(u_where, u_who, float(local_share), n, max(opportunities, 1), first_local, local_extra, resident,
                  resident_group, own_group)
