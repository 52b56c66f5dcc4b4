"""Receiving members' beliefs about arriving members: pure functions over arrays.

Beliefs start biased (education and employment underestimated, welfare overestimated: FOCUS), drift
toward a media prior, and move toward what people observe of the arriving members they meet.
"""

from typing import TYPE_CHECKING

import numpy as np

from bridges.model.params_city import BELIEFS
from bridges.model.ranges import EDUCATION_LEVELS, GROUPS

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.params import DynamicsParams

HIGHER_EDUCATION = EDUCATION_LEVELS.index("higher")
RECEIVING, ARRIVING = GROUPS.index("receiving"), GROUPS.index("arriving")


def facts(higher_education, employed) -> np.ndarray:
    """What is true of arriving members, one column per topic in BELIEFS order: higher education, in
    work, on welfare. Welfare receipt = not in paid work (refugees without earnings receive benefits).

    The same rule serves one person (0/1 values: what an encounter shows an observer) and a community
    (shares: the facts beliefs are measured against), so the three topics are defined once.
    """
    return np.stack(np.broadcast_arrays(higher_education, employed, 1.0 - employed), axis=-1)


def person_facts(education: np.ndarray, employed: np.ndarray) -> np.ndarray:
    """Each person's own facts (rows: people, columns: BELIEFS) as 0/1 values."""
    return facts((education == HIGHER_EDUCATION).astype(float), employed.astype(float))


def true_shares(group: np.ndarray, education: np.ndarray, employed: np.ndarray) -> np.ndarray:
    """The facts about arriving members as shares (BELIEFS order); NaN when there are none."""
    arriving = group == ARRIVING
    if not arriving.any():
        return np.full(len(BELIEFS), np.nan)
    return facts(np.mean(education[arriving] == HIGHER_EDUCATION), np.mean(employed[arriving]))


def observer_and_partner(source: np.ndarray, target: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per intergroup tie: the receiving member, who observes, and the arriving partner, who is observed."""
    receiving_side = group[source] == RECEIVING
    return np.where(receiving_side, source, target), np.where(receiving_side, target, source)


def observations(n_people: int, observer: np.ndarray, encounters: np.ndarray, partner_value: np.ndarray,
                 community_value: float, personal_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Per observer: what this week's encounters on one set of ties showed, and how many there were.

    An encounter shows the partner's own situation (weight `personal_weight`) and what the partner
    tells of their community (the true share, the rest); the result is averaged over encounters.
    """
    seen = np.bincount(observer, weights=encounters, minlength=n_people)
    return observed_mean(n_people, observer, encounters, partner_value, community_value, personal_weight, seen), seen


def observed_mean(n_people: int, observer: np.ndarray, encounters: np.ndarray, partner_value: np.ndarray,
                  community_value: float, personal_weight: float, seen: np.ndarray) -> np.ndarray:
    """The mean of `observations`, given each observer's encounter count `seen` (shared by every topic)."""
    shown = personal_weight * partner_value + (1.0 - personal_weight) * community_value
    total = np.bincount(observer, weights=encounters * shown, minlength=n_people)
    return np.divide(total, seen, out=np.zeros(n_people), where=seen > 0)


def pooled_observations(n_people: int, sightings: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                        truth: np.ndarray, d: "DynamicsParams") -> tuple[np.ndarray, np.ndarray]:
    """What all of this week's encounters showed each observer (rows: people, columns: BELIEFS), and
    how many encounters they observed.

    `sightings` holds one (observer, encounters, partner facts) per set of ties; each set's mean
    (`observations`, with `belief_personal_weight`) is weighted by its encounters, so every encounter
    counts once.
    """
    shown_total = np.zeros((n_people, len(truth)))
    seen = np.zeros(n_people)
    for observer, encounters, partner_facts in sightings:
        count = np.bincount(observer, weights=encounters, minlength=n_people)
        for column, community_value in enumerate(truth):
            shown = observed_mean(n_people, observer, encounters, partner_facts[:, column], community_value,
                                  d.belief_personal_weight, count)
            shown_total[:, column] += shown * count
        seen += count
    return np.divide(shown_total, seen[:, None], out=np.zeros_like(shown_total), where=seen[:, None] > 0), seen


def update_belief(belief: np.ndarray, observed: np.ndarray, encounters: np.ndarray, media_prior: float,
                  d: "DynamicsParams") -> np.ndarray:
    """b' = b + m (prior - b) + (1 - (1 - o)^n) (observed - b), n = encounters observed this week,
    m = belief_media_drift, o = belief_observation."""
    learned = 1.0 - (1.0 - d.belief_observation) ** encounters
    return np.clip(belief + d.belief_media_drift * (media_prior - belief) + learned * (observed - belief), 0.0, 1.0)


def misperception(beliefs, truth: np.ndarray) -> np.ndarray:
    """Mean absolute gap between each person's beliefs and the truth; `beliefs` holds one array over the people per
    topic (BELIEFS order: a (topics, people) array or a sequence of the state's arrays, which a city's metrics pass
    without stacking them). Topic by topic, into one array: a million people's stacked beliefs and the gap's
    temporaries had been the peak of a week's records (~45 MB)."""
    gap = np.array(beliefs[0], dtype=float)  # a copy: the beliefs given stay as they are
    gap -= truth[0]
    np.abs(gap, out=gap)
    for topic in range(1, len(truth)):
        part = np.subtract(beliefs[topic], truth[topic])
        gap += np.abs(part, out=part)
    gap /= len(truth)
    return gap
