"""Cross-group friendship and extended contact: each tie's strength follows mutual positive contact and a
strong tie is a friendship; each person counts the ingroup friends who have cross-group friends.

Parameters: `dynamics.friendship`; rules in model/rules/friendship.py. The fixed ingroup friendships
(`model.ingroup_friends`, and each person's count) are drawn when the model is built (model.py).
"""

import numpy as np

from bridges.model.mechanisms.base import Each, Mechanism, Metric, Phase, StateVar
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import friendship as friendship_rules


def update_friendships(model) -> None:
    """Tie strength follows mutual positive contact; strong ties are cross-group friendships."""
    f, state = model.params.dynamics.friendship, model.state
    state.outgroup_friends[:] = 0
    for block in model.contact_blocks():
        positive = contact_rules.pair_mean(block.positive["source"], block.positive["target"])
        negative = contact_rules.pair_mean(block.negative["source"], block.negative["target"])
        block.strength[:] = friendship_rules.update_tie_strength(block.strength, positive, negative, f)
        block.friend[:] = friendship_rules.is_friendship(block.strength, f)
        state.outgroup_friends += friendship_rules.ties_per_person(state.n, block.source, block.target, block.friend)


def extended_contact(model) -> None:
    """Count each person's ingroup friends who have cross-group friendships."""
    state = model.state
    has_friend = state.outgroup_friends > 0
    last = getattr(model, "extended_memo", None)  # (who had an outgroup friend, extended contacts) last week
    if last is None:
        extended = friendship_rules.extended_contacts(model.ingroup_friends, state.outgroup_friends)
    else:
        extended = last[1] + friendship_rules.extended_contacts_change(model.ingroup_friends, last[0], has_friend)
    model.extended_memo = (has_friend, extended)
    state.extended_contacts[:] = extended


def resident_update_tie_strengths(resident) -> None:
    """Strength of the ties this resident starts, from both sides' positive and negative contact."""
    f = resident.model.params.dynamics.friendship
    for block in resident.model.contact_blocks():
        mine = resident.ties(block, "source")
        if not mine.size:
            continue
        positive = contact_rules.pair_mean(block.positive["source"][mine], block.positive["target"][mine])
        negative = contact_rules.pair_mean(block.negative["source"][mine], block.negative["target"][mine])
        block.strength[mine] = friendship_rules.update_tie_strength(block.strength[mine], positive, negative, f)
        block.friend[mine] = friendship_rules.is_friendship(block.strength[mine], f)


def resident_count_outgroup_friends(resident) -> None:
    """This resident's cross-group friendships, over the ties at either end."""
    count = 0
    for block in resident.model.contact_blocks():
        mine, source, target = resident.both_ends(block)
        count += friendship_rules.ties_per_person(2, source, target, block.friend[mine])[0]
    resident.model.state.outgroup_friends[resident.me] = count


def resident_extended_contact(resident) -> None:
    """Count this resident's ingroup friends who have cross-group friendships."""
    state, mine = resident.model.state, resident.ingroup_friends()
    state.extended_contacts[resident.me] = friendship_rules.extended_contacts(np.ones((1, mine.size)),
                                                                          state.outgroup_friends[mine])


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
            agents=(Each(resident_update_tie_strengths), Each(resident_count_outgroup_friends))),
        Phase(
            extended_contact,
            reads=("state.outgroup_friends", "model.ingroup_friends", "model.extended_memo"),
            writes=("state.extended_contacts", "model.extended_memo"),
            agents=(Each(resident_extended_contact),)),
    ),
    metrics=(
        Metric("outgroup_friend_share", has_outgroup_friend, rank=9),
        Metric("outgroup_friendships", groups=(), everyone=outgroup_friendships, rank=9),
    ),
)
