"""Beliefs: receiving members' beliefs about arriving members (their education, employment and welfare)
drift toward the media prior and toward what they see in the arriving partners they meet.

Parameters: `dynamics.belief_media_drift`, `dynamics.belief_observation`, `dynamics.belief_personal_weight`, `city.beliefs`; rules in model/rules/beliefs.py.
"""

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import (ALL, BELIEF_FIELDS, Key, Mechanism, Metric, Phase, Rows, StateVar, count,
                                           empty, first_row, inside, touching, with_encounters)
from bridges.model.params_city import BELIEFS
from bridges.model.ranges import RECEIVING, UNIT
from bridges.model.rules import beliefs as belief_rules


COMPILED = "bridges.model.rules.beliefs_compiled"
"""The module of this mechanism's compiled kernels (model/kernels.py)."""


def observe_truth(model) -> None:
    """What arriving members are really like this week (what partners tell of their community)."""
    state = model.state
    compiled = kernels.load(COMPILED, state.n)
    shares = belief_rules.true_shares if compiled is None else compiled.true_shares
    model.truth = shares(state.group, state.education, state.employed)


def update_beliefs(model, who=ALL) -> None:
    """Beliefs of the receiving members among `who` drift toward the media prior and toward what they see in
    the arriving partners they met this week.

    Only this week's observers are pooled (numbered in id order from the first row of `who`, so every sum
    adds the same terms in the same order as over everyone); everyone else is the rule with no encounters.
    Arriving members' beliefs are NaN and stay NaN, so the drift runs over whole arrays."""
    state, d = model.state, model.params.dynamics
    compiled = kernels.load(COMPILED, state.n) if who is ALL else None
    if compiled is not None:  # the same rules compiled: every block, then every resident, in blocks of residents
        compiled.update(state, model.contact_blocks(), model.truth, model.params.city.beliefs.media_prior, d,
                        model.threads)
        return
    first, rows = first_row(who), count(who, state.n)
    sightings = []
    for block in model.contact_blocks():
        ties = touching(model, block, who)
        if empty(ties):
            continue
        # Only ties with encounters this week show anything (the others would add exact zeros to the sums).
        met = with_encounters(block, ties)
        observer, partner = belief_rules.observer_and_partner(block.source[met], block.target[met], state.group)
        watched = inside(observer, who)
        partner = partner[watched]
        sightings.append((observer[watched] - first, block.encounters[met][watched],
                          belief_rules.person_facts(state.education[partner], state.employed[partner])))
    observers, number = observer_numbers(rows, [observer for observer, _, _ in sightings])
    shown, seen = belief_rules.pooled_observations(
        len(observers), [(number[observer], encounters, facts) for observer, encounters, facts in sightings],
        model.truth, d)
    observers = observers + first
    for column, topic in enumerate(BELIEFS):
        belief, prior = state.belief(topic), model.params.city.beliefs.media_prior[topic]
        observed = belief_rules.update_belief(belief[observers], shown[:, column], seen, prior, d)
        belief[who] = belief_rules.update_belief(belief[who], 0.0, 0, prior, d)
        belief[observers] = observed


def observer_numbers(n_people: int, observers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct people in `observers` in id order, and a lookup from person id to their place in it."""
    seen = np.zeros(n_people, dtype=bool)
    for people in observers:
        seen[people] = True
    distinct = np.flatnonzero(seen)
    number = np.empty(n_people, dtype=np.int64)
    number[distinct] = np.arange(len(distinct))
    return distinct, number


def belief_gap(state, week, members):
    """Metric misperception_mean: each member's mean absolute gap between beliefs and the true shares."""
    return belief_rules.misperception([state.belief(topic)[members] for topic in BELIEFS],
                                      belief_rules.true_shares(state.group, state.education, state.employed))


MECHANISM = Mechanism(
    name="beliefs",
    after="norms",
    params=("dynamics.belief_media_drift", "dynamics.belief_observation", "dynamics.belief_personal_weight", "city.beliefs"),
    parameters={"dynamics.belief_media_drift": Key(float, UNIT), "dynamics.belief_observation": Key(float, UNIT),
                "dynamics.belief_personal_weight": Key(float, UNIT)},
    state=tuple(StateVar(f"belief_{topic}", "float64", f"receiving: drawn (city.beliefs.{topic}); arriving: NaN")
                for topic in BELIEFS),
    attributes=("truth",),
    phases=(
        Phase(
            update_beliefs,
            reads=("state.group", "state.education", "state.employed", *BELIEF_FIELDS, "block.encounters",
                   "block.source", "block.target"),
            writes=(*BELIEF_FIELDS, "model.truth"),
            steps=(observe_truth, Rows(update_beliefs)),
            history=False),
    ),
    metrics=(Metric("misperception_mean", belief_gap, groups=(RECEIVING,), rank=10),),
)
