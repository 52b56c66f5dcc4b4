"""Direct intergroup contact (the contact hypothesis): how often people meet on every contact block
(quantity), how good their encounters are (Allport's conditions), whether each side experiences them as
positive or negative, and the week's totals (model/mechanisms/attitudes.py moves views with them).

Parameters: `contact.*` (conf/contact/default.yaml); rules in model/rules/contact.py, selection.py,
generalisation.py and partner.py.
"""

import numpy as np

from bridges.model.mechanisms.base import PUBLIC, Each, Mechanism, Phase, StateVar, setting_kind, static_index
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import generalisation as generalisation_rules
from bridges.model.rules import partner as partner_rules
from bridges.model.rules import people as people_rules
from bridges.model.rules import selection as selection_rules
from bridges.model.state import THERMOMETER_MAX


def meet(model) -> None:
    """Quantity: this week's encounters on every live intergroup tie of every contact block.

    On the city's ties and in public space the rate follows both people's willingness and friendship, and
    in chosen settings their attitude and trust (`contact.selection`); programme meetings keep the
    programme's attendance.
    """
    state, p = model.state, model.params
    sel = p.contact.selection
    ready = contact_rules.willingness(state.anxiety, state.distress, state.responsibility, p.contact.willingness)
    if p.contact.settling.enabled:  # each person's sociability (model/mechanisms/settling.py)
        ready = ready * state.sociability
    choice = selection_rules.choice_factor(state.attitude, state.trust, sel, THERMOMETER_MAX) if sel.enabled else None
    for block in model.contact_blocks():
        source, target = block.source, block.target
        rate = contact_rules.live_rate(block.rate, block.live, block.needs_employment, state.employed[source],
                                       state.employed[target])
        if block.voluntary:
            rate = contact_rules.encounter_rate(
                rate, ready[source], ready[target],
                friendship_rules.meeting_factor(block.friend, p.dynamics.friendship))
            if choice is not None:
                # Only the city's ties have layers; a voluntary block without them is public space (one kind).
                chosen = (selection_rules.chosen_ties(np.array([PUBLIC]), sel) if block.layer is None
                          else static_index(model, "chosen_city_ties", lambda: selection_rules.chosen_ties(
                              setting_kind(model, block), sel)))
                rate = selection_rules.chosen_rate(rate, chosen, choice[source], choice[target])
        block.encounters = contact_rules.draw_encounters(
            rate, model.streams.uniform(block.stream("meet"), model.steps, block.size))


def judge_quality(model) -> None:
    """Quality of each tie's encounters this week from its setting and the two people; NaN on ties without
    encounters (nothing to judge, so nothing is computed there)."""
    state, q = model.state, model.params.contact.quality
    for block in model.contact_blocks():
        met = np.flatnonzero(block.encounters)
        source, target = block.source[met], block.target[met]
        block.quality = np.full(block.size, np.nan)
        block.quality[met] = contact_rules.contact_quality(
            block.conditions[met],
            contact_rules.shared_language(state.language[source], state.language[target]),
            contact_rules.pair_mean(state.anxiety[source], state.anxiety[target]),
            contact_rules.pair_mean(state.distress[source], state.distress[target]),
            q)


def joined(arrays: list[np.ndarray], dtype=float) -> np.ndarray:
    """The arrays end to end (an empty array of `dtype` when there are none)."""
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


def judge_valence(model) -> None:
    """Each side of each encounter experiences it as positive or negative; with `contact.partner` on, the
    other side's prejudice counts too.

    Ties without encounters have nothing to judge (zero positive and negative), so only ties with encounters
    are computed, from each side's full-size draw; the rules are elementwise, so every block's and side's
    ties go through them together, in one call each."""
    state, partner = model.state, model.params.contact.partner
    sides = []  # (block, side, ties with encounters, the person on this side, the other person)
    for block in model.contact_blocks():
        met = np.flatnonzero(block.encounters)
        sides += [(block, "source", met, block.source[met], block.target[met]),
                  (block, "target", met, block.target[met], block.source[met])]
    people, other = joined([side[3] for side in sides], np.int64), joined([side[4] for side in sides], np.int64)
    offset = model.params.contact.valence_offset_for(state.group[people])
    if partner.enabled:
        offset = offset + partner_rules.partner_shift(state.attitude[other], partner, THERMOMETER_MAX)
    quality = joined([block.quality[met] for block, _, met, _, _ in sides])
    p_positive = contact_rules.spare_negative(contact_rules.positive_probability(quality, offset),
                                                    joined([block.negative_reduction[met] for block, _, met, _, _ in sides]))
    u = joined([model.streams.uniform(block.stream(f"valence.{side}"), model.steps, block.size)[met]
                for block, side, met, _, _ in sides])
    encounters = joined([block.encounters[met] for block, _, met, _, _ in sides], np.int64)
    positive, negative = contact_rules.draw_valence(encounters, p_positive, u)
    ends = np.cumsum([met.size for _, _, met, _, _ in sides])
    for (block, side, met, _, _), end in zip(sides, ends):
        block.positive[side], block.negative[side] = (np.zeros(block.size, dtype=np.int64) for _ in range(2))
        block.positive[side][met], block.negative[side][met] = positive[end - met.size:end], negative[end - met.size:end]


