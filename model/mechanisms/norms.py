"""Ingroup norms: with `dynamics.norms` on, attitude, anxiety and trust drift toward the perceived ingroup
norm (friends, neighbourhood, wider society, each anchored at its week-0 value) and ingroup friends'
cross-group friendships warm the attitude norm and ease anxiety (extended contact). Off: extended contact
warms attitudes by a fixed weekly step.

Parameters: `dynamics.norms`, `dynamics.extended_contact_step`; rules in model/rules/norms.py and
friendship.py. `model.views_at_start` holds each view's anchor (start, friends' start per person, and each
(neighbourhood, group) cell's start): set at week 0 here, re-anchored by the spin-up (model.py `anchor_views`);
`model.neighbourhood_views` each cell's mean this week (a resident's cell: `ingroup_cells`).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.errors import InputError
from bridges.model.mechanisms.base import (ALL, Key, Mechanism, Phase, Rows, VIEWS, VIEW_RANGES, reusable, rows_of,
                                           static_index)
from bridges.model.ranges import NON_NEGATIVE, THERMOMETER_MAX, UNIT, bounded, per_group
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import norms as norm_rules


@dataclass(frozen=True)
class NormParams:
    """Drift toward the perceived ingroup norm; extended contact through norm and anxiety."""

    enabled: bool
    rate: float = field(metadata=UNIT)
    friends_weight: float = field(metadata=NON_NEGATIVE)
    neighbourhood_weight: float = field(metadata=NON_NEGATIVE)
    own_weight: float = field(metadata=NON_NEGATIVE)
    extended_signal: float = field(metadata=UNIT)
    extended_anxiety_relief: float = field(metadata=UNIT)

    def __post_init__(self):
        if self.friends_weight + self.neighbourhood_weight + self.own_weight <= 0:
            raise InputError("friends_weight: the three norm weights must not all be 0")


@dataclass(frozen=True)
class DispositionParams:
    """Views as dispositions: the surveyed views are the stationary state of each person's usual contact."""

    enabled: bool
    history_weeks: int = field(metadata=bounded(1, 1040, "weeks", "twenty years"))


COMPILED = "bridges.model.rules.norms_compiled"
"""The module of this mechanism's compiled kernels (model/kernels.py)."""


def ingroup_cells(model) -> tuple[np.ndarray, int]:
    """Each resident's (neighbourhood, group) cell (norm_rules.ingroup_places), kept: fixed with the city."""
    state = model.state
    return static_index(model, "ingroup_places", lambda: norm_rules.ingroup_places(state.neighbourhood, state.group))


