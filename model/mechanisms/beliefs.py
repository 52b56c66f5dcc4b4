"""Beliefs: receiving members' beliefs about arriving members (their education, employment and welfare)
drift toward the media prior and toward what they see in the arriving partners they meet.

Parameters: `dynamics.belief_media_drift`, `dynamics.belief_observation`, `dynamics.belief_personal_weight`, `city.beliefs`; rules in model/rules/beliefs.py.
"""

import numpy as np

from bridges.model.mechanisms.base import BELIEF_FIELDS, Each, Mechanism, Metric, Phase, StateVar
from bridges.model.params_city import BELIEFS
from bridges.model.ranges import RECEIVING
from bridges.model.rules import beliefs as belief_rules


def update_beliefs(model) -> None:
    """Receiving members' beliefs drift toward the media prior and toward what they see in partners.

    Only this week's observers are pooled (numbered 0..m-1 in id order, so every sum adds the same terms in
    the same order as over everyone); everyone else is the rule with no encounters. Arriving members'
    beliefs are NaN and stay NaN, so the drift runs over whole arrays."""
    state, d = model.state, model.params.dynamics
    truth = belief_rules.true_shares(state.group, state.education, state.employed)
    sightings = []
    for block in model.contact_blocks():
        # Only ties with encounters this week show anything (the others would add exact zeros to the sums).
        met = np.flatnonzero(block.encounters)
        observer, partner = belief_rules.observer_and_partner(block.source[met], block.target[met], state.group)
        sightings.append((observer, block.encounters[met],
                          belief_rules.person_facts(state.education[partner], state.employed[partner])))
    observers, number = observer_numbers(state.n, [observer for observer, _, _ in sightings])
    shown, seen = belief_rules.pooled_observations(
        len(observers), [(number[observer], encounters, facts) for observer, encounters, facts in sightings], truth, d)
    for column, topic in enumerate(BELIEFS):
        belief, prior = state.belief(topic), model.params.city.beliefs.media_prior[topic]
        observed = belief_rules.update_belief(belief[observers], shown[:, column], seen, prior, d)
        belief[:] = belief_rules.update_belief(belief, 0.0, 0, prior, d)
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


def observe_truth(model) -> None:
    """What arriving members are really like this week (what partners tell of their community)."""
    state = model.state
    model.truth = belief_rules.true_shares(state.group, state.education, state.employed)


def resident_update_beliefs(resident) -> None:
    """A receiving resident's beliefs: media drift, and what its arriving partners showed this week."""
    model, state, d = resident.model, resident.model.state, resident.model.params.dynamics
    if state.group[resident.index] != RECEIVING:
        return
    sightings = []
    for block in model.contact_blocks():
        for side in ("source", "target"):
            mine = resident.ties(block, side)
            if not mine.size:
                continue
            observer, partner = belief_rules.observer_and_partner(block.source[mine], block.target[mine],
                                                                  state.group)
            watched = observer == resident.index
            partner = partner[watched]
            sightings.append((np.zeros(partner.size, dtype=np.int64), block.encounters[mine][watched],
                              belief_rules.person_facts(state.education[partner], state.employed[partner])))
    shown, seen = belief_rules.pooled_observations(1, sightings, model.truth, d)
    for column, topic in enumerate(BELIEFS):
        belief = state.belief(topic)
        belief[resident.me] = belief_rules.update_belief(belief[resident.me], shown[:, column], seen,
                                                     model.params.city.beliefs.media_prior[topic], d)


def belief_gap(state, week, members):
    """Metric misperception_mean: each member's mean absolute gap between beliefs and the true shares."""
    beliefs = np.stack([state.belief(topic)[members] for topic in BELIEFS]).T  # rows people, columns topics
    return belief_rules.misperception(beliefs, belief_rules.true_shares(state.group, state.education, state.employed))


MECHANISM = Mechanism(
    name="beliefs",
    after="norms",
    params=("dynamics.belief_media_drift", "dynamics.belief_observation", "dynamics.belief_personal_weight", "city.beliefs"),
    state=tuple(StateVar(f"belief_{topic}", "float64", f"receiving: drawn (city.beliefs.{topic}); arriving: NaN")
                for topic in BELIEFS),
    attributes=("truth",),
    phases=(
        Phase(
            update_beliefs,
            reads=("state.group", "state.education", "state.employed", *BELIEF_FIELDS, "block.encounters",
                   "block.source", "block.target"),
            writes=BELIEF_FIELDS,
            agents=(observe_truth, Each(resident_update_beliefs)),
            history=False),
    ),
    metrics=(Metric("misperception_mean", belief_gap, groups=(RECEIVING,), rank=10),),
)