def tally_contacts(model) -> None:
    """Per-person totals this week (raw, and weighted: friend encounters count more, and with
    `contact.generalisation` on each encounter carries to the group by salience and novelty), and running
    counters."""
    state, week, f, gen = model.state, model.week, model.params.dynamics.friendship, model.params.contact.generalisation
    totals = {name: np.zeros(state.n) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
    for block in model.contact_blocks():
        # Only ties with encounters count (the others would add exact zeros to the sums).
        met = np.flatnonzero(block.encounters)
        weight = friendship_rules.contact_weight(block.friend[met], f)
        if gen.enabled:
            weight = weight * generalisation_rules.generalisation_weight(block.met[met], block.name == PUBLIC, gen)
        weight = np.broadcast_to(weight, met.size)
        for side, people in (("source", block.source[met]), ("target", block.target[met])):
            for valence, counts in (("positive", block.positive[side][met]), ("negative", block.negative[side][met])):
                raw, weighted = contact_rules.tally(state.n, people, counts, weight)
                totals[valence] += raw
                totals[f"{valence}_weighted"] += weighted
    week.positive, week.negative = totals["positive"].astype(np.int64), totals["negative"].astype(np.int64)
    week.positive_weighted, week.negative_weighted = totals["positive_weighted"], totals["negative_weighted"]
    encounters = week.positive + week.negative
    state.positive_contacts += week.positive
    state.negative_contacts += week.negative
    state.intergroup_contacts += encounters
    state.recent_encounters[:] = people_rules.running_average(
        state.recent_encounters, encounters, model.params.dynamics.recent_contact_weight)


# ---- the agents engine: one resident's share of each phase -----------------------------------------
def index_ties(model) -> None:
    """For every contact block, each resident's ties at each end (this week's blocks; programmes change)."""
    model.tie_index = {}
    for block in model.contact_blocks():
        model.tie_index[block.name] = {}
        for side, people in (("source", block.source), ("target", block.target)):
            order = np.argsort(people, kind="stable")
            start = np.concatenate([[0], np.cumsum(np.bincount(people, minlength=model.state.n))])
            model.tie_index[block.name][side] = (order, start)


def open_week(model) -> None:
    """Index this week's ties by resident, and blank per-tie and per-person results for the residents to fill in."""
    index_ties(model)
    for block in model.contact_blocks():
        block.encounters = np.zeros(block.size, dtype=np.int64)
        block.quality = np.zeros(block.size)
        block.positive = {side: np.zeros(block.size, dtype=np.int64) for side in ("source", "target")}
        block.negative = {side: np.zeros(block.size, dtype=np.int64) for side in ("source", "target")}
    n = model.state.n
    model.week.positive, model.week.negative = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    model.week.positive_weighted, model.week.negative_weighted = np.zeros(n), np.zeros(n)


def resident_meet(resident) -> None:
    """Encounters on the ties this resident starts (each tie is met once, by its source end); in chosen
    settings both people's attitude and trust scale the rate (`contact.selection`)."""
    model, state, p, me = resident.model, resident.model.state, resident.model.params, resident.me
    sel = p.contact.selection
    for block in model.contact_blocks():
        mine = resident.ties(block, "source")
        if not mine.size:
            continue
        partners = block.target[mine]
        rate = contact_rules.live_rate(block.rate[mine], block.live[mine], block.needs_employment[mine],
                                       state.employed[me], state.employed[partners])
        if block.voluntary:
            ready = contact_rules.willingness(state.anxiety[me], state.distress[me],
                                              state.responsibility[me], p.contact.willingness)
            ready_partners = contact_rules.willingness(state.anxiety[partners], state.distress[partners],
                                                       state.responsibility[partners], p.contact.willingness)
            if p.contact.settling.enabled:  # each person's sociability (model/mechanisms/settling.py)
                ready, ready_partners = ready * state.sociability[me], ready_partners * state.sociability[partners]
            rate = contact_rules.encounter_rate(rate, ready, ready_partners,
                                                friendship_rules.meeting_factor(block.friend[mine], p.dynamics.friendship))
            if sel.enabled:
                choice = selection_rules.choice_factor(state.attitude[me], state.trust[me], sel, THERMOMETER_MAX)
                choice_partners = selection_rules.choice_factor(state.attitude[partners], state.trust[partners],
                                                                sel, THERMOMETER_MAX)
                chosen = selection_rules.chosen_ties(setting_kind(model, block)[mine], sel)
                rate = selection_rules.chosen_rate(rate, chosen, choice, choice_partners)
        block.encounters[mine] = contact_rules.draw_encounters(rate, model.rng.random(mine.size))


def resident_judge_quality(resident) -> None:
    """Quality of the encounters on the ties this resident starts."""
    model, state = resident.model, resident.model.state
    for block in model.contact_blocks():
        mine = resident.ties(block, "source")
        if not mine.size:
            continue
        partners = block.target[mine]
        block.quality[mine] = contact_rules.contact_quality(
            block.conditions[mine],
            contact_rules.shared_language(state.language[resident.me], state.language[partners]),
            contact_rules.pair_mean(state.anxiety[resident.me], state.anxiety[partners]),
            contact_rules.pair_mean(state.distress[resident.me], state.distress[partners]),
            model.params.contact.quality)


def resident_judge_valence(resident) -> None:
    """How this resident experienced each of its encounters: positive or negative; with `contact.partner`
    on, the partner's prejudice counts too."""
    model, state, partner = resident.model, resident.model.state, resident.model.params.contact.partner
    own_offset = model.params.contact.valence_offset_for(state.group[resident.me])
    for block in model.contact_blocks():
        for side, other in (("source", block.target), ("target", block.source)):
            mine = resident.ties(block, side)
            if not mine.size:
                continue
            offset = own_offset
            if partner.enabled:
                offset = offset + partner_rules.partner_shift(state.attitude[other[mine]], partner,
                                                              THERMOMETER_MAX)
            p_positive = contact_rules.spare_negative(
                contact_rules.positive_probability(block.quality[mine], offset), block.negative_reduction[mine])
            block.positive[side][mine], block.negative[side][mine] = contact_rules.draw_valence(
                block.encounters[mine], p_positive, model.rng.random(mine.size))


def resident_tally_contacts(resident) -> None:
    """This resident's contact this week (raw, and weighted: friend encounters count more, and with
    `contact.generalisation` on each carries to the group by salience and novelty) and its history."""
    model, state, week = resident.model, resident.model.state, resident.model.week
    f, gen = model.params.dynamics.friendship, model.params.contact.generalisation
    totals = {name: np.zeros(1) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
    for block in model.contact_blocks():
        for side in ("source", "target"):
            mine = resident.ties(block, side)
            if not mine.size:
                continue
            weight = friendship_rules.contact_weight(block.friend[mine], f)
            if gen.enabled:
                weight = weight * generalisation_rules.generalisation_weight(block.met[mine],
                                                                             block.name == PUBLIC, gen)
            for valence in ("positive", "negative"):
                counts = getattr(block, valence)[side][mine]
                raw, weighted = contact_rules.tally(1, np.zeros(mine.size, dtype=np.int64), counts, weight)
                totals[valence] += raw
                totals[f"{valence}_weighted"] += weighted
    for name, total in totals.items():
        getattr(week, name)[resident.me] = total
    encounters = week.positive[resident.me] + week.negative[resident.me]
    state.positive_contacts[resident.me] += week.positive[resident.me]
    state.negative_contacts[resident.me] += week.negative[resident.me]
    state.intergroup_contacts[resident.me] += encounters
    state.recent_encounters[resident.me] = people_rules.running_average(
        state.recent_encounters[resident.me], encounters, model.params.dynamics.recent_contact_weight)


MECHANISM = Mechanism(
    name="contact",
    params=("contact.willingness", "contact.quality", "contact.valence_offset", "contact.selection",
            "contact.generalisation", "contact.partner"),
    state=(
        StateVar("recent_encounters", "float64", "0"),
        StateVar("intergroup_contacts", "int64", "0"),
        StateVar("positive_contacts", "int64", "0"),
        StateVar("negative_contacts", "int64", "0"),
    ),
    attributes=("tie_index",),
    phases=(
        Phase(
            meet,
            reads=("state.anxiety", "state.distress", "state.responsibility", "state.sociability", "state.employed",
                   "state.attitude", "state.trust", "block.rate", "block.live", "block.needs_employment", "block.voluntary",
                   "block.friend", "block.layer", "block.source", "block.target", "model.static_index"),
            writes=("block.encounters",),
            agents=(open_week, Each(resident_meet))),
        Phase(
            judge_quality,
            reads=("state.language", "state.anxiety", "state.distress", "block.conditions", "block.encounters",
                   "block.source", "block.target"),
            writes=("block.quality",),
            agents=(Each(resident_judge_quality),)),
        Phase(
            judge_valence,
            reads=("state.group", "state.attitude", "block.quality", "block.encounters", "block.negative_reduction",
                   "block.source", "block.target"),
            writes=("block.positive", "block.negative"),
            agents=(Each(resident_judge_valence),)),
        Phase(
            tally_contacts,
            reads=("block.encounters", "block.positive", "block.negative", "block.friend", "block.met", "block.name", "block.source",
                   "block.target", "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
                   "state.recent_encounters"),
            writes=("week.positive", "week.negative", "week.positive_weighted", "week.negative_weighted",
                    "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
                    "state.recent_encounters"),
            agents=(Each(resident_tally_contacts),)),
    ),
    metrics=("intergroup_contact_share", "positive_contact_share", "negative_contact_share", "encounters_per_person"),
)
