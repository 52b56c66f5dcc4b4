"""Compiled kernels of model/rules/threat.py and of model/mechanisms/standing_threat.py's rules (model/kernels.py:
the switch): perceived threat over every resident (`economic_burden`, `perceived_outgroup_share`, `threat_level`,
`threat_attitude_change`) for `perceive_threat`, and the standing part of the attitude (`threat_component`,
`centred_on_group`: `weigh_threat`) and its setting aside and return (`without_threat`, `with_threat`) for
`set_aside_threat` and `restore_threat`.

Every kernel runs over a range of residents, the GIL released, so a big city's passes run in blocks of
residents on the worker threads; every number is a resident's own, the same whatever the blocks. The logistic's
exp stays in numpy: in each block a first kernel writes its people's -x, numpy takes exp of that array
(model/rules/contact.py `logistic` does the same, and the numpy rule takes it over the same row blocks,
`Rows.blocks`), and a second kernel finishes. The group's mean of the standing points is numpy's own pairwise
sum (`np.add.reduce`, as `ndarray.mean` takes it) over the receiving members' points in id order, taken over
the whole between the blocked passes. Every other formula is the rule's, term by term in its order; `clip_one`
and `minimum_one` are numpy's clip and minimum, NaN and signed zero included.
"""

import numba
import numpy as np

from bridges.model.ranges import RECEIVING
from bridges.model.rules.norms_compiled import BLOCK_ROWS, clip_one, minimum_one
from bridges.model.threads import SERIAL, Threads

BLOCKED = True
"""Every kernel a big pass calls runs over blocks of residents on the worker threads (model/kernels.py)."""

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


@numba.njit(cache=True, nogil=True)
def exponents_at(burden, neighbourhood, local_arriving_share, rest_of_city, anxiety, outgroup_friends, intercept,
                 burden_weight, size_weight, anxiety_weight, friend_weight, overestimation, local_weight, start,
                 end) -> np.ndarray:
    """The people start..end's -x (`exponent_one`) with their believed burden held at `burden`."""
    burden, neighbourhood, anxiety = burden[start:end], neighbourhood[start:end], anxiety[start:end]
    outgroup_friends = outgroup_friends[start:end]
    exponents = np.empty(end - start)
    for person in range(len(exponents)):
        exponents[person] = exponent_one(
            burden[person], local_arriving_share[neighbourhood[person]], rest_of_city, anxiety[person],
            outgroup_friends[person], intercept, burden_weight, size_weight, anxiety_weight, friend_weight,
            overestimation, local_weight)
    return exponents


@numba.njit(cache=True, nogil=True)
def exponents_now(belief_education, belief_employment, belief_welfare, neighbourhood, local_arriving_share,
                  rest_of_city, anxiety, outgroup_friends, intercept, burden_weight, size_weight, anxiety_weight,
                  friend_weight, overestimation, local_weight, start, end) -> np.ndarray:
    """The people start..end's -x (`exponent_one`) with the burden they believe now (`economic_burden`)."""
    belief_education, belief_employment = belief_education[start:end], belief_employment[start:end]
    belief_welfare, neighbourhood, anxiety = belief_welfare[start:end], neighbourhood[start:end], anxiety[start:end]
    outgroup_friends = outgroup_friends[start:end]
    exponents = np.empty(end - start)
    for person in range(len(exponents)):
        burden = ((1.0 - belief_education[person]) + (1.0 - belief_employment[person]) + belief_welfare[person]) / 3.0
        exponents[person] = exponent_one(
            burden, local_arriving_share[neighbourhood[person]], rest_of_city, anxiety[person],
            outgroup_friends[person], intercept, burden_weight, size_weight, anxiety_weight, friend_weight,
            overestimation, local_weight)
    return exponents


@numba.njit(cache=True, nogil=True)
def perceive_rows(powers, group, attitude, threat, moves_attitude, attitude_weight, top, start, end) -> None:
    """The people start..end's threat from exp(-x) (`powers`, theirs in order): the logistic for receiving
    members, NaN for arriving ones; with `moves_attitude`, a receiving member's attitude moves by the change
    (`threat_attitude_change`)."""
    scale = attitude_weight * top
    group, attitude, threat = group[start:end], attitude[start:end], threat[start:end]
    for person in range(len(group)):
        if group[person] == RECEIVING:
            level = 1.0 / (1.0 + powers[person])
            if moves_attitude:
                attitude[person] = clip_one(attitude[person] - scale * (level - threat[person]), 0.0, top)
            threat[person] = level
        else:
            threat[person] = np.nan


