"""Compiled kernels of model/rules/friendship.py (model/kernels.py: the switch): a block's tie strengths and
friendships (`pair_mean`, `update_tie_strength`, `is_friendship`), each person's cross-group friendships
(`ties_per_person`) and each person's ingroup friends with one (`extended_contacts_change`), for the vectorised
week (model/mechanisms/friendship.py).

Counts are whole numbers, so a loop adds them exactly as np.bincount does (its float sums of 0/1 and +-1 are
exact). Every formula is the rule's, term by term in its order; `clip_one` is numpy's clip.
"""

import numba
import numpy as np

from bridges.model.rules.norms_compiled import clip_one


@numba.njit(cache=True)
def strengthen_all(strength, friend, positive_source, positive_target, negative_source, negative_target, kept, gain,
                   loss, threshold) -> None:
    """Every tie of a block: s' = clip(s kept + gain P - loss N, 0, 1) with P and N the two sides' mean counts
    and kept = 1 - decay; a friendship from the threshold on."""
    for tie in range(len(strength)):
        positive = 0.5 * (positive_source[tie] + positive_target[tie])
        negative = 0.5 * (negative_source[tie] + negative_target[tie])
        strength[tie] = clip_one(strength[tie] * kept + gain * positive - loss * negative, 0.0, 1.0)
        friend[tie] = strength[tie] >= threshold


@numba.njit(cache=True)
def count_friends(source, target, friend, outgroup_friends) -> None:
    """Each friendship of a block counted at both its ends into `outgroup_friends`."""
    for tie in range(len(friend)):
        if friend[tie]:
            outgroup_friends[source[tie]] += 1
            outgroup_friends[target[tie]] += 1


@numba.njit(cache=True)
def extended_all(indptr, indices, outgroup_friends, had_friend, extended_before, extended_contacts) -> tuple:
    """Who has a cross-group friendship now, and each person's ingroup friends with one: last week's count
    (`extended_before`) plus one per friend who gained one and minus one per friend who lost one (into a new
    array and `extended_contacts`)."""
    has_friend = outgroup_friends > 0
    extended = extended_before.copy()
    for person in range(len(has_friend)):
        if has_friend[person] != had_friend[person]:
            step = 1 if has_friend[person] else -1
            for at in range(indptr[person], indptr[person + 1]):
                extended[indices[at]] += step
    extended_contacts[:] = extended
    return has_friend, extended
