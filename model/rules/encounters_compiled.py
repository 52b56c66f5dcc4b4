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
from bridges.model.rules.encounters import residents_by_place
from bridges.model.streams_compiled import MASK_64, MULTIPLIER, lcg_step, to_double

BLOCKED = True
"""`public_pairs` runs over blocks of residents on the worker threads at every size (model/kernels.py)."""

CHUNK = 4_096
"""Residents whose opportunities' picks are made before their groups are read (`public_pairs`): 128 KB of picks
at 4 opportunities, which stay in the L2 cache (assumption, measured at 1M residents on the 2-core AMD EPYC
here: 4.8-5.9 ms a 131,072-resident block, 7.2-8.4 ms with per-opportunity tables, numpy's rule ~8 ms)."""
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


def place_index(neighbourhood: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, ...]:
    """`passing_index`'s tables per neighbourhood instead of per opportunity: each neighbourhood's first place
    in the residents sorted by neighbourhood and its size minus n (a local draw's scale relative to the city's),
    and each pick's resident id and group (the same arrays). Fixed once the city is built."""
    n = len(group)
    order, size, start = residents_by_place(neighbourhood)
    return start, size - float(n), np.concatenate([np.arange(n), order]), np.concatenate([group, group[order]])


@numba.njit(cache=True, nogil=True)
def pick_of(u_where, u_who, first_local, local_extra, local_share, n):
    """The pick (`passing_index`'s number in [0, 2n)) of an opportunity of a resident whose neighbourhood starts
    at place `first_local` with scale `local_extra`, given its two uniforms: the rule's products by the local
    draw's 0 or 1, without a branch on it (a uniform's coin is not predictable)."""
    local = np.int64(u_where < local_share)
    scale = local * local_extra + np.float64(n)
    return min(np.int64(u_who * scale) + local * first_local, n - 1) + local * n


@numba.njit(cache=True, nogil=True)
def public_pairs(words_where, words_who, neighbourhood, group, place_first, place_extra, resident, resident_group,
                 local_share, n, opportunities, start, end):
    """(source, target) of the intergroup co-presences of residents start..end-1: `public_encounter_pairs` over
    their opportunities, given `place_index`'s tables; the uniforms of the "where" and "who" streams from their
    states in `words_where` and `words_who`, advanced to the block's first opportunity (`advanced_words`). The
    pairs are copied out of the block's opportunity-sized arrays, so only they outlive the call.

    The residents go in chunks of CHUNK: their opportunities' picks first, then each pick's group, every
    opportunity's pair written and the count of kept pairs moved on only where the groups differ; the kept
    picks become residents last. A big city's tables are far bigger than the caches, and a loop that branches on
    each random read waits one memory latency per opportunity (about 200 ns at 1M residents, measured); reads
    that nothing waits on overlap, as numpy's gathers' do. A resident's neighbourhood and group are read once
    for its opportunities (numpy's rule reads per-opportunity copies of them)."""
    first, last = start * opportunities, end * opportunities
    source = np.empty(last - first, dtype=np.int64)
    target = np.empty(last - first, dtype=np.int64)
    picks = np.empty(CHUNK * opportunities, dtype=np.int64)
    across = np.empty(CHUNK * opportunities, dtype=np.int64)
    where_high, where_low, where_increment_high, where_increment_low = (words_where[0], words_where[1],
                                                                        words_where[2], words_where[3])
    who_high, who_low, who_increment_high, who_increment_low = words_who[0], words_who[1], words_who[2], words_who[3]
    kept = 0
    for chunk in range(start, end, CHUNK):
        people = range(chunk, min(chunk + CHUNK, end))
        at = 0
        for person in people:
            home = neighbourhood[person]
            first_local, local_extra = place_first[home], place_extra[home]
            for _ in range(opportunities):
                where_high, where_low = lcg_step(where_high, where_low, where_increment_high, where_increment_low)
                who_high, who_low = lcg_step(who_high, who_low, who_increment_high, who_increment_low)
                picks[at] = pick_of(to_double(where_high, where_low), to_double(who_high, who_low), first_local,
                                    local_extra, local_share, n)
                at += 1
        at = 0
        for person in people:
            own = group[person]
            for _ in range(opportunities):
                across[at] = own != resident_group[picks[at]]
                at += 1
        at = 0
        for person in people:
            for _ in range(opportunities):
                source[kept] = person
                target[kept] = picks[at]
                kept += across[at]
                at += 1
    for pair in range(kept):
        target[pair] = resident[target[pair]]
    return source[:kept].copy(), target[:kept].copy()