@numba.njit(cache=True, nogil=True)
def standing_rows(powers, group, reference, attitude_weight, top, points, start, end) -> None:
    """The people start..end's standing points S = -w top (tau - tau_ref) into `points`, from exp(-x) (`powers`,
    theirs in order; 0 where there is no threat: arriving members; `threat_component`)."""
    scale = -attitude_weight * top
    group, reference, points = group[start:end], reference[start:end], points[start:end]
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


@numba.njit(cache=True, nogil=True)
def centre_rows(points, group, mean, component, start, end) -> None:
    """T = S - mean for the receiving members among start..end, 0 for everyone else (`centred_on_group`);
    `component` may be `points` itself (each person's T is written after their S is read)."""
    points, group, component = points[start:end], group[start:end], component[start:end]
    for person in range(len(group)):
        component[person] = points[person] - mean if group[person] == RECEIVING else 0.0


@numba.njit(cache=True, nogil=True)
def shift_rows(attitude, component, restore, top, start, end) -> None:
    """The attitudes start..end without their standing part T (`without_threat`) or, with `restore`, with it again
    (`with_threat`)."""
    attitude, component = attitude[start:end], component[start:end]
    for person in range(len(attitude)):
        if restore:
            attitude[person] = clip_one(attitude[person] + component[person], 0.0, top)
        else:
            attitude[person] = attitude[person] - component[person]


def perceive(state, local_arriving_share: np.ndarray, city_arriving_share: float, t, top: float, start: int,
             end: int) -> None:
    """The residents start..end's perceived threat from this week's beliefs (the mechanism's `perceive_threat`
    over a range of rows); `t`: ThreatParams (with `enabled`, its change moves receiving members' attitudes)."""
    exponents = exponents_now(state.belief_education, state.belief_employment, state.belief_welfare,
                              state.neighbourhood, local_arriving_share, (1.0 - t.local_weight) * city_arriving_share,
                              state.anxiety, state.outgroup_friends, t.intercept, t.burden_weight, t.size_weight,
                              t.anxiety_weight, t.friend_weight, t.overestimation, t.local_weight, start, end)
    perceive_rows(np.exp(exponents), state.group, state.attitude, state.threat, t.enabled, t.attitude_weight, top,
                  start, end)


def standing(state, burden: np.ndarray, reference: np.ndarray, local_arriving_share: np.ndarray,
             city_arriving_share: float, t, top: float, receiving: np.ndarray | None = None,
             threads: Threads = SERIAL, out: np.ndarray | None = None) -> np.ndarray:
    """Everyone's standing part T of the attitude (the mechanism's `weigh_threat` once its references are
    taken): `burden` and `reference` the believed burden and threat when the run's own weeks began; `receiving`
    the receiving members in id order (None: found here). Points and T in blocks on `threads`; the group's mean
    in between over the whole. T is written over the points (each person's from their own), into `out` when
    given (every entry rewritten: a caller's last T), else into a new array."""
    rest_of_city = (1.0 - t.local_weight) * city_arriving_share
    points = np.empty(state.n) if out is None else out

    def weigh(start: int, end: int) -> None:
        exponents = exponents_at(burden, state.neighbourhood, local_arriving_share, rest_of_city, state.anxiety,
                                 state.outgroup_friends, t.intercept, t.burden_weight, t.size_weight,
                                 t.anxiety_weight, t.friend_weight, t.overestimation, t.local_weight, start, end)
        standing_rows(np.exp(exponents), state.group, reference, t.attitude_weight, top, points, start, end)

    threads.each_block(weigh, state.n, BLOCK_ROWS)
    members = points[np.flatnonzero(state.group == RECEIVING) if receiving is None else receiving]
    mean = np.add.reduce(members) / len(members) if len(members) else 0.0
    threads.each_block(lambda start, end: centre_rows(points, state.group, mean, points, start, end), state.n,
                       BLOCK_ROWS)
    return points


def shift(attitude: np.ndarray, component: np.ndarray, restore: bool, top: float, start: int, end: int) -> None:
    """The attitudes start..end without their standing part (`without_threat`) or, with `restore`, with it again
    (`with_threat`): the mechanism's `set_aside_threat` and `restore_threat` over a range of rows."""
    shift_rows(attitude, component, restore, top, start, end)
