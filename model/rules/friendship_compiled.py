"""Compiled kernels of model/rules/friendship.py (model/kernels.py: the switch): a block's tie strengths and
friendships (`pair_mean`, `update_tie_strength`, `is_friendship`), each person's cross-group friendships
(`ties_per_person`) and each person's ingroup friends with one (`extended_contacts`, `extended_contacts_change`),
for the vectorised week (model/mechanisms/friendship.py).

Counts are whole numbers, so a loop adds them exactly as np.bincount does (its float sums of 0/1 and +-1 are
exact). Every formula is the rule's, term by term in its order; `clip_one` is numpy's clip. A big city runs them
in blocks on the worker threads (the GIL released): strengths by ranges of ties (each tie's own), counts by
ranges of people, each range scanning every tie (or every change) and adding only to its own people.
"""

import numba
import numpy as np

from bridges.model.rules.norms_compiled import BLOCK_ROWS, clip_one
from bridges.model.threads import SERIAL, Threads

BLOCKED = True
"""Every kernel a big pass calls runs over blocks of ties or residents on the worker threads (model/kernels.py)."""


@numba.njit(cache=True, nogil=True)
def strengthen_rows(strength, friend, positive_source, positive_target, negative_source, negative_target, kept, gain,
                    loss, threshold, start, end) -> None:
    """The ties start..end of a block: s' = clip(s kept + gain P - loss N, 0, 1) with P and N the two sides' mean
    counts and kept = 1 - decay; a friendship from the threshold on."""
    strength, friend = strength[start:end], friend[start:end]
    positive_source, positive_target = positive_source[start:end], positive_target[start:end]
    negative_source, negative_target = negative_source[start:end], negative_target[start:end]
    for tie in range(len(strength)):
        positive = 0.5 * (positive_source[tie] + positive_target[tie])
        negative = 0.5 * (negative_source[tie] + negative_target[tie])
        strength[tie] = clip_one(strength[tie] * kept + gain * positive - loss * negative, 0.0, 1.0)
        friend[tie] = strength[tie] >= threshold


@numba.njit(cache=True, nogil=True)
def count_rows(source, target, friend, outgroup_friends, start, end) -> None:
    """Each friendship of a block counted at those of its ends among the people start..end into
    `outgroup_friends` (every range scans all the block's ties)."""
    for tie in range(len(friend)):
        if friend[tie]:
            if start <= source[tie] < end:
                outgroup_friends[source[tie]] += 1
            if start <= target[tie] < end:
                outgroup_friends[target[tie]] += 1


@numba.njit(cache=True, nogil=True)
def has_friend_rows(outgroup_friends, extended_before, has_friend, extended, start, end) -> None:
    """Who among start..end has a cross-group friendship now, and their last week's count of ingroup friends
    with one (the start of this week's)."""
    outgroup_friends, extended_before = outgroup_friends[start:end], extended_before[start:end]
    has_friend, extended = has_friend[start:end], extended[start:end]
    for person in range(len(has_friend)):
        has_friend[person] = outgroup_friends[person] > 0
        extended[person] = extended_before[person]


@numba.njit(cache=True, nogil=True)
def extended_rows(indptr, indices, has_friend, had_friend, extended, extended_contacts, start, end) -> None:
    """The people start..end's ingroup friends with a cross-group friendship: plus one per friend who gained one
    and minus one per friend who lost one (every range scans everyone's change), also into
    `extended_contacts`."""
    for person in range(len(has_friend)):
        if has_friend[person] != had_friend[person]:
            step = 1 if has_friend[person] else -1
            for at in range(indptr[person], indptr[person + 1]):
                friend = indices[at]
                if start <= friend < end:
                    extended[friend] += step
    extended_contacts[start:end] = extended[start:end]


@numba.njit(cache=True, nogil=True)
def first_extended_rows(indptr, indices, outgroup_friends, has_friend, extended, extended_contacts, start, end) -> None:
    """`extended_contacts` from scratch for the people start..end: who has a cross-group friendship, and how many
    of each one's ingroup friends (their CSR row) have one; a whole count, as the rule's product of 0/1 weights."""
    for person in range(np.uint64(start), np.uint64(end)):  # unsigned: no negative-index wraparound
        has_friend[person] = outgroup_friends[person] > 0
        count = 0
        for at in range(indptr[person], indptr[person + 1]):
            if outgroup_friends[indices[at]] > 0:
                count += 1
        extended[person] = count
        extended_contacts[person] = count


def strengthen_all(strength, friend, positive_source, positive_target, negative_source, negative_target, kept: float,
                   gain: float, loss: float, threshold: float, threads: Threads = SERIAL) -> None:
    """Every tie of a block strengthened (`strengthen_rows`) in blocks of ties on `threads`."""
    threads.each_block(lambda start, end: strengthen_rows(strength, friend, positive_source, positive_target,
                                                          negative_source, negative_target, kept, gain, loss,
                                                          threshold, start, end), len(strength), BLOCK_ROWS)


def count_friends(blocks, outgroup_friends: np.ndarray, threads: Threads = SERIAL) -> None:
    """Every block's friendships counted at both their ends into `outgroup_friends`, block after block, by ranges
    of people on `threads` (one range per thread: a scan of the ties costs about a millisecond at a million
    residents)."""
    def count(start: int, end: int) -> None:
        for block in blocks:
            count_rows(block.source, block.target, block.friend, outgroup_friends, start, end)

    threads.each_block(count, len(outgroup_friends))


def first_extended(indptr, indices, outgroup_friends, extended_contacts, threads: Threads = SERIAL) -> tuple:
    """The first week's `extended_contacts` (no count from last week to update), by ranges of people on
    `threads`: who has a cross-group friendship and each person's count (a new array and `extended_contacts`),
    where the rule's sparse product took a float copy of the friendships first (50 MB at a million residents)."""
    size = len(outgroup_friends)
    has_friend, extended = np.empty(size, dtype=np.bool_), np.empty(size, dtype=np.int64)
    threads.each_block(lambda start, end: first_extended_rows(indptr, indices, outgroup_friends, has_friend, extended,
                                                              extended_contacts, start, end), size, BLOCK_ROWS)
    return has_friend, extended


def extended_all(indptr, indices, outgroup_friends, had_friend, extended_before, extended_contacts,
                 threads: Threads = SERIAL) -> tuple:
    """Who has a cross-group friendship now, and each person's ingroup friends with one: last week's count
    (`extended_before`) plus one per friend who gained one and minus one per friend who lost one (into a new
    array and `extended_contacts`); by ranges of people on `threads` (one range per thread)."""
    size = len(outgroup_friends)
    has_friend, extended = np.empty(size, dtype=np.bool_), np.empty_like(extended_before)
    threads.each_block(lambda start, end: has_friend_rows(outgroup_friends, extended_before, has_friend, extended,
                                                          start, end), size, BLOCK_ROWS)
    threads.each_block(lambda start, end: extended_rows(indptr, indices, has_friend, had_friend, extended,
                                                        extended_contacts, start, end), size)
    return has_friend, extended
