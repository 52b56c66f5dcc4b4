"""Compiled kernel of model/rules/encounters.py's `public_encounter_pairs` (model/kernels.py: the switch).

One pass over the opportunities computes each pick with the rule's arithmetic in its order and marks the pairs
across the groups; a second writes them out in opportunity order.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def mark(u_where, u_who, local_share, n, first_local, local_extra, resident_group, own_group, pick, across) -> int:
    """Each opportunity's pick (`public_encounter_pairs`: a scale of n + (size - n) for a local draw or n + 0,
    the product truncated, the place's first position added, capped at n - 1, n added for a local draw), whether
    it is across the groups, and how many are."""
    found = 0
    for j in range(len(u_where)):
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


@numba.njit(cache=True)
def write(pick, across, resident, opportunities, source, target) -> None:
    """The pairs across the groups, in opportunity order."""
    at = 0
    for j in range(len(pick)):
        if across[j]:
            source[at] = j // opportunities
            target[at] = resident[pick[j]]
            at += 1


@numba.njit(cache=True)
def pairs_all(u_where, u_who, local_share, n, opportunities, first_local, local_extra, resident, resident_group,
              own_group):
    size = len(u_where)
    pick, across = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.bool_)
    found = mark(u_where, u_who, local_share, n, first_local, local_extra, resident_group, own_group, pick, across)
    source, target = np.empty(found, dtype=np.int64), np.empty(found, dtype=np.int64)
    write(pick, across, resident, opportunities, source, target)
    return source, target


def pairs(u_where: np.ndarray, u_who: np.ndarray, local_share: float, n: int, opportunities: int,
          index: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """This week's intergroup co-presences as (source, target), as `public_encounter_pairs` returns them."""
    first_local, local_extra, resident, resident_group, own_group = index
    return pairs_all(u_where, u_who, float(local_share), n, max(opportunities, 1), first_local, local_extra, resident,
                     resident_group, own_group)
