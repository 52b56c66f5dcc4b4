"""Compiled kernels of model/rules/beliefs.py (model/kernels.py: the switch): the week's beliefs over every
resident (model/mechanisms/beliefs.py `observe_truth`, `update_beliefs`) in one pass per contact block and one
over residents, instead of a numpy call per block, topic and step.

`true_shares` counts arriving members with higher education and in work (a mean of 0/1 values is the exact
count over the group's size, whatever the order of the sum). `pool_rows` adds one block's encounters to the
pools of a range of observers as `pooled_observations` does: a block's sums per observer in tie order from 0.0
(np.bincount's order), its mean times its count added to the pool; every range scans all the block's ties and
keeps its own observers', so each observer's sums are the same whatever the ranges. `update_rows` is
`update_belief` for a range of residents and every topic: the observers' (everyone with encounters) from what
they saw, everyone else's with no encounters, learned = 1 - (1 - o)^n read from a table of numpy's own powers
(`powers`: pow stays in numpy), clipped as numpy clips. A big city runs both in blocks of residents on the
worker threads (the GIL released).
"""

import numba
import numpy as np

from bridges.model.rules.beliefs import ARRIVING, HIGHER_EDUCATION, RECEIVING
from bridges.model.rules.norms_compiled import BLOCK_ROWS, clip_one
from bridges.model.threads import SERIAL, Threads

BLOCKED = True
"""Every kernel a big pass calls runs over blocks of residents on the worker threads (model/kernels.py)."""

_powers: dict[float, np.ndarray] = {}
"""Per base: numpy's base ** 0, 1, 2, ... (grown on demand): the same numbers as the power of each count."""


def powers(base: float, largest: float) -> np.ndarray:
    """base ** k for k = 0 .. at least `largest` (a whole number), computed by numpy and kept per base."""
    table = _powers.get(base)
    if table is None or largest >= len(table):
        table = _powers[base] = base ** np.arange(max(int(largest) + 1, 64, 0 if table is None else 2 * len(table)),
                                                  dtype=float)
    return table


@numba.njit(cache=True)
def true_shares(group, education, employed) -> np.ndarray:
    """`true_shares`: arriving members' shares with higher education, in work and on welfare (NaN without any)."""
    members, higher, working = 0, 0, 0
    for person in range(len(group)):
        if group[person] == ARRIVING:
            members += 1
            higher += education[person] == HIGHER_EDUCATION
            working += employed[person]
    shares = np.full(3, np.nan)
    if members > 0:
        shares[0] = higher / members
        shares[1] = working / members
        shares[2] = 1.0 - working / members
    return shares


@numba.njit(cache=True, nogil=True)
def pool_rows(source, target, encounters, group, education, employed, truth, personal_weight, seen, shown_total,
              start, end) -> float:
    """One block's ties with encounters added to the pools of the observers start..end (`seen`: encounters
    observed, `shown_total`: rows people, columns topics, as `pooled_observations` sums them): each observer's
    sums over the block's ties in tie order from 0.0, as np.bincount adds them, whatever the range; returns the
    largest `seen` among these observers (0.0 without any)."""
    count, total = np.zeros(end - start), np.zeros((end - start, 3))
    other = 1.0 - personal_weight
    for tie in range(len(source)):
        met = encounters[tie]
        if met == 0:
            continue
        if group[source[tie]] == RECEIVING:
            observer, partner = source[tie], target[tie]
        else:
            observer, partner = target[tie], source[tie]
        if observer < start or observer >= end:
            continue
        row = observer - start
        weight = float(met)
        count[row] += weight
        employed_value = 1.0 if employed[partner] else 0.0
        total[row, 0] += weight * (personal_weight * (1.0 if education[partner] == HIGHER_EDUCATION else 0.0)
                                   + other * truth[0])
        total[row, 1] += weight * (personal_weight * employed_value + other * truth[1])
        total[row, 2] += weight * (personal_weight * (1.0 - employed_value) + other * truth[2])
    largest = 0.0
    seen, shown_total = seen[start:end], shown_total[start:end]
    for row in range(len(count)):
        observed = count[row]
        if observed == 0.0:
            continue
        for topic in range(3):
            shown_total[row, topic] += total[row, topic] / observed * observed
        seen[row] += observed
        largest = max(largest, seen[row])
    return largest


@numba.njit(cache=True)
def update_one(belief, observed, learned, prior, drift) -> float:
    """`update_belief` for one person and topic."""
    return clip_one(belief + drift * (prior - belief) + learned * (observed - belief), 0.0, 1.0)


@numba.njit(cache=True, nogil=True)
def update_rows(education, employment, welfare, seen, shown_total, kept, prior_education, prior_employment,
                prior_welfare, drift, start, end) -> None:
    """The residents start..end's beliefs after the week: an observer's from the pooled mean of what they saw,
    learned = 1 - `kept`[encounters] (kept = (1 - o)^n); everyone else's with no encounters (learned 0,
    observed 0)."""
    education, employment, welfare = education[start:end], employment[start:end], welfare[start:end]
    seen, shown_total = seen[start:end], shown_total[start:end]
    for person in range(len(seen)):
        observations = seen[person]
        if observations > 0.0:
            learned = 1.0 - kept[int(observations)]
            shown = shown_total[person]
            education[person] = update_one(education[person], shown[0] / observations, learned, prior_education, drift)
            employment[person] = update_one(employment[person], shown[1] / observations, learned, prior_employment,
                                            drift)
            welfare[person] = update_one(welfare[person], shown[2] / observations, learned, prior_welfare, drift)
        else:
            education[person] = update_one(education[person], 0.0, 0.0, prior_education, drift)
            employment[person] = update_one(employment[person], 0.0, 0.0, prior_employment, drift)
            welfare[person] = update_one(welfare[person], 0.0, 0.0, prior_welfare, drift)


def update(state, blocks, truth: np.ndarray, prior: dict, d, threads: Threads = SERIAL) -> None:
    """Every resident's beliefs after this week's encounters on `blocks` (the mechanism's `update_beliefs` over
    everyone): `prior` the media prior by topic, `d` DynamicsParams. Observers are pooled block after block, each
    block's ties scanned by every range of observers on `threads` (one range per thread: a scan of the ties
    costs about a millisecond at a million residents); then every resident's beliefs in blocks."""
    seen, shown_total, largest = np.zeros(state.n), np.zeros((state.n, 3)), [0.0]
    for block in blocks:
        threads.each_block(lambda start, end, block=block: largest.append(pool_rows(
            block.source, block.target, block.encounters, state.group, state.education, state.employed, truth,
            d.belief_personal_weight, seen, shown_total, start, end)), state.n)
    kept = powers(1.0 - d.belief_observation, max(largest))
    threads.each_block(lambda start, end: update_rows(
        state.belief_education, state.belief_employment, state.belief_welfare, seen, shown_total, kept,
        prior["education"], prior["employment"], prior["welfare"], d.belief_media_drift, start, end), state.n,
        BLOCK_ROWS)
