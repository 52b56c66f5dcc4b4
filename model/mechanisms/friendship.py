"""Cross-group friendship and extended contact: each tie's strength follows mutual positive contact and a
strong tie is a friendship; each person counts the ingroup friends who have cross-group friends.

Parameters: `dynamics.friendship`; rules in model/rules/friendship.py. The fixed ingroup friendships
(`model.ingroup_friends`, and each person's count) are drawn when the model is built (model.py).
"""

from dataclasses import dataclass, field

from bridges.model import kernels
from bridges.model.mechanisms.base import (ALL, Mechanism, Metric, Phase, Rows, StateVar, both_ends, count, empty,
                                           own_ties)
from bridges.model.ranges import MULTIPLIER, UNIT
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import friendship as friendship_rules


@dataclass(frozen=True)
class FriendshipParams:
    """Tie strength built by positive contact; friendships past a threshold."""

    gain: float = field(metadata=UNIT)
    loss: float = field(metadata=UNIT)
    decay: float = field(metadata=UNIT)
    threshold: float = field(metadata=UNIT)
    rate_multiplier: float = field(metadata=MULTIPLIER)
    weight: float = field(metadata=MULTIPLIER)
    ingroup_share: float = field(metadata=UNIT)


COMPILED = "bridges.model.rules.friendship_compiled"
"""The module of this mechanism's compiled kernels (model/kernels.py)."""


def update_friendships(model, who=ALL) -> None:
    """Strength of the ties the residents `who` start follows both sides' positive and negative contact;
    strong ties are cross-group friendships."""
    f = model.params.dynamics.friendship
    compiled = kernels.load(COMPILED, model.state.n) if who is ALL else None
    if compiled is not None:  # the same rules compiled, a block in blocks of ties (rules/friendship_compiled.py)
        for block in model.contact_blocks():
            compiled.strengthen_all(block.strength, block.friend, block.positive["source"], block.positive["target"],
                                    block.negative["source"], block.negative["target"], 1.0 - f.decay, f.gain, f.loss,
                                    f.threshold, model.threads)
        return
    for block in model.contact_blocks():
        mine = own_ties(model, block, "source", who)
        if empty(mine):
            continue
        positive = contact_rules.pair_mean(block.positive["source"][mine], block.positive["target"][mine])
        negative = contact_rules.pair_mean(block.negative["source"][mine], block.negative["target"][mine])
        block.strength[mine] = friendship_rules.update_tie_strength(block.strength[mine], positive, negative, f)
        block.friend[mine] = friendship_rules.is_friendship(block.strength[mine], f)


def count_outgroup_friends(model, who=ALL) -> None:
    """The cross-group friendships of the residents `who`, over their ties at either end (after every tie's
    strength is updated)."""
    state, rows = model.state, count(who, model.state.n)
    state.outgroup_friends[who] = 0
    compiled = kernels.load(COMPILED, state.n) if who is ALL else None
    if compiled is not None:  # every block's friendships, by ranges of people (friendship_compiled.py)
        compiled.count_friends(model.contact_blocks(), state.outgroup_friends, model.threads)
        return
    for block in model.contact_blocks():
        ties, source, target, people = both_ends(model, block, who)
        if empty(ties):
            continue
        state.outgroup_friends[who] += friendship_rules.ties_per_person(people, source, target,
                                                                        block.friend[ties])[:rows]


def extended_contact(model) -> None:
    """Count each person's ingroup friends who have cross-group friendships. Both engines run it on the
    whole model: it is updated from the people whose cross-group friendship changed since last week
    (`model.extended_memo`), which one resident cannot know."""
    state = model.state
    has_friend = state.outgroup_friends > 0
    last = getattr(model, "extended_memo", None)  # (who had an outgroup friend, extended contacts) last week
    friends = model.ingroup_friends
    compiled = kernels.load(COMPILED, state.n) if friends.format == "csr" else None
    if compiled is not None:  # the count or its change, by ranges of people (rules/friendship_compiled.py)
        model.extended_memo = (compiled.first_extended(friends.indptr, friends.indices, state.outgroup_friends,
                                                       state.extended_contacts, model.threads) if last is None else
                               compiled.extended_all(friends.indptr, friends.indices, state.outgroup_friends, last[0],
                                                     last[1], state.extended_contacts, model.threads))
        return
    if last is None:
        extended = friendship_rules.extended_contacts(model.ingroup_friends, state.outgroup_friends)
    else:
        extended = last[1] + friendship_rules.extended_contacts_change(model.ingroup_friends, last[0], has_friend)
    model.extended_memo = (has_friend, extended)
    state.extended_contacts[:] = extended


def has_outgroup_friend(state, week, members):
    """Metric outgroup_friend_share: whether each member has at least one cross-group friendship."""
    return state.outgroup_friends[members] > 0


def outgroup_friendships(state):
    """Metric outgroup_friendships (group "all"): cross-group friendships in the city (each counted by both)."""
    return state.outgroup_friends.sum() / 2


MECHANISM = Mechanism(
    name="friendship",
    after="attitudes",
    params=("dynamics.friendship",),
    parameters={"dynamics.friendship": FriendshipParams},
    state=(
        StateVar("outgroup_friends", "int64", "0 (the contact history before week 0 builds friendships)", fill=0),
        StateVar("extended_contacts", "int64", "0", fill=0),
    ),
    attributes=("ingroup_friends", "ingroup_friend_count", "extended_memo"),
    phases=(
        Phase(
            update_friendships,
            reads=("block.positive", "block.negative", "block.strength", "block.source", "block.target"),
            writes=("block.strength", "block.friend", "state.outgroup_friends"),
            steps=(Rows(update_friendships), Rows(count_outgroup_friends))),
        Phase(
            extended_contact,
            reads=("state.outgroup_friends", "model.ingroup_friends", "model.extended_memo"),
            writes=("state.extended_contacts", "model.extended_memo")),
    ),
    metrics=(
        Metric("outgroup_friend_share", has_outgroup_friend, rank=9),
        Metric("outgroup_friendships", groups=(), everyone=outgroup_friendships, rank=9),
    ),
)
