"""Compiled kernel of model/rules/encounters.py (model/kernels.py: the switch): this week's public encounter
pairs in one pass over the opportunities, for a city small enough to pair in one block
(model/mechanisms/incidental.py `gather_public_encounters`).

Each opportunity's pick is `public_encounter_pairs`' arithmetic for one entry, in its order: the scale n + (size
- n) or n + 0 (1.0 x and 0.0 x a negative number are exact, and -0.0 + n is n), the product truncated toward
zero, the neighbourhood's first place added, capped at n - 1, n added for a local pick; a pair is kept where the
groups differ. So the pairs are the rule's, in its order.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def public_pairs(u_where, u_who, first_local, local_extra, resident, resident_group, own_group, local_share, n,
                 opportunities):
    """(source, target) of this week's intergroup co-presences: `public_encounter_pairs` over every
    opportunity, given `passing_index`'s tables."""
    size = len(u_where)
    source = np.empty(size, dtype=np.int64)
    target = np.empty(size, dtype=np.int64)
    per_person = max(opportunities, 1)
    kept = 0
    for at in range(size):
        local = u_where[at] < local_share
        scale = (local_extra[at] if local else 0.0) + np.float64(n)
        pick = np.int64(u_who[at] * scale)
        if local:
            pick += first_local[at]
        pick = min(pick, n - 1)
        if local:
            pick += n
        if own_group[at] != resident_group[pick]:
            source[kept] = at // per_person
            target[kept] = resident[pick]
            kept += 1
    return source[:kept], target[:kept]
