"""The weekly step: one ordered list of phases, each calling the rules in `model/rules/`.

    STEP_ORDER = (meet, judge_quality, judge_valence, update_people, record)

A phase reads the model's arrays, calls pure rules, and writes the result to `model.week` (this
week's scratch) or `model.state`. Random numbers come from streams named after the phase, drawn at a
fixed size per tie, so scenarios share them (common random numbers).
"""

import numpy as np

from model.metrics import group_metrics
from model.rules.contact import (
    contact_quality,
    contact_update,
    draw_encounters,
    draw_valence,
    encounter_rate,
    positive_probability,
    willingness,
)
from model.state import THERMOMETER_MAX


def meet(model) -> None:
    """Quantity: draw this week's encounters on every intergroup tie from its layer's rate."""
    state, ties, p = model.state, model.ties, model.params.contact.willingness
    ready = willingness(state.anxiety, state.distress, p.anxiety, p.distress, p.floor)
    rate = encounter_rate(ties.rate, ready[ties.source], ready[ties.target])
    model.week.encounters = draw_encounters(rate, model.streams.uniform("meet", model.steps, ties.size))


def judge_quality(model) -> None:
    """Quality of each intergroup tie's encounters from its setting and the two people."""
    state, ties, q = model.state, model.ties, model.params.contact.quality
    source, target = ties.source, ties.target
    model.week.quality = contact_quality(
        ties.conditions, model.condition_weights, q.intercept,
        np.minimum(state.language[source], state.language[target]), q.shared_language,
        0.5 * (state.anxiety[source] + state.anxiety[target]), q.anxiety,
        0.5 * (state.distress[source] + state.distress[target]), q.distress,
    )


def judge_valence(model) -> None:
    """Each side of each encounter experiences it as positive or negative; totals per person."""
    state, ties, week = model.state, model.ties, model.week
    week.positive = np.zeros(state.n, dtype=np.int64)
    week.negative = np.zeros(state.n, dtype=np.int64)
    for side, people in (("source", ties.source), ("target", ties.target)):
        p_positive = positive_probability(week.quality, model.valence_offset[state.group[people]])
        u = model.streams.uniform(f"valence.{side}", model.steps, ties.size)
        positive, negative = draw_valence(week.encounters, p_positive, u)
        week.positive += np.bincount(people, weights=positive, minlength=state.n).astype(np.int64)
        week.negative += np.bincount(people, weights=negative, minlength=state.n).astype(np.int64)


def update_people(model) -> None:
    """Attitude, anxiety and trust move with the week's positive and negative contact."""
    state, week, u = model.state, model.week, model.params.contact.update
    susceptibility = model.susceptibility[state.group]
    pos, neg, k = week.positive, week.negative, u.negativity_weight
    state.attitude[:] = contact_update(state.attitude, pos, neg, u.attitude_step * susceptibility, k, THERMOMETER_MAX, 0.0)
    state.anxiety[:] = contact_update(state.anxiety, pos, neg, u.anxiety_step * susceptibility, k, 0.0, 1.0)
    state.trust[:] = contact_update(state.trust, pos, neg, u.trust_step * susceptibility, k, 1.0, 0.0)
    state.positive_contacts += pos
    state.negative_contacts += neg
    state.intergroup_contacts += pos + neg


def record(model) -> None:
    """Append this week's metrics per group to the model's tidy records."""
    model.records.extend((model.steps, group, metric, value)
                         for group, metric, value in group_metrics(model.state, model.week.positive, model.week.negative))


STEP_ORDER = (meet, judge_quality, judge_valence, update_people, record)
"""The phases of one week, in order."""
