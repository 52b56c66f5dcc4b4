"""Compiled kernels of model/rules/threat.py and of model/mechanisms/standing_threat.py's rules (model/kernels.py:
the switch): perceived threat over every resident (`economic_burden`, `perceived_outgroup_share`, `threat_level`,
`threat_attitude_change`) for `perceive_threat`, and the standing part of the attitude (`threat_component`,
`centred_on_group`: `weigh_threat`) and its setting aside and return (`without_threat`, `with_threat`) for
`set_aside_threat` and `restore_threat`.

The logistic's exp stays in numpy: a first kernel writes each person's -x, numpy takes exp of the whole array
(model/rules/contact.py `logistic` does the same), and a second kernel finishes. The group's mean of the
standing points is numpy's own pairwise sum (`np.add.reduce`, as `ndarray.mean` takes it) over the receiving
members' points, which the second kernel lays out in id order. Every other formula is the rule's, term by term
in its order; `clip_one` and `minimum_one` are numpy's clip and minimum, NaN and signed zero included.
"""

import numba
import numpy as np

from bridges.model.ranges import RECEIVING
from bridges.model.rules.norms_compiled import clip_one, minimum_one

LARGEST = np.finfo(np.float64).max
"""What np.nan_to_num makes of an infinity."""


@numba.njit(cache=True)
def exponent_one(burden, local_share, rest_of_city, anxiety, friends, intercept, burden_weight, size_weight,
                 anxiety_weight, friend_weight, overestimation, local_weight) -> float:
    """-x of `threat_level`'s logistic for one person: x = b0 + w_B burden + w_S p + w_X anxiety - w_F friend,
    p = min(1, f (l s_local + (1 - l) s_city)) (`perceived_outgroup_share`; `rest_of_city` = (1 - l) s_city)."""
    perceived = minimum_one(1.0, overestimation * (local_weight * local_share + rest_of_city))
    friend = 1.0 if friends > 0 else 0.0
    return -(intercept + burden_weight * burden + size_weight * perceived + anxiety_weight * anxiety
             - friend_weight * friend)


@numba.njit(cache=True)
def exponents_at(burden, neighbourhood, local_arriving_share, rest_of_city, anxiety, outgroup_friends, intercept,
                 burden_weight, size_weight, anxiety_weight, friend_weight, overestimation, local_weight) -> np.ndarray:
    """Every person's -x (`exponent_one`) with their believed burden held at `burden`."""
    exponents = np.empty(len(neighbourhood))
    for person in range(len(neighbourhood)):
        exponents[person] = exponent_one(burden[person], local_arriving_share[neighbourhood[person]], rest_of_city,
                                         anxiety[person], outgroup_friends[person], intercept, burden_weight,
                                         size_weight, anxiety_weight, friend_weight, overestimation, local_weight)
    return exponents


@numba.njit(cache=True)
def exponents_now(belief_education, belief_employment, belief_welfare, neighbourhood, local_arriving_share,
                  rest_of_city, anxiety, outgroup_friends, intercept, burden_weight, size_weight, anxiety_weight,
                  friend_weight, overestimation, local_weight) -> np.ndarray:
    """Every person's -x (`exponent_one`) with the burden they believe now (`economic_burden`)."""
    exponents = np.empty(len(neighbourhood))
    for person in range(len(neighbourhood)):
        burden = ((1.0 - belief_education[person]) + (1.0 - belief_employment[person]) + belief_welfare[person]) / 3.0
        exponents[person] = exponent_one(burden, local_arriving_share[neighbourhood[person]], rest_of_city,
                                         anxiety[person], outgroup_friends[person], intercept, burden_weight,
                                         size_weight, anxiety_weight, friend_weight, overestimation, local_weight)
    return exponents


@numba.njit(cache=True)
def perceive_all(powers, group, attitude, threat, moves_attitude, attitude_weight, top) -> None:
    """Every person's threat from exp(-x) (`powers`): the logistic for receiving members, NaN for arriving ones;
    with `moves_attitude`, a receiving member's attitude moves by the change (`threat_attitude_change`)."""
    scale = attitude_weight * top
    for person in range(len(group)):
        if group[person] == RECEIVING:
            level = 1.0 / (1.0 + powers[person])
            if moves_attitude:
                attitude[person] = clip_one(attitude[person] - scale * (level - threat[person]), 0.0, top)
            threat[person] = level
        else:
            threat[person] = np.nan


@numba.njit(cache=True)
def standing_points(powers, group, reference, attitude_weight, top) -> tuple:
    """Every person's standing points S = -w top (tau - tau_ref) from exp(-x) (`powers`; 0 where there is no
    threat: arriving members), and the receiving members' S in id order (`threat_component`)."""
    scale = -attitude_weight * top
    points, members, count = np.empty(len(group)), np.empty(len(group)), 0
    for person in range(len(group)):
        level = 1.0 / (1.0 + powers[person]) if group[person] == RECEIVING else np.nan
        value = scale * (level - reference[person])
        if value != value:
            value = 0.0
        elif value == np.inf:
            value = LARGEST
        elif value == -np.inf:
            value = -LARGEST
        points[person] = value
        if group[person] == RECEIVING:
            members[count] = value
            count += 1
    return points, members[:count]


@numba.njit(cache=True)
def centre_all(points, group, mean) -> np.ndarray:
    """T = S - mean for receiving members, 0 for everyone else (`centred_on_group`)."""
    component = np.empty(len(group))
    for person in range(len(group)):
        component[person] = points[person] - mean if group[person] == RECEIVING else 0.0
    return component


@numba.njit(cache=True)
def shift_all(attitude, component, restore, top) -> None:
    """Every attitude without its standing part T (`without_threat`) or, with `restore`, with it again
    (`with_threat`)."""
    for person in range(len(attitude)):
        if restore:
            attitude[person] = clip_one(attitude[person] + component[person], 0.0, top)
        else:
            attitude[person] = attitude[person] - component[person]


def perceive(state, local_arriving_share: np.ndarray, city_arriving_share: float, t, top: float) -> None:
    """Every resident's perceived threat from this week's beliefs (the mechanism's `perceive_threat` over
    everyone); `t`: ThreatParams (with `enabled`, its change moves receiving members' attitudes)."""
    exponents = exponents_now(state.belief_education, state.belief_employment, state.belief_welfare,
                              state.neighbourhood, local_arriving_share, (1.0 - t.local_weight) * city_arriving_share,
                              state.anxiety, state.outgroup_friends, t.intercept, t.burden_weight, t.size_weight,
                              t.anxiety_weight, t.friend_weight, t.overestimation, t.local_weight)
    perceive_all(np.exp(exponents), state.group, state.attitude, state.threat, t.enabled, t.attitude_weight, top)


def standing(state, burden: np.ndarray, reference: np.ndarray, local_arriving_share: np.ndarray,
             city_arriving_share: float, t, top: float) -> np.ndarray:
    """Everyone's standing part T of the attitude (the mechanism's `weigh_threat` once its references are
    taken): `burden` and `reference` the believed burden and threat when the run's own weeks began."""
    exponents = exponents_at(burden, state.neighbourhood, local_arriving_share,
                             (1.0 - t.local_weight) * city_arriving_share, state.anxiety, state.outgroup_friends,
                             t.intercept, t.burden_weight, t.size_weight, t.anxiety_weight, t.friend_weight,
                             t.overestimation, t.local_weight)
    points, members = standing_points(np.exp(exponents), state.group, reference, t.attitude_weight, top)
    return centre_all(points, state.group, np.add.reduce(members) / len(members) if len(members) else 0.0)
