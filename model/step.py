"""The weekly step: one ordered list of phases, each calling the rules in `model/rules/`.

    STEP_ORDER = (deliver_interventions, gather_public_encounters, meet, judge_quality, judge_valence,
                  tally_contacts, remember_partners, update_attitudes, update_friendships, extended_contact,
                  follow_norms, update_beliefs, perceive_threat, update_livelihoods, update_wellbeing,
                  feel_discrimination, record, survey)

A phase reads the model's arrays, calls pure rules, and writes the result to `model.week` (this
week's per-person scratch), the contact blocks (`model/ties.py`: the city's intergroup ties and any
programme's) or `model.state`. Random numbers come from streams named after the phase (and block),
drawn at a fixed size per tie or resident, so scenarios share them (common random numbers).
"""

import numpy as np

from model.metrics import facts_about_arriving
from model.params import BELIEFS
from model.rules import beliefs as belief_rules
from model.rules import encounters as encounter_rules
from model.rules import friendship as friendship_rules
from model.rules import generalisation as generalisation_rules
from model.rules import negativity as negativity_rules
from model.rules import norms as norm_rules
from model.rules import partner as partner_rules
from model.rules import people as people_rules
from model.rules import selection as selection_rules
from model.rules import threat as threat_rules
from model.rules import variability as variability_rules
from model.rules.contact import (
    contact_quality,
    contact_update,
    draw_encounters,
    draw_valence,
    encounter_rate,
    positive_probability,
    willingness,
)
from model.state import ARRIVING, HIGHER_EDUCATION, RECEIVING, THERMOMETER_MAX
from model.ties import ContactBlock

PUBLIC = "public"
"""Name of the weekly block of incidental public-space encounters (its streams are prefixed with it)."""


def deliver_interventions(model) -> None:
    """Each intervention enrols, loses drop-outs, applies its effect and counts its cost this week."""
    model.ties.negative_reduction[:] = 0.0
    for intervention in model.interventions:
        intervention.deliver(model)


def gather_public_encounters(model) -> None:
    """Incidental encounters: this week's intergroup co-presences in public space become a contact block
    (`model.public`) with public space's Allport conditions; none when the mechanism is off."""
    i, state = model.params.contact.incidental, model.state
    if not i.enabled:
        model.public = None
        return
    size = state.n * i.opportunities
    source, target = encounter_rules.public_encounter_pairs(
        state.neighbourhood, state.group, i.opportunities, i.local_share,
        model.streams.uniform(f"{PUBLIC}.where", model.steps, size), model.streams.uniform(f"{PUBLIC}.who", model.steps, size))
    conditions = np.array([i.equal_status, i.common_goal, i.cooperation, i.institutional_support])
    model.public = ContactBlock.new(PUBLIC, source, target, np.full(len(source), i.rate), np.tile(conditions, (len(source), 1)))


def chosen_setting(model, block: ContactBlock) -> np.ndarray:
    """Per tie: whether people choose to meet there (layer kinds in `contact.selection.chosen_kinds`;
    every incidental encounter; no programme tie)."""
    if block.layer is None:
        return np.full(block.size, block.voluntary)
    kinds = model.params.contact.selection.chosen_kinds
    chosen_layer = np.array([model.city.layer_params[name].kind in kinds for name in model.city.network.layer_names])
    return chosen_layer[block.layer]


def meet(model) -> None:
    """Quantity: this week's encounters on every live intergroup tie of every contact block.

    The setting's rate, zero on workplace ties unless both people are employed; on the city's ties
    (chosen contact) also scaled by both people's willingness and by the friendship multiplier.
    Programme meetings keep the programme's attendance.
    """
    state, p = model.state, model.params
    w = p.contact.willingness
    ready = willingness(state.anxiety, state.distress, state.responsibility, w.anxiety, w.distress,
                        w.responsibility, w.floor)
    sel = p.contact.selection
    choice = (selection_rules.choice_factor(state.attitude, state.trust, sel.attitude_weight, sel.trust_weight,
                                            THERMOMETER_MAX) if sel.enabled else None)
    for block in model.contact_blocks():
        live = block.live & (~block.needs_employment | (state.employed[block.source] & state.employed[block.target]))
        rate = block.rate * live
        if block.voluntary:
            rate = encounter_rate(rate, ready[block.source], ready[block.target])
            rate = rate * np.where(block.friend, p.dynamics.friendship.rate_multiplier, 1.0)
            if choice is not None:
                rate = selection_rules.chosen_rate(rate, chosen_setting(model, block), choice[block.source],
                                                   choice[block.target])
        block.encounters = draw_encounters(rate, model.streams.uniform(block.stream("meet"), model.steps, block.size))


