"""The weekly step: one ordered list of phases, each calling the rules in `model/rules/`.

    STEP_ORDER = (deliver_interventions, gather_public_encounters, meet, judge_quality, judge_valence,
                  tally_contacts, remember_partners, update_attitudes, update_friendships, extended_contact,
                  follow_norms, update_beliefs, perceive_threat, update_livelihoods, update_wellbeing,
                  feel_discrimination, record, survey)

A phase only gathers arrays, calls pure rules and stores their results: every modelling decision is a
rule. Each phase declares what it reads and writes (`ACCESS`, a table next to STEP_ORDER), naming fields of
`model.state` (`state.X`), of this week's per-person scratch `model.week` (`week.X`), of every contact
block (`block.X`, model/ties.py: the city's intergroup ties and any programme's), and `blocks` (the
list of blocks), `interventions` (their enrolment and counters), `records` and `survey_waves`;
tests/test_step_plan.py checks that a phase writes and looks up nothing else. Random numbers come from streams named
after the phase (and block), drawn at a fixed size per tie or resident, so scenarios share them
(common random numbers).
"""

import time
from typing import NamedTuple

import numpy as np

from bridges.model.interventions import anti_discrimination
from bridges.model.params import BELIEFS
from bridges.model.rules import beliefs as belief_rules
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import encounters as encounter_rules
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import generalisation as generalisation_rules
from bridges.model.rules import negativity as negativity_rules
from bridges.model.rules import norms as norm_rules
from bridges.model.rules import partner as partner_rules
from bridges.model.rules import people as people_rules
from bridges.model.rules import selection as selection_rules
from bridges.model.rules import threat as threat_rules
from bridges.model.rules import turnover as turnover_rules
from bridges.model.rules import variability as variability_rules
from bridges.model.state import ARRIVING, RECEIVING, THERMOMETER_MAX
from bridges.model.ties import ContactBlock

BELIEF_FIELDS = tuple(f"state.belief_{topic}" for topic in BELIEFS)
PUBLIC = "public"
"""Name of the weekly block of incidental public-space encounters (its streams are prefixed with it)."""
FRESH_BLOCK_FIELDS = tuple(f"block.{name}" for name in (
    "source", "target", "rate", "conditions", "needs_employment", "strength", "friend", "live", "negative_reduction",
    "met", "encounters", "quality", "positive", "negative"))
"""Fields of the public block, which is made afresh every week."""
VIEWS = ("attitude", "anxiety", "trust")
"""Views of the outgroup that contact moves and norms anchor."""
VIEW_RANGES = {"attitude": (0.0, THERMOMETER_MAX), "anxiety": (0.0, 1.0), "trust": (0.0, 1.0)}
"""Each view's scale."""


def deliver_interventions(model) -> None:
    """Each intervention enrols, loses drop-outs, applies its effect and counts its cost this week."""
    model.ties.negative_reduction[:] = anti_discrimination.no_cut(model.ties.size)
    for intervention in model.interventions:
        intervention.deliver(model)


def gather_public_encounters(model) -> None:
    """Incidental encounters: this week's intergroup co-presences in public space become a fresh contact block
    (`model.public`) with public space's Allport conditions; none when `contact.incidental` is off."""
    i, state = model.params.contact.incidental, model.state
    if not i.enabled:
        model.public = None
        return
    size = state.n * i.opportunities
    source, target = encounter_rules.public_encounter_pairs(
        state.neighbourhood, state.group, i,
        model.streams.uniform(f"{PUBLIC}.where", model.steps, size), model.streams.uniform(f"{PUBLIC}.who", model.steps, size),
        static_index(model, "passing", lambda: encounter_rules.passing_index(state.neighbourhood, state.group, i)))
    model.public = ContactBlock.new(PUBLIC, source, target, np.full(len(source), i.rate),
                                    np.tile(i.conditions(), (len(source), 1)))


