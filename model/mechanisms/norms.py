"""Ingroup norms: with `dynamics.norms` on, attitude, anxiety and trust drift toward the perceived ingroup
norm (friends, neighbourhood, wider society, each anchored at its week-0 value) and ingroup friends'
cross-group friendships warm the attitude norm and ease anxiety (extended contact). Off: extended contact
warms attitudes by a fixed weekly step.

Parameters: `dynamics.norms`, `dynamics.extended_contact_step`; rules in model/rules/norms.py and
friendship.py. `model.views_at_start` holds each view's anchor: set at week 0 here, re-anchored by the
spin-up (model.py `anchor_views`).
"""

import numpy as np

from bridges.model.mechanisms.base import VIEW_RANGES, VIEWS, Each, Mechanism, Phase, static_index
from bridges.model.ranges import THERMOMETER_MAX
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import norms as norm_rules


def ingroup_views(model, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's ingroup friends' mean of a view (the neighbourhood's if friendless) and their own group's
    mean of it in their neighbourhood."""
    state = model.state
    neighbourhood = norm_rules.neighbourhood_ingroup_mean(
        value, state.neighbourhood, state.group,
        static_index(model, "ingroup_places", lambda: norm_rules.ingroup_places(state.neighbourhood, state.group)))
    return norm_rules.friends_mean(value, model.ingroup_friends, model.ingroup_friend_count, neighbourhood), neighbourhood


def start_views(model) -> None:
    """Week 0: each view's starting value with its friends' and neighbourhood's starting means (the anchors
    of `follow_norms`)."""
    state = model.state
    model.views_at_start = {name: (getattr(state, name).copy(), *ingroup_views(model, getattr(state, name)))
                            for name in VIEWS}


def follow_norms(model) -> None:
    """With `dynamics.norms` on: attitude, anxiety and trust drift toward the perceived ingroup norm (friends,
    neighbourhood, wider society), and ingroup friends' outgroup friendships warm the attitude norm and lower
    anxiety (extended contact). Off: extended contact warms attitudes by a fixed weekly step."""
    state, n = model.state, model.params.dynamics.norms
    if not n.enabled:
        state.attitude[:] = friendship_rules.extended_contact_update(
            state.attitude, state.extended_contacts, model.ingroup_friend_count,
            model.params.contact.susceptibility_for(state.group), model.params.dynamics, THERMOMETER_MAX)
        return
    extended_share = norm_rules.extended_share(state.extended_contacts, model.ingroup_friend_count)
    for name in VIEWS:
        value = getattr(state, name)
        friends, neighbourhood = ingroup_views(model, value)
        if name == "attitude":
            friends = norm_rules.extended_norm(friends, extended_share, n, THERMOMETER_MAX)
        start, friends_start, neighbourhood_start = model.views_at_start[name]
        norm = norm_rules.perceived_norm(start, friends, friends_start, neighbourhood, neighbourhood_start, n,
                                         *VIEW_RANGES[name])
        value[:] = norm_rules.conform(value, norm, n)
    state.anxiety[:] = norm_rules.extended_anxiety(state.anxiety, extended_share, n)


def observe_neighbourhoods(model) -> None:
    """Each group's mean view in each neighbourhood this week (the neighbourhood part of the norm everyone
    perceives), and blank norms for the residents to fill in."""
    state = model.state
    model.neighbourhood_views = {name: norm_rules.neighbourhood_ingroup_mean(getattr(state, name), state.neighbourhood,
                                                                            state.group) for name in VIEWS}
    model.perceived_norms = {name: np.zeros(state.n) for name in VIEWS}


def resident_perceive_norms(resident) -> None:
    """With `dynamics.norms` on: the ingroup norm this resident perceives for each view (its friends', its
    neighbourhood's, its own start), before anyone moves toward theirs."""
    model, state, me, n = resident.model, resident.model.state, resident.me, resident.model.params.dynamics.norms
    if not n.enabled:
        return
    mine = resident.ingroup_friends()
    extended_share = norm_rules.extended_share(state.extended_contacts[me], model.ingroup_friend_count[me])
    for name in VIEWS:
        neighbourhood = model.neighbourhood_views[name][me]
        friends = norm_rules.friends_mean(getattr(state, name)[mine], np.ones((1, mine.size)),
                                          model.ingroup_friend_count[me], neighbourhood)
        if name == "attitude":
            friends = norm_rules.extended_norm(friends, extended_share, n, THERMOMETER_MAX)
        start, friends_start, neighbourhood_start = (values[me] for values in model.views_at_start[name])
        model.perceived_norms[name][me] = norm_rules.perceived_norm(
            start, friends, friends_start, neighbourhood, neighbourhood_start, n, *VIEW_RANGES[name])


def resident_follow_norms(resident) -> None:
    """With `dynamics.norms` on: each view drifts toward its perceived norm, and ingroup friends'
    outgroup friendships ease anxiety. Off: extended contact warms the attitude by a fixed weekly step."""
    model, state, me, n = resident.model, resident.model.state, resident.me, resident.model.params.dynamics.norms
    if not n.enabled:
        state.attitude[me] = friendship_rules.extended_contact_update(
            state.attitude[me], state.extended_contacts[me], model.ingroup_friend_count[me],
            model.params.contact.susceptibility_for(state.group[me]), model.params.dynamics, THERMOMETER_MAX)
        return
    for name in VIEWS:
        value = getattr(state, name)
        value[me] = norm_rules.conform(value[me], model.perceived_norms[name][me], n)
    extended_share = norm_rules.extended_share(state.extended_contacts[me], model.ingroup_friend_count[me])
    state.anxiety[me] = norm_rules.extended_anxiety(state.anxiety[me], extended_share, n)


MECHANISM = Mechanism(
    name="norms",
    after="friendship",
    params=("dynamics.norms",),
    attributes=("views_at_start", "usual_change", "neighbourhood_views", "perceived_norms"),
    phases=(
        Phase(
            follow_norms,
            reads=("state.group", "state.neighbourhood", "state.extended_contacts", "state.attitude", "state.anxiety",
                   "state.trust", "model.ingroup_friends", "model.ingroup_friend_count", "model.views_at_start",
                   "model.static_index"),
            writes=("state.attitude", "state.anxiety", "state.trust"),
            agents=(observe_neighbourhoods, Each(resident_perceive_norms), Each(resident_follow_norms))),
    ),
    start=start_views,
)
