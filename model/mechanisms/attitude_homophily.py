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
from bridges.model.rules.friendship import friend_counts, friendship_matrix_of
from bridges.model.tie_order import TIE_BLOCK


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

    The ties are taken in blocks of at most TIE_BLOCK on the model's threads (model/threads.py), three times:
    which are candidates, the candidates' weights (written into one array in tie order), then, with the mean of
    all of them, each tie's choice from its own uniforms (`Streams.uniform_range`). Each tie's numbers are its
    own (elementwise), and the mean is taken over all weights in tie order, so the friendships are those of one
    pass over all ties. A block's temporaries are a few MB, which the heap hands out again block after block,
    where ten million ties' at a million residents were fresh pages each (paid again in system time)."""
    h = model.params.dynamics.attitude_homophily
    if not h.enabled:
        return
    network, state, streams = model.city.network, model.state, model.streams
    household_codes = [code for code, name in enumerate(network.layer_names)
                       if model.city.layer_params[name].kind == "household"]
    blocks = model.threads.blocks(len(network.source), TIE_BLOCK)
    candidate = np.empty(len(network.source), dtype=bool)

    def ingroup_at_home(start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Ties start..end: whether each is ingroup, and whether it is a household tie."""
        source, target = network.source[start:end], network.target[start:end]
        return state.group[source] == state.group[target], np.isin(network.layer[start:end], household_codes)

    def mark(block: tuple[int, int]) -> int:
        """A block's candidates (ingroup ties outside households) marked in `candidate`; their count."""
        ingroup, household = ingroup_at_home(*block)
        np.logical_and(ingroup, ~household, out=candidate[slice(*block)])
        return int(np.count_nonzero(candidate[slice(*block)]))

    first = np.cumsum([0, *model.threads.map(mark, blocks)])  # each block's first candidate
    weight = np.empty(int(first[-1]))

    def weigh(index: int) -> None:
        """A block's candidates' similarity weights, in their place in `weight`."""
        ties = slice(*blocks[index])
        chosen = candidate[ties]
        weight[first[index]:first[index + 1]] = similarity_weight(
            state.attitude[network.source[ties][chosen]], state.attitude[network.target[ties][chosen]],
            h.attitude_scale)

    model.threads.map(weigh, range(len(blocks)))
    mean = weight.mean() if weight.size else None
    share = model.params.dynamics.friendship.ingroup_share

    def chosen(index: int) -> tuple[np.ndarray, np.ndarray]:
        """A block's friendships: its household ties and the candidates its uniforms choose."""
        start, end = blocks[index]
        ingroup, household = ingroup_at_home(start, end)
        u = streams.uniform_range("init.ingroup_friends", 0, start, end)
        chance = np.zeros(end - start)
        chance[candidate[start:end]] = friendship_chance(weight[first[index]:first[index + 1]], share, mean)
        friends = ingroup & (household | (u < chance))
        return network.source[start:end][friends], network.target[start:end][friends]

    model.ingroup_friends = friendship_matrix_of(state.n, model.threads.map(chosen, range(len(blocks))))
    model.ingroup_friend_count = friend_counts(model.ingroup_friends)


MECHANISM = Mechanism(
    name="attitude_homophily",
    after="friendship",
    before="standing_threat",
    params=("dynamics.attitude_homophily", "dynamics.friendship"),
    parameters={"dynamics.attitude_homophily": AttitudeHomophilyParams},
    start=choose_friends,
)