def judge_quality(model) -> None:
    """Quality of each tie's encounters from its setting and the two people."""
    state, q = model.state, model.params.contact.quality
    for block in model.contact_blocks():
        source, target = block.source, block.target
        block.quality = contact_quality(
            block.conditions, model.condition_weights, q.intercept,
            np.minimum(state.language[source], state.language[target]), q.shared_language,
            0.5 * (state.anxiety[source] + state.anxiety[target]), q.anxiety,
            0.5 * (state.distress[source] + state.distress[target]), q.distress,
        )


def judge_valence(model) -> None:
    """Each side of each encounter experiences it as positive or negative (the partner's prejudice
    counts when `contact.partner` is on)."""
    state, partner = model.state, model.params.contact.partner
    for block in model.contact_blocks():
        for side, people, other in (("source", block.source, block.target), ("target", block.target, block.source)):
            offset = model.valence_offset[state.group[people]]
            if partner.enabled:
                offset = offset + partner_rules.partner_shift(state.attitude[other], partner.prejudice_weight,
                                                              THERMOMETER_MAX)
            p_positive = positive_probability(block.quality, offset)
            p_positive = 1.0 - (1.0 - p_positive) * (1.0 - block.negative_reduction)
            u = model.streams.uniform(block.stream(f"valence.{side}"), model.steps, block.size)
            block.positive[side], block.negative[side] = draw_valence(block.encounters, p_positive, u)


