"""Friends chosen by like-mindedness (issue 24, point 2): with `dynamics.attitude_homophily` on, which ingroup
acquaintances are friends depends on how alike their views of the other community are.

Why: people choose friends partly by similarity of attitudes and values (value homophily: McPherson,
Smith-Lovin & Cook 2001), and prejudiced majority members avoid friends who already have minority friends
(Stark 2015, Social Psychology Quarterly 78(2), in a three-wave friendship network). So a survey's
cross-section relates knowing ingroup friends with outgroup friends to one's own attitude partly through whom
one has chosen as friends, not only through what those friends' friendships did to one's views; Zhou et al.
2019 (Personality and Social Psychology Review 23(2)) meta-analyse mostly such cross-sections. Without it the
model's fixed ingroup friendships were drawn blind to attitude (friends' week-0 attitudes correlated about
0.01-0.03), so the survey's extended-contact item could relate to attitude only through one year of the
mediators' effect (docs/model.md 7.27).

The rule: household ties stay friendships; another ingroup tie is a friendship with chance
    p = min(1, s w / mean(w)),  w = exp(-|A_i - A_j| / L),
s = `dynamics.friendship.ingroup_share` (so the expected number of friendships stays about the same), A the
two people's week-0 attitudes, L = `attitude_scale` [thermometer points]. It reuses the draws of the
attitude-blind choice (stream `init.ingroup_friends`), so the two choose alike where attitudes do not matter.
Off: the attitude-blind choice (model.py `_ingroup_friendships`), unchanged.

Parameters: `dynamics.attitude_homophily` (conf/dynamics/default.yaml). A shape key (model/reference.py): who
is friends with whom belongs to the surveyed people, so a run and its reference world share it.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.mechanisms.base import Mechanism
from bridges.model.ranges import bounded
from bridges.model.rules.friendship import friendship_matrix


@dataclass(frozen=True)
class AttitudeHomophilyParams:
    """Ingroup friendships chosen by similarity of attitude toward the other community."""

    enabled: bool
    attitude_scale: float = field(metadata=bounded(1.0, 1000.0, "thermometer points",
                                                   "1 point makes friends near-identical; 1,000 is attitude-blind"))


def similarity_weight(attitude_a: np.ndarray, attitude_b: np.ndarray, scale: float) -> np.ndarray:
    """w = exp(-|A_a - A_b| / L): 1 for identical attitudes, 1/e at a difference of L points."""
    return np.exp(-np.abs(attitude_a - attitude_b) / scale)


def friendship_chance(weight: np.ndarray, share: float, mean: float | None = None) -> np.ndarray:
    """p = min(1, s w / mean(w)): each candidate tie's chance of being a friendship, the attitude-blind share s
    scaled by its similarity relative to the candidates' mean (the same s for every tie when all are alike).
    `mean`: the mean weight of all candidates when `weight` is a block of them (default: `weight`'s own)."""
    if weight.size == 0:
        return weight
    return np.minimum(1.0, share * weight / (weight.mean() if mean is None else mean))


def choose_friends(model) -> None:
    """Week 0, with the mechanism on: rebuild the fixed ingroup friendships (`model.ingroup_friends` and its
    counts) with each non-household ingroup tie chosen by `friendship_chance`, before any view's anchor reads
    them (norms' start).

    The ties are taken in blocks on the model's threads (model/threads.py), twice: the candidates' weights,
    then, with the mean of all of them, each tie's choice from its own uniforms (`Streams.uniform_range`). Each
    tie's numbers are its own (elementwise), and the mean is taken over all weights in tie order, so the
    friendships are those of one pass over all ties, with a block's temporaries instead of ten million ties'
    at a million residents."""
    h = model.params.dynamics.attitude_homophily
    if not h.enabled:
        return
    network, state, streams = model.city.network, model.state, model.streams
    household_codes = [code for code, name in enumerate(network.layer_names)
                       if model.city.layer_params[name].kind == "household"]
    blocks = model.threads.blocks(len(network.source))

    def candidates(block: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A block's ingroup ties, household ties and candidates' similarity weights."""
        source, target = network.source[slice(*block)], network.target[slice(*block)]
        ingroup = state.group[source] == state.group[target]
        household = np.isin(network.layer[slice(*block)], household_codes)
        candidate = ingroup & ~household
        weight = similarity_weight(state.attitude[source[candidate]], state.attitude[target[candidate]],
                                   h.attitude_scale)
        return ingroup, household, weight

    parts = model.threads.map(candidates, blocks)
    weights = [weight for _, _, weight in parts]
    mean = np.concatenate(weights).mean() if sum(w.size for w in weights) else None
    share = model.params.dynamics.friendship.ingroup_share

    def chosen(index: int) -> tuple[np.ndarray, np.ndarray]:
        """A block's friendships: its household ties and the candidates its uniforms choose."""
        (start, end), (ingroup, household, weight) = blocks[index], parts[index]
        u = streams.uniform_range("init.ingroup_friends", 0, start, end)
        chance = np.zeros(end - start)
        chance[ingroup & ~household] = friendship_chance(weight, share, mean)
        friends = ingroup & (household | (u < chance))
        return network.source[start:end][friends], network.target[start:end][friends]

    pairs = model.threads.map(chosen, range(len(blocks)))
    model.ingroup_friends = friendship_matrix(state.n, np.concatenate([source for source, _ in pairs]),
                                              np.concatenate([target for _, target in pairs]))
    model.ingroup_friend_count = np.asarray(model.ingroup_friends.sum(axis=1)).ravel().astype(np.int64)


MECHANISM = Mechanism(
    name="attitude_homophily",
    after="friendship",
    before="standing_threat",
    params=("dynamics.attitude_homophily", "dynamics.friendship"),
    parameters={"dynamics.attitude_homophily": AttitudeHomophilyParams},
    start=choose_friends,
)
