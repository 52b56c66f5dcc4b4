"""Compiled kernels of model/rules/beliefs.py (model/kernels.py: the switch): the week's beliefs over every
resident (model/mechanisms/beliefs.py `observe_truth`, `update_beliefs`) in one pass per contact block and one
over residents, instead of a numpy call per block, topic and step.

`true_shares` counts arriving members with higher education and in work (a mean of 0/1 values is the exact
count over the group's size, whatever the order of the sum). `pool_block` adds one block's encounters to each
observer's pool as `pooled_observations` does: a block's sums per observer in tie order from 0.0 (np.bincount's
order), its mean times its count added to the pool. `update_all` is `update_belief` for every resident and topic:
the observers' (everyone with encounters) from what they saw, everyone else's with no encounters, learned =
1 - (1 - o)^n read from a table of numpy's own powers (`powers`: pow stays in numpy), clipped as numpy clips.
"""

import numba
import numpy as np

from bridges.model.rules.beliefs import ARRIVING, HIGHER_EDUCATION, RECEIVING
from bridges.model.rules.norms_compiled import clip_one

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


@numba.njit(cache=True)
def pool_block(source, target, encounters, group, education, employed, truth, personal_weight, seen, shown_total,
               largest) -> float:
    """One block's ties with encounters added to every observer's pool (`seen`: encounters observed,
    `shown_total`: rows people, columns topics, as `pooled_observations` sums them); returns the largest `seen`
    so far (`largest` before this block)."""
    n = len(seen)
    count, total = np.zeros(n), np.zeros((n, 3))
    order, observers = np.empty(n, dtype=np.int64), 0
    other = 1.0 - personal_weight
    for tie in range(len(source)):
        met = encounters[tie]
        if met == 0:
            continue
        if group[source[tie]] == RECEIVING:
            observer, partner = source[tie], target[tie]
        else:
            observer, partner = target[tie], source[tie]
        if count[observer] == 0.0:
            order[observers] = observer
            observers += 1
        weight = float(met)
        count[observer] += weight
        employed_value = 1.0 if employed[partner] else 0.0
        total[observer, 0] += weight * (personal_weight * (1.0 if education[partner] == HIGHER_EDUCATION else 0.0)
                                        + other * truth[0])
        total[observer, 1] += weight * (personal_weight * employed_value + other * truth[1])
        total[observer, 2] += weight * (personal_weight * (1.0 - employed_value) + other * truth[2])
    for at in range(observers):
        observer = order[at]
        observed = count[observer]
        for topic in range(3):
            shown_total[observer, topic] += total[observer, topic] / observed * observed
        seen[observer] += observed
        largest = max(largest, seen[observer])
    return largest


@numba.njit(cache=True)
def update_one(belief, observed, learned, prior, drift) -> float:
    """`update_belief` for one person and topic."""
    return clip_one(belief + drift * (prior - belief) + learned * (observed - belief), 0.0, 1.0)


@numba.njit(cache=True)
def update_all(education, employment, welfare, seen, shown_total, kept, prior_education, prior_employment,
               prior_welfare, drift) -> None:
    """Every resident's beliefs after the week: an observer's from the pooled mean of what they saw, learned = 1 -
    `kept`[encounters] (kept = (1 - o)^n); everyone else's with no encounters (learned 0, observed 0)."""
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


def update(state, blocks, truth: np.ndarray, prior: dict, d) -> None:
    """Every resident's beliefs after this week's encounters on `blocks` (the mechanism's `update_beliefs` over
    everyone): `prior` the media prior by topic, `d` DynamicsParams."""
    seen, shown_total, largest = np.zeros(state.n), np.zeros((state.n, 3)), 0.0
    for block in blocks:
        largest = pool_block(block.source, block.target, block.encounters, state.group, state.education,
                             state.employed, truth, d.belief_personal_weight, seen, shown_total, largest)
    update_all(state.belief_education, state.belief_employment, state.belief_welfare, seen, shown_total,
               powers(1.0 - d.belief_observation, largest), prior["education"], prior["employment"],
               prior["welfare"], d.belief_media_drift)