def tally_contacts(model) -> None:
    """Per-person totals this week (raw, and weighted: friend encounters count more; with
    `contact.generalisation` on, each encounter is weighted by salience and novelty), and running counters."""
    state, week, gen = model.state, model.week, model.params.contact.generalisation
    totals = {name: np.zeros(state.n) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
    for block in model.contact_blocks():
        friend_weight = np.where(block.friend, model.params.dynamics.friendship.weight, 1.0)
        if gen.enabled:
            salience = gen.incidental_salience if block.name == PUBLIC else gen.salience
            friend_weight = friend_weight * generalisation_rules.generalisation_weight(salience, block.met,
                                                                                       gen.half_familiar)
        for side, people in (("source", block.source), ("target", block.target)):
            for valence, counts in (("positive", block.positive[side]), ("negative", block.negative[side])):
                totals[valence] += np.bincount(people, weights=counts, minlength=state.n)
                totals[f"{valence}_weighted"] += np.bincount(people, weights=counts * friend_weight, minlength=state.n)
    week.positive, week.negative = totals["positive"].astype(np.int64), totals["negative"].astype(np.int64)
    week.positive_weighted, week.negative_weighted = totals["positive_weighted"], totals["negative_weighted"]
    encounters = week.positive + week.negative
    state.positive_contacts += week.positive
    state.negative_contacts += week.negative
    state.intergroup_contacts += encounters
    state.recent_encounters[:] = people_rules.running_average(
        state.recent_encounters, encounters, model.params.dynamics.recent_contact_weight)


def remember_partners(model) -> None:
    """Count partners met for the first time, perceived outgroup variability, and each tie's meetings so far."""
    state, v = model.state, model.params.dynamics.variability
    for block in model.contact_blocks():
        state.distinct_partners += variability_rules.new_partners(block.met, block.encounters, block.source,
                                                                  block.target, state.n)
        block.met += block.encounters
    if v.enabled:
        state.variability[:] = variability_rules.perceived_variability(
            model.variability_baseline[state.group], state.distinct_partners, v.half_partners)


def update_attitudes(model) -> None:
    """Attitude, anxiety and trust move with the week's positive and negative contact (on the log-odds,
    with a buffered negativity weight, when `contact.negativity` is on)."""
    state, week, u = model.state, model.week, model.params.contact.update
    susceptibility = model.susceptibility[state.group]
    pos, neg, k = week.positive_weighted, week.negative_weighted, u.negativity_weight
    update = contact_update
    if model.params.contact.negativity.enabled:
        update = negativity_rules.log_odds_update
        k = negativity_rules.buffered_weight(k, state.positive_contacts - week.positive,
                                             model.params.contact.negativity.buffer_half)
    state.attitude[:] = update(state.attitude, pos, neg, u.attitude_step * susceptibility, k, THERMOMETER_MAX, 0.0)
    state.anxiety[:] = update(state.anxiety, pos, neg, u.anxiety_step * susceptibility, k, 0.0, 1.0)
    state.trust[:] = update(state.trust, pos, neg, u.trust_step * susceptibility, k, 1.0, 0.0)


def update_friendships(model) -> None:
    """Tie strength follows mutual positive contact; strong ties are cross-group friendships."""
    f, state = model.params.dynamics.friendship, model.state
    state.outgroup_friends[:] = 0
    for block in model.contact_blocks():
        positive = 0.5 * (block.positive["source"] + block.positive["target"])
        negative = 0.5 * (block.negative["source"] + block.negative["target"])
        block.strength[:] = friendship_rules.update_tie_strength(block.strength, positive, negative, f.gain, f.loss, f.decay)
        block.friend[:] = friendship_rules.is_friendship(block.strength, f.threshold)
        state.outgroup_friends += friendship_rules.ties_per_person(state.n, block.source, block.target, block.friend)


def extended_contact(model) -> None:
    """Count ingroup friends with cross-group friendships; without `dynamics.norms` they warm attitudes by a
    fixed weekly step (less than direct contact)."""
    state = model.state
    state.extended_contacts[:] = friendship_rules.extended_contacts(model.ingroup_friends, state.outgroup_friends > 0)
    if model.params.dynamics.norms.enabled:
        return  # extended contact then works through the norm and anxiety (phase follow_norms)
    state.attitude[:] = friendship_rules.extended_contact_update(
        state.attitude, state.extended_contacts, model.ingroup_friend_count,
        model.params.dynamics.extended_contact_step * model.susceptibility[state.group], THERMOMETER_MAX)


def follow_norms(model) -> None:
    """Attitude, anxiety and trust drift toward the perceived ingroup norm (friends, neighbourhood, wider
    society); ingroup friends' outgroup friendships warm the attitude norm and lower anxiety (extended contact)."""
    state, n = model.state, model.params.dynamics.norms
    if not n.enabled:
        return
    extended_share = state.extended_contacts / np.maximum(model.ingroup_friend_count, 1)
    for name in ("attitude", "anxiety", "trust"):
        value = getattr(state, name)
        neighbourhood = norm_rules.neighbourhood_ingroup_mean(value, state.neighbourhood, state.group)
        friends = norm_rules.friends_mean(value, model.ingroup_friends, model.ingroup_friend_count, neighbourhood)
        if name == "attitude":
            friends = norm_rules.extended_norm(friends, extended_share, n.extended_signal, THERMOMETER_MAX)
        norm = norm_rules.perceived_norm(friends, neighbourhood, model.society_views[name][state.group],
                                         n.friends_weight, n.neighbourhood_weight, n.society_weight)
        value[:] = norm_rules.conform(value, norm, n.rate)
    state.anxiety[:] = norm_rules.extended_anxiety(state.anxiety, extended_share, n.extended_anxiety_relief)


def update_beliefs(model) -> None:
    """Receiving members' beliefs drift toward the media prior and toward what they see in partners."""
    state, d = model.state, model.params.dynamics
    truth = dict(zip(BELIEFS, facts_about_arriving(state)))
    observed = {topic: np.zeros(state.n) for topic in BELIEFS}
    seen = np.zeros(state.n)
    for block in model.contact_blocks():
        receiving_side = state.group[block.source] == RECEIVING
        observer = np.where(receiving_side, block.source, block.target)
        partner = np.where(receiving_side, block.target, block.source)
        partner_facts = {"education": state.education[partner] == HIGHER_EDUCATION,
                         "employment": state.employed[partner], "welfare": ~state.employed[partner]}
        for topic in BELIEFS:
            shown, count = belief_rules.observations(state.n, observer, block.encounters,
                                                     partner_facts[topic].astype(float), truth[topic],
                                                     d.belief_personal_weight)
            observed[topic] += shown * count  # summed over blocks, averaged below
        seen += count  # encounters observed in this block (the same for every topic)
    receiving = state.group == RECEIVING
    for topic in BELIEFS:
        mean_shown = np.divide(observed[topic], seen, out=np.zeros(state.n), where=seen > 0)
        belief = state.belief(topic)
        belief[receiving] = belief_rules.update_belief(
            belief[receiving], mean_shown[receiving], seen[receiving],
            model.params.city.beliefs.media_prior[topic], d.belief_media_drift, d.belief_observation)


def current_threat(model) -> np.ndarray:
    """Receiving members' perceived threat from their beliefs, the arriving share they see, their anxiety and
    any cross-group friendship; NaN for arriving members."""
    state, t = model.state, model.params.dynamics.threat
    burden = threat_rules.economic_burden(state.belief_education, state.belief_employment, state.belief_welfare)
    perceived = threat_rules.perceived_outgroup_share(model.local_arriving_share[state.neighbourhood],
                                                      float(np.mean(state.group == ARRIVING)), t.local_weight,
                                                      t.overestimation)
    level = threat_rules.threat_level(burden, perceived, state.anxiety, state.outgroup_friends > 0, t.intercept,
                                      t.burden_weight, t.size_weight, t.anxiety_weight, t.friend_weight)
    return np.where(state.group == RECEIVING, level, np.nan)


def perceive_threat(model) -> None:
    """Perceived threat follows this week's beliefs, anxiety and friendships; with `dynamics.threat` on,
    its change moves receiving members' attitudes (so information acts on attitudes only through beliefs)."""
    state, t = model.state, model.params.dynamics.threat
    threat = current_threat(model)
    if t.enabled:
        receiving = state.group == RECEIVING
        state.attitude[receiving] = threat_rules.threat_attitude_change(
            state.attitude[receiving], state.threat[receiving], threat[receiving], t.attitude_weight, THERMOMETER_MAX)
    state.threat[:] = threat


def update_livelihoods(model) -> None:
    """Legal decisions, family reunification, courses, language and employment."""
    state, d, week = model.state, model.params.dynamics, model.week
    draw = lambda name: model.streams.uniform(name, model.steps, state.n)  # noqa: E731
    state.legal_pending[:] = people_rules.resolve_pending(state.legal_pending, draw("legal"), d.legal_determination_hazard)
    state.family_pending[:] = people_rules.resolve_pending(state.family_pending, draw("family"), d.family_reunification_hazard)
    state.language[:] = people_rules.improve_language(state.language, state.studying, week.positive + week.negative,
                                                      d.language_course_gain, d.language_contact_gain)
    state.studying[:] = people_rules.resolve_pending(state.studying, draw("courses"), d.course_exit_hazard)
    e = d.employment
    hazard = people_rules.job_finding_hazard(state.language, state.legal_pending, ~state.qualification_recognised,
                                             model.job_finding_rate, e.language_weight, e.pending_factor,
                                             e.unrecognised_factor)
    state.employed[:] = people_rules.update_employment(state.employed, draw("employment"), hazard, e.loss_rate)


def update_wellbeing(model) -> None:
    """Distress and belonging."""
    state, week, d = model.state, model.week, model.params.dynamics
    state.distress[:] = people_rules.update_distress(
        state.distress, state.legal_pending, state.family_pending, week.negative,
        d.distress.legal_uncertainty, d.distress.family_separation, d.distress.negative_contact, d.distress.recovery,
        model.distress_baseline[state.group])
    state.belonging[:] = people_rules.update_belonging(
        state.belonging, week.positive, state.employed, d.belonging.positive_contact, d.belonging.work,
        d.belonging.decay, model.belonging_baseline[state.group])


def feel_discrimination(model) -> None:
    """Arriving members' negative intergroup encounters build experienced discrimination, which raises
    distress and lowers belonging (when `dynamics.discrimination` is on)."""
    state, d = model.state, model.params.dynamics.discrimination
    if not d.enabled:
        return
    arriving = state.group == ARRIVING
    state.discrimination[arriving] = partner_rules.update_discrimination(
        state.discrimination[arriving], model.week.negative[arriving], d.gain, d.decay)
    state.distress[:], state.belonging[:] = partner_rules.discrimination_toll(
        state.distress, state.belonging, state.discrimination, d.distress_rise, d.belonging_loss)


def initial_perceptions(model) -> None:
    """Week 0: perceived threat and outgroup variability before anyone has met."""
    state = model.state
    state.threat[:] = current_threat(model)
    state.variability[:] = model.variability_baseline[state.group]


def record(model) -> None:
    """Append this week's metrics per group to the model's tidy records."""
    model.record_metrics(with_contact=True)


def survey(model) -> None:
    """Field the virtual survey if this is a survey week."""
    model.field_survey_if_due()


STEP_ORDER = (
    deliver_interventions,  # programmes enrol, lose drop-outs, act and count their cost
    gather_public_encounters,  # this week's intergroup co-presences in public space (incidental encounters)
    meet,                   # encounters on every intergroup tie (quantity)
    judge_quality,          # quality from the setting's Allport conditions and the two people
    judge_valence,          # each side experiences each encounter as positive or negative
    tally_contacts,         # per-person totals and contact history
    remember_partners,      # new partners, perceived variability, meetings per tie
    update_attitudes,       # attitude, anxiety and trust after direct contact
    update_friendships,     # tie strength and cross-group friendships
    extended_contact,       # ingroup friends' cross-group friendships
    follow_norms,           # drift toward the perceived ingroup norm; extended contact via norm and anxiety
    update_beliefs,         # receiving members' beliefs: media drift and observation
    perceive_threat,        # receiving members' perceived threat, and its change's pull on attitudes
    update_livelihoods,     # legal status, family, courses, language, employment
    update_wellbeing,       # distress and belonging
    feel_discrimination,    # arriving members' experienced discrimination and its toll
    record,                 # weekly metrics
    survey,                 # the virtual survey, in survey weeks
)
"""The phases of one week, in order."""