def static_index(model, name: str, compute):
    """`compute()` once per model and kept in `model.static_index[name]`: for indices of fields fixed when the
    city is built (group, neighbourhood), so weekly phases do not recompute them."""
    cache = model.__dict__.setdefault("static_index", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def setting_kind(model, block: ContactBlock) -> np.ndarray:
    """Per tie of a voluntary block: its layer's kind, or "public" for incidental encounters."""
    if block.layer is None:
        return np.full(block.size, PUBLIC)
    kinds = np.array([model.city.layer_params[name].kind for name in model.city.network.layer_names])
    return kinds[block.layer]


def meet(model) -> None:
    """Quantity: this week's encounters on every live intergroup tie of every contact block.

    On the city's ties and in public space the rate follows both people's willingness and friendship, and
    in chosen settings their attitude and trust (`contact.selection`); programme meetings keep the
    programme's attendance.
    """
    state, p = model.state, model.params
    sel = p.contact.selection
    ready = contact_rules.willingness(state.anxiety, state.distress, state.responsibility, p.contact.willingness)
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
    p_positive = anti_discrimination.spare_negative(contact_rules.positive_probability(quality, offset),
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


def remember_partners(model) -> None:
    """Count partners met for the first time and each tie's meetings so far, and keep the running average of
    positive encounters; perceived outgroup variability follows the distinct partners met (`dynamics.variability`)."""
    state, v = model.state, model.params.dynamics.variability
    state.positive_history[:] = negativity_rules.remember_positive(state.positive_history, model.week.positive,
                                                                   model.params.contact.negativity)
    for block in model.contact_blocks():
        state.distinct_partners += variability_rules.new_partners(block.met, block.encounters, block.source,
                                                                  block.target, state.n)
        block.met += block.encounters
    if v.enabled:
        state.variability[:] = variability_rules.perceived_variability(state.group, state.distinct_partners, v)


def update_attitudes(model) -> None:
    """Attitude, anxiety and trust move with the week's positive and negative contact; with
    `contact.negativity` on, on the log-odds with a negativity weight buffered by recent positive contact."""
    state, week, contact = model.state, model.week, model.params.contact
    susceptibility = contact.susceptibility_for(state.group)
    if not contact.negativity.enabled:
        state.attitude[:], state.anxiety[:], state.trust[:] = contact_rules.update_views(
            state.attitude, state.anxiety, state.trust, week.positive_weighted, week.negative_weighted,
            susceptibility, contact.update, THERMOMETER_MAX)
        return
    state.attitude[:], state.anxiety[:], state.trust[:] = negativity_rules.log_odds_views(
        state.attitude, state.anxiety, state.trust, week.positive_weighted, week.negative_weighted, susceptibility,
        state.positive_history, contact.update, contact.negativity, THERMOMETER_MAX)


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
    last = model.__dict__.get("extended_memo")  # (who had an outgroup friend, extended contacts) last week
    if last is None:
        extended = friendship_rules.extended_contacts(model.ingroup_friends, state.outgroup_friends)
    else:
        extended = last[1] + friendship_rules.extended_contacts_change(model.ingroup_friends, last[0], has_friend)
    model.extended_memo = (has_friend, extended)
    state.extended_contacts[:] = extended


def ingroup_views(model, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's ingroup friends' mean of a view (the neighbourhood's if friendless) and their own group's
    mean of it in their neighbourhood."""
    state = model.state
    neighbourhood = norm_rules.neighbourhood_ingroup_mean(
        value, state.neighbourhood, state.group,
        static_index(model, "ingroup_places", lambda: norm_rules.ingroup_places(state.neighbourhood, state.group)))
    return norm_rules.friends_mean(value, model.ingroup_friends, model.ingroup_friend_count, neighbourhood), neighbourhood


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


def current_threat(model) -> np.ndarray:
    """Receiving members' perceived threat from their beliefs, the arriving share they see, their anxiety
    and any cross-group friendship; NaN for arriving members."""
    state, t = model.state, model.params.dynamics.threat
    burden = threat_rules.economic_burden(state.belief_education, state.belief_employment, state.belief_welfare)
    perceived = threat_rules.perceived_outgroup_share(model.local_arriving_share[state.neighbourhood],
                                                      float(np.mean(state.group == ARRIVING)), t)
    level = threat_rules.threat_level(burden, perceived, state.anxiety, state.outgroup_friends > 0, t)
    return np.where(state.group == RECEIVING, level, np.nan)


def perceive_threat(model) -> None:
    """Perceived threat follows this week's beliefs, anxiety and friendships; with `dynamics.threat` on,
    its change moves receiving members' attitudes (information reaches attitudes only this way)."""
    state, t = model.state, model.params.dynamics.threat
    threat = current_threat(model)
    if t.enabled:
        receiving = static_index(model, "receiving", lambda: np.flatnonzero(state.group == RECEIVING))
        state.attitude[receiving] = threat_rules.threat_attitude_change(
            state.attitude[receiving], state.threat[receiving], threat[receiving], t, THERMOMETER_MAX)
    state.threat[:] = threat


def update_livelihoods(model) -> None:
    """Legal decisions, family reunification, courses, language and employment."""
    state, d, week = model.state, model.params.dynamics, model.week
    draw = lambda name: model.streams.uniform(name, model.steps, state.n)  # noqa: E731
    state.legal_pending[:] = people_rules.resolve_pending(state.legal_pending, draw("legal"), d.legal_determination_hazard)
    state.family_pending[:] = people_rules.resolve_pending(state.family_pending, draw("family"), d.family_reunification_hazard)
    state.language[:] = people_rules.improve_language(state.language, state.studying, week.positive + week.negative, d)
    state.studying[:] = people_rules.resolve_pending(state.studying, draw("courses"), d.course_exit_hazard)
    hazard = people_rules.job_finding_hazard(state.language, state.legal_pending, ~state.qualification_recognised,
                                             model.job_finding_rate, d.employment)
    state.employed[:] = people_rules.update_employment(state.employed, draw("employment"), hazard, d.employment)


def renew_arriving(model) -> None:
    """With `dynamics.turnover` on: arriving members who move on are replaced by newcomers in their place, who
    bring the legal, family, course, work and language state derived at construction (model.py
    `settle_turnover`) that holds the arriving community's make-up steady."""
    if model.turnover_rate <= 0.0:
        return
    state = model.state
    arriving = static_index(model, "arriving", lambda: np.flatnonzero(state.group == ARRIVING))
    newcomers = arriving[turnover_rules.leaving(model.streams.uniform("turnover", model.steps, arriving.size),
                                                model.turnover_rate)]
    if newcomers.size == 0:
        return
    flags = turnover_rules.FLAGS
    u = model.streams.generator("turnover.newcomers", model.steps).random((newcomers.size, len(flags)))
    drawn = turnover_rules.newcomer_flags(u, np.array([model.newcomer[name] for name in flags]))
    for column, name in enumerate(flags):
        getattr(state, name)[newcomers] = drawn[:, column]
    state.language[newcomers] = model.newcomer["language"]


def update_wellbeing(model) -> None:
    """Distress and belonging."""
    state, week, d = model.state, model.week, model.params.dynamics
    state.distress[:] = people_rules.update_distress(state.distress, state.group, state.legal_pending,
                                                     state.family_pending, week.negative, d.distress)
    state.belonging[:] = people_rules.update_belonging(state.belonging, state.group, week.positive, state.employed,
                                                       d.belonging)


def feel_discrimination(model) -> None:
    """With `dynamics.discrimination` on: arriving members' negative intergroup encounters build experienced
    discrimination, which raises distress and lowers belonging."""
    state, d = model.state, model.params.dynamics.discrimination
    if not d.enabled:
        return
    arriving = state.group == ARRIVING
    state.discrimination[arriving] = partner_rules.update_discrimination(
        state.discrimination[arriving], model.week.negative[arriving], d)
    state.distress[:], state.belonging[:] = partner_rules.discrimination_toll(
        state.distress, state.belonging, state.discrimination, d)


def initial_perceptions(model) -> None:
    """Week 0: perceived threat and outgroup variability before anyone has met, and each view's starting
    value with its friends' and neighbourhood's starting means (the anchors of `follow_norms`)."""
    state = model.state
    model.views_at_start = {name: (getattr(state, name).copy(), *ingroup_views(model, getattr(state, name)))
                            for name in VIEWS}
    state.threat[:] = current_threat(model)
    state.variability[:] = model.params.dynamics.variability.baseline_for(state.group)


def record(model) -> None:
    """Append this week's metrics per group to the model's tidy records."""
    model.record_metrics(with_contact=True)


def survey(model) -> None:
    """Field the virtual survey if this is a survey week."""
    model.field_survey_if_due()


class Access(NamedTuple):
    """What a phase reads and writes (see the module docstring for the names)."""

    reads: tuple[str, ...]
    writes: tuple[str, ...]


ACCESS = {
    "deliver_interventions": Access(
        reads=("state.*", "block.layer", "block.source", "block.target"),
        writes=("interventions", "blocks", "block.live", "block.rate", "block.negative_reduction", "state.distress",
                *BELIEF_FIELDS, "state.legal_pending", "state.family_pending", "state.qualification_recognised",
                "state.studying")),
    "gather_public_encounters": Access(
        reads=("state.neighbourhood", "state.group"),
        writes=("blocks", *FRESH_BLOCK_FIELDS)),
    "meet": Access(
        reads=("state.anxiety", "state.distress", "state.responsibility", "state.employed", "state.attitude",
               "state.trust", "block.rate", "block.live", "block.needs_employment", "block.voluntary",
               "block.friend", "block.layer", "block.source", "block.target"),
        writes=("block.encounters",)),
    "judge_quality": Access(
        reads=("state.language", "state.anxiety", "state.distress", "block.conditions", "block.encounters",
               "block.source", "block.target"),
        writes=("block.quality",)),
    "judge_valence": Access(
        reads=("state.group", "state.attitude", "block.quality", "block.encounters", "block.negative_reduction",
               "block.source", "block.target"),
        writes=("block.positive", "block.negative")),
    "tally_contacts": Access(
        reads=("block.encounters", "block.positive", "block.negative", "block.friend", "block.met", "block.name", "block.source",
               "block.target", "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
               "state.recent_encounters"),
        writes=("week.positive", "week.negative", "week.positive_weighted", "week.negative_weighted",
                "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
                "state.recent_encounters")),
    "remember_partners": Access(
        reads=("block.met", "block.encounters", "block.source", "block.target", "state.group",
               "state.distinct_partners", "state.positive_history", "week.positive"),
        writes=("block.met", "state.distinct_partners", "state.variability", "state.positive_history")),
    "update_attitudes": Access(
        reads=("state.group", "state.attitude", "state.anxiety", "state.trust", "state.positive_history",
               "week.positive_weighted", "week.negative_weighted"),
        writes=("state.attitude", "state.anxiety", "state.trust")),
    "update_friendships": Access(
        reads=("block.positive", "block.negative", "block.strength", "block.source", "block.target"),
        writes=("block.strength", "block.friend", "state.outgroup_friends")),
    "extended_contact": Access(
        reads=("state.outgroup_friends",),
        writes=("state.extended_contacts",)),
    "follow_norms": Access(
        reads=("state.group", "state.neighbourhood", "state.extended_contacts", "state.attitude", "state.anxiety",
               "state.trust"),
        writes=("state.attitude", "state.anxiety", "state.trust")),
    "update_beliefs": Access(
        reads=("state.group", "state.education", "state.employed", *BELIEF_FIELDS, "block.encounters",
               "block.source", "block.target"),
        writes=BELIEF_FIELDS),
    "perceive_threat": Access(
        reads=("state.group", "state.neighbourhood", *BELIEF_FIELDS, "state.anxiety", "state.outgroup_friends",
               "state.threat", "state.attitude"),
        writes=("state.threat", "state.attitude")),
    "update_livelihoods": Access(
        reads=("state.legal_pending", "state.family_pending", "state.language", "state.studying", "state.employed",
               "state.qualification_recognised", "week.positive", "week.negative"),
        writes=("state.legal_pending", "state.family_pending", "state.language", "state.studying", "state.employed")),
    "renew_arriving": Access(
        reads=("state.group",),
        writes=("state.legal_pending", "state.family_pending", "state.studying", "state.employed", "state.language")),
    "update_wellbeing": Access(
        reads=("state.group", "state.distress", "state.belonging", "state.legal_pending", "state.family_pending",
               "state.employed", "week.positive", "week.negative"),
        writes=("state.distress", "state.belonging")),
    "feel_discrimination": Access(
        reads=("state.group", "state.discrimination", "state.distress", "state.belonging", "week.negative"),
        writes=("state.discrimination", "state.distress", "state.belonging")),
    "record": Access(
        reads=("state.*", "week.positive", "week.negative"),
        writes=("records",)),
    "survey": Access(
        reads=("state.*",),
        writes=("survey_waves",)),
}
"""What each phase of STEP_ORDER reads and writes, by name: a table rather than a decorator, so that
mutmut (which skips decorated functions) mutates the phase bodies; tests/test_step_plan.py checks it."""


STEP_ORDER = (
    deliver_interventions,  # programmes enrol, lose drop-outs, act and count their cost
    gather_public_encounters,  # this week's intergroup co-presences in public space (incidental encounters)
    meet,                   # encounters on every intergroup tie (quantity)
    judge_quality,          # quality from the setting's Allport conditions and the two people
    judge_valence,          # each side experiences each encounter as positive or negative
    tally_contacts,         # per-person totals and contact history
    remember_partners,      # new partners, meetings per tie, perceived variability
    update_attitudes,       # attitude, anxiety and trust after direct contact
    update_friendships,     # tie strength and cross-group friendships
    extended_contact,       # ingroup friends' cross-group friendships
    follow_norms,           # drift toward the perceived ingroup norm; extended contact via norm and anxiety
    update_beliefs,         # receiving members' beliefs: media drift and observation
    perceive_threat,        # receiving members' perceived threat, and its change's pull on attitudes
    update_livelihoods,     # legal status, family, courses, language, employment
    renew_arriving,         # newcomers take the places of arriving members who move on (turnover)
    update_wellbeing,       # distress and belonging
    feel_discrimination,    # arriving members' experienced discrimination and its toll
    record,                 # weekly metrics
    survey,                 # the virtual survey, in survey weeks
)
"""The phases of one week, in order."""


HISTORY_ORDER = tuple(step_phase for step_phase in STEP_ORDER if step_phase not in (
    update_beliefs, update_livelihoods, renew_arriving, update_wellbeing, record, survey))
"""A week of the contact history before week 0 (model.py `settle_history`): STEP_ORDER without the
phases whose results are thrown away there (beliefs, livelihoods and wellbeing are held at their surveyed
values; nothing is recorded or surveyed)."""


def run_history_week(model) -> None:
    """One week of the contact history: the phases of HISTORY_ORDER in turn."""
    for step_phase in HISTORY_ORDER:
        step_phase(model)


def run_week(model) -> None:
    """One week: every phase of STEP_ORDER in turn, adding each phase's wall time to
    `model.phase_seconds` (a profile in one line: `sorted(model.phase_seconds.items(), key=...)`)."""
    for step_phase in STEP_ORDER:
        started = time.perf_counter()
        step_phase(model)
        model.phase_seconds[step_phase.__name__] += time.perf_counter() - started