def ingroup_views(model, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's ingroup friends' mean of a view (their neighbourhood's if friendless) and each
    (neighbourhood, group) cell's mean of it (`ingroup_cells` numbers a resident's cell)."""
    cells = ingroup_cells(model)
    neighbourhood = norm_rules.ingroup_cell_means(value, cells)
    return (norm_rules.friends_mean(value, model.ingroup_friends, model.ingroup_friend_count, neighbourhood[cells[0]]),
            neighbourhood)


def start_views(model) -> None:
    """Week 0: each view's starting value with its friends' starting mean and its cells' starting means (the
    anchors of `follow_norms`)."""
    state = model.state
    model.views_at_start = {name: (getattr(state, name).copy(), *ingroup_views(model, getattr(state, name)))
                            for name in VIEWS}


def observe_neighbourhoods(model) -> None:
    """With `dynamics.norms` on: each group's mean view in each neighbourhood this week, per (neighbourhood,
    group) cell (the neighbourhood part of the norm everyone perceives), and blank norms for the residents to
    perceive (compiled: last week's arrays written over, `last_weeks`)."""
    state = model.state
    if not model.params.dynamics.norms.enabled:
        return
    cells = ingroup_cells(model)
    compiled = kernels.load(COMPILED, state.n)
    if compiled is not None:  # every view's cells in one pass (rules/norms_compiled.py)
        model.neighbourhood_views = compiled.observe(cells, state)
        model.perceived_norms = (last_weeks(model, "perceived_norms")
                                 or dict(zip(VIEWS, np.zeros((len(VIEWS), state.n)))))
        return
    model.neighbourhood_views = {name: norm_rules.ingroup_cell_means(getattr(state, name), cells) for name in VIEWS}
    model.perceived_norms = {name: np.zeros(state.n) for name in VIEWS}


def last_weeks(model, name: str) -> dict | None:
    """Last week's arrays of the model attribute `name` (by view name) for the compiled pass to write over, or
    None (the first week, or a city of another size). The compiled week rewrites every entry of the perceived
    norms (`perceive_norms` over everyone), and new arrays of their size (24 MB each at a million) cost more than
    the pass: each page of a new array is zeroed by the system on first touch."""
    kept = getattr(model, name, None)
    if not kept or any(reusable(values, model.state.n) is None for values in kept.values()):
        return None
    return kept


def perceive_norms(model, who=ALL) -> None:
    """With `dynamics.norms` on: the ingroup norm the residents `who` perceive for each view (their friends',
    their neighbourhood's, their own start; ingroup friends' cross-group friendships warm the attitude
    norm), before anyone moves toward theirs."""
    state, n = model.state, model.params.dynamics.norms
    if not n.enabled:
        return
    compiled = compiled_norms(model, who) if who is ALL else None
    cell_of = ingroup_cells(model)[0]
    if compiled is not None:  # the same rules compiled, residents in blocks on the threads (rules/norms_compiled.py)
        compiled.perceive(model.ingroup_friends,
                          static_index(model, "unit_friendships", lambda: compiled.unit_weights(model.ingroup_friends)),
                          model.ingroup_friend_count, state.extended_contacts, state, cell_of,
                          model.neighbourhood_views, model.views_at_start, VIEW_RANGES, n, model.perceived_norms,
                          model.threads)
        return
    friends_of, friend_count = model.threads.rows(rows_of(model.ingroup_friends, who)), model.ingroup_friend_count[who]
    extended_share = norm_rules.extended_share(state.extended_contacts[who], friend_count)
    cells = cell_of[who]
    for name in VIEWS:
        neighbourhood = model.neighbourhood_views[name][cells]
        friends = norm_rules.friends_mean(getattr(state, name), friends_of, friend_count, neighbourhood)
        if name == "attitude":
            friends = norm_rules.extended_norm(friends, extended_share, n, THERMOMETER_MAX)
        start, friends_start, neighbourhood_start = model.views_at_start[name]
        model.perceived_norms[name][who] = norm_rules.perceived_norm(
            start[who], friends, friends_start[who], neighbourhood, neighbourhood_start[cells], n, *VIEW_RANGES[name])


def compiled_norms(model, who):
    """The compiled norm kernels when they run for this pass (the kernels on, model/kernels.py; they hold the
    three VIEWS), else None: perceiving over every resident, following over every resident or a range of them
    (a row block, `Rows.blocks`: its rule is elementwise)."""
    if not (who is ALL or (isinstance(who, slice) and who.step is None)) or model.ingroup_friends.format != "csr":
        return None
    return kernels.load(COMPILED, model.state.n)


def follow_norms(model, who=ALL) -> None:
    """With `dynamics.norms` on: the views of the residents `who` drift toward their perceived norms, and
    ingroup friends' outgroup friendships lower anxiety (extended contact). Off: extended contact warms
    attitudes by a fixed weekly step."""
    state, n = model.state, model.params.dynamics.norms
    if not n.enabled:
        state.attitude[who] = friendship_rules.extended_contact_update(
            state.attitude[who], state.extended_contacts[who], model.ingroup_friend_count[who],
            per_group(model.params.contact.susceptibility, state.group[who]), model.params.dynamics, THERMOMETER_MAX)
        return
    compiled = compiled_norms(model, who)
    if compiled is not None:  # the same rules compiled over the rows (model/rules/norms_compiled.py)
        compiled.follow(state, model.perceived_norms, model.ingroup_friend_count, state.extended_contacts, n,
                        *who.indices(state.n)[:2])
        return
    for name in VIEWS:
        value = getattr(state, name)
        value[who] = norm_rules.conform(value[who], model.perceived_norms[name][who], n)
    extended_share = norm_rules.extended_share(state.extended_contacts[who], model.ingroup_friend_count[who])
    state.anxiety[who] = norm_rules.extended_anxiety(state.anxiety[who], extended_share, n)


MECHANISM = Mechanism(
    name="norms",
    after="friendship",
    params=("dynamics.norms", "dynamics.extended_contact_step", "dynamics.disposition", "contact.susceptibility"),
    parameters={"dynamics.extended_contact_step": Key(float, UNIT), "dynamics.norms": NormParams,
                "dynamics.disposition": DispositionParams},
    attributes=("views_at_start", "usual_change", "neighbourhood_views", "perceived_norms"),
    phases=(
        Phase(
            follow_norms,
            reads=("state.extended_contacts", "state.attitude", "state.anxiety", "state.trust", "model.ingroup_friends",
                   "model.ingroup_friend_count", "model.views_at_start", "model.static_index"),
            writes=("state.attitude", "state.anxiety", "state.trust", "model.neighbourhood_views",
                    "model.perceived_norms"),
            steps=(observe_neighbourhoods, Rows(perceive_norms), Rows(follow_norms, blocks=True))),
    ),
    start=start_views,
)
