"""Compiled kernel of model/rules/encounters.py (model/kernels.py: the switch): this week's public encounter
pairs of a range of residents in one pass over their opportunities, drawing both streams as it goes
(model/mechanisms/incidental.py `gather_public_encounters`).

Each opportunity's pick is `public_encounter_pairs`' arithmetic for one entry, in its order (`pick_of`): the
scale n + 1 x (size - n) or n + 0 x (size - n) (as the rule's local x local_extra + n: 0 x a negative number is
-0.0 and -0.0 + n is n), the product truncated toward zero, the neighbourhood's first place times 1 or 0 added,
capped at n - 1, n times 1 or 0 added; a pair is kept where the groups differ. So the pairs are the rule's, in
its order.

Blocked (model/kernels.py): a big city's residents go in blocks on the worker threads, the GIL released. A block
of residents start..end-1 owns the opportunities start x opportunities .. end x opportunities - 1, a contiguous
run of both streams' draws: its kernel starts each stream's PCG64 from the state advanced to its first draw
(`advanced_words`, numpy's `advance`), so its uniforms are the ones the whole week's draw gives those
opportunities, and the blocks' pairs, concatenated in block order, are the whole pass's.
"""

import numba
import numpy as np

from bridges.model import streams_compiled
from bridges.model.streams_compiled import MASK_64, MULTIPLIER, lcg_step, to_double

BLOCKED = True
"""`public_pairs` runs over blocks of residents on the worker threads at every size (model/kernels.py)."""

CHUNK = 4_096
"""Opportunities whose picks are made before their groups are read (`public_pairs`): a few pages of picks that
stay in the L1/L2 cache (assumption, measured at 1M residents on the 2-core AMD EPYC here)."""
STATE_MODULUS = 1 << 128
"""PCG64's state arithmetic is modulo 2^128."""


def advanced_words(words: np.ndarray, steps: int) -> np.ndarray:
    """The kernels' PCG64 state words (model/streams_compiled.py `words`) advanced by `steps` outputs: numpy's
    `bit_generator.advance(steps)` (pcg_advance_lcg_128, Brown 1994's jump-ahead of a linear congruential
    generator in O(log steps) steps), in Python's exact integers."""
    state = (int(words[0]) << 64) | int(words[1])
    increment = (int(words[2]) << 64) | int(words[3])
    multiplier, plus, total_multiplier, total_plus = MULTIPLIER, increment, 1, 0
    while steps > 0:
        if steps & 1:
            total_multiplier = total_multiplier * multiplier % STATE_MODULUS
            total_plus = (total_plus * multiplier + plus) % STATE_MODULUS
        plus = (multiplier + 1) * plus % STATE_MODULUS
        multiplier = multiplier * multiplier % STATE_MODULUS
        steps >>= 1
    state = (total_multiplier * state + total_plus) % STATE_MODULUS
    return np.array([state >> 64, state & MASK_64, words[2], words[3]], dtype=np.uint64)


@numba.njit(cache=True, nogil=True)
def pick_of(u_where, u_who, at, first_local, local_extra, local_share, n):
    """The pick (`passing_index`'s number in [0, 2n)) of opportunity `at`, given its two uniforms: the rule's
    products by the local draw's 0 or 1, without a branch on it (a uniform's coin is not predictable)."""
    local = np.int64(u_where < local_share)
    scale = local * local_extra[at] + np.float64(n)
    return min(np.int64(u_who * scale) + local * first_local[at], n - 1) + local * n


@numba.njit(cache=True, nogil=True)
def public_pairs(words_where, words_who, first_local, local_extra, resident, resident_group, own_group, local_share,
                 n, opportunities, start, end):
    """(source, target) of the intergroup co-presences of residents start..end-1: `public_encounter_pairs` over
    their opportunities, given `passing_index`'s tables; the uniforms of the "where" and "who" streams from their
    states in `words_where` and `words_who`, advanced to the block's first opportunity (`advanced_words`). The
    pairs are copied out of the block's opportunity-sized arrays, so only they outlive the call.

    The opportunities go in chunks of CHUNK: their picks first, then each pick's group, every opportunity's
    pair written and the count of kept pairs moved on only where the groups differ; the kept picks become
    residents last. A big city's tables are far bigger than the caches, and a loop that branches on each random
    read waits one memory latency per opportunity (about 200 ns at 1M residents, measured); reads that nothing
    waits on overlap, as numpy's gathers' do."""
    first, last = start * opportunities, end * opportunities
    source = np.empty(last - first, dtype=np.int64)
    target = np.empty(last - first, dtype=np.int64)
    picks = np.empty(CHUNK, dtype=np.int64)
    across = np.empty(CHUNK, dtype=np.int64)
    per_person = max(opportunities, 1)
    where_high, where_low, where_increment_high, where_increment_low = (words_where[0], words_where[1],
                                                                        words_where[2], words_where[3])
    who_high, who_low, who_increment_high, who_increment_low = words_who[0], words_who[1], words_who[2], words_who[3]
    kept = 0
    for chunk in range(first, last, CHUNK):
        size = min(CHUNK, last - chunk)
        for k in range(size):
            where_high, where_low = lcg_step(where_high, where_low, where_increment_high, where_increment_low)
            who_high, who_low = lcg_step(who_high, who_low, who_increment_high, who_increment_low)
            picks[k] = pick_of(to_double(where_high, where_low), to_double(who_high, who_low), chunk + k, first_local,
                               local_extra, local_share, n)
        for k in range(size):
            across[k] = own_group[chunk + k] != resident_group[picks[k]]
        for k in range(size):
            source[kept] = (chunk + k) // per_person
            target[kept] = picks[k]
            kept += across[k]
    for k in range(kept):
        target[k] = resident[target[k]]
    return source[:kept].copy(), target[:kept].copy()
