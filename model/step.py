"""The weekly step: one ordered list of phases, each calling the rules in `model/rules/`.

    STEP_ORDER = (deliver_interventions, meet, judge_quality, judge_valence, tally_contacts, update_attitudes,
                  update_friendships, extended_contact, update_beliefs, update_livelihoods,
                  update_wellbeing, record, survey)

A phase only gathers arrays, calls pure rules and stores their results: every modelling decision is a
rule. Each phase declares what it reads and writes (`@phase(reads=..., writes=...)`), naming fields of
`model.state` (`state.X`), of this week's per-person scratch `model.week` (`week.X`), of every contact
block (`block.X`, model/ties.py: the city's intergroup ties and any programme's), and `blocks` (the
list of blocks), `interventions` (their enrolment and counters), `records` and `survey_waves`;
tests/test_step_plan.py checks that a phase writes and looks up nothing else. Random numbers come from streams named
after the phase (and block), drawn at a fixed size per tie or resident, so scenarios share them
(common random numbers).
"""

import time

import numpy as np

from model.interventions import anti_discrimination
from model.params import BELIEFS
from model.rules import beliefs as belief_rules
from model.rules import contact as contact_rules
from model.rules import friendship as friendship_rules
from model.rules import people as people_rules
from model.state import RECEIVING, THERMOMETER_MAX

BELIEF_FIELDS = tuple(f"state.belief_{topic}" for topic in BELIEFS)


def phase(*, reads: tuple[str, ...], writes: tuple[str, ...]):
    """Declare the fields a phase reads and writes (see the module docstring for the names)."""
    def declare(function):
        function.reads, function.writes = frozenset(reads), frozenset(writes)
        return function
    return declare


@phase(reads=("state.*", "block.layer", "block.source", "block.target"),
       writes=("interventions", "blocks", "block.live", "block.negative_reduction", "state.distress", "state.attitude",
               *BELIEF_FIELDS, "state.legal_pending", "state.family_pending", "state.qualification_recognised",
               "state.studying"))
def deliver_interventions(model) -> None:
    """Each intervention enrols, loses drop-outs, applies its effect and counts its cost this week."""
    model.ties.negative_reduction[:] = anti_discrimination.no_cut(model.ties.size)
    for intervention in model.interventions:
        intervention.deliver(model)


@phase(reads=("state.anxiety", "state.distress", "state.responsibility", "state.employed", "block.rate", "block.live",
              "block.needs_employment", "block.voluntary", "block.friend", "block.source", "block.target"),
       writes=("block.encounters",))
def meet(model) -> None:
    """Quantity: this week's encounters on every live intergroup tie of every contact block.

    On the city's ties (chosen contact) the rate follows both people's willingness and friendship;
    programme meetings keep the programme's attendance.
    """
    state, p = model.state, model.params
    ready = contact_rules.willingness(state.anxiety, state.distress, state.responsibility, p.contact.willingness)
    for block in model.contact_blocks():
        source, target = block.source, block.target
        rate = contact_rules.live_rate(block.rate, block.live, block.needs_employment, state.employed[source],
                                       state.employed[target])
        if block.voluntary:
            rate = contact_rules.encounter_rate(
                rate, ready[source], ready[target],
                friendship_rules.meeting_factor(block.friend, p.dynamics.friendship))
        block.encounters = contact_rules.draw_encounters(
            rate, model.streams.uniform(block.stream("meet"), model.steps, block.size))


@phase(reads=("state.language", "state.anxiety", "state.distress", "block.conditions", "block.source", "block.target"),
       writes=("block.quality",))
def judge_quality(model) -> None:
    """Quality of each tie's encounters from its setting and the two people."""
    state, q = model.state, model.params.contact.quality
    for block in model.contact_blocks():
        source, target = block.source, block.target
        block.quality = contact_rules.contact_quality(
            block.conditions,
            contact_rules.shared_language(state.language[source], state.language[target]),
            contact_rules.pair_mean(state.anxiety[source], state.anxiety[target]),
            contact_rules.pair_mean(state.distress[source], state.distress[target]),
            q)


@phase(reads=("state.group", "block.quality", "block.encounters", "block.negative_reduction", "block.source",
              "block.target"),
       writes=("block.positive", "block.negative"))
def judge_valence(model) -> None:
    """Each side of each encounter experiences it as positive or negative."""
    state = model.state
    for block in model.contact_blocks():
        for side, people in (("source", block.source), ("target", block.target)):
            p_positive = anti_discrimination.spare_negative(
                contact_rules.positive_probability(block.quality, model.params.contact.valence_offset_for(state.group[people])),
                block.negative_reduction)
            u = model.streams.uniform(block.stream(f"valence.{side}"), model.steps, block.size)
            block.positive[side], block.negative[side] = contact_rules.draw_valence(block.encounters, p_positive, u)


@phase(reads=("block.positive", "block.negative", "block.friend", "block.source", "block.target",
              "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
              "state.recent_encounters"),
       writes=("week.positive", "week.negative", "week.positive_weighted", "week.negative_weighted",
               "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
               "state.recent_encounters"))
def tally_contacts(model) -> None:
    """Per-person totals this week (raw, and with friend encounters weighted), and running counters."""
    state, week, f = model.state, model.week, model.params.dynamics.friendship
    totals = {name: np.zeros(state.n) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
    for block in model.contact_blocks():
        weight = friendship_rules.contact_weight(block.friend, f)
        for side, people in (("source", block.source), ("target", block.target)):
            for valence, counts in (("positive", block.positive[side]), ("negative", block.negative[side])):
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


@phase(reads=("state.group", "state.attitude", "state.anxiety", "state.trust", "week.positive_weighted",
              "week.negative_weighted"),
       writes=("state.attitude", "state.anxiety", "state.trust"))
def update_attitudes(model) -> None:
    """Attitude, anxiety and trust move with the week's positive and negative contact."""
    state, week, contact = model.state, model.week, model.params.contact
    state.attitude[:], state.anxiety[:], state.trust[:] = contact_rules.update_views(
        state.attitude, state.anxiety, state.trust, week.positive_weighted, week.negative_weighted,
        contact.susceptibility_for(state.group), contact.update, THERMOMETER_MAX)


@phase(reads=("block.positive", "block.negative", "block.strength", "block.source", "block.target"),
       writes=("block.strength", "block.friend", "state.outgroup_friends"))
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


@phase(reads=("state.outgroup_friends", "state.group", "state.attitude"),
       writes=("state.extended_contacts", "state.attitude"))
def extended_contact(model) -> None:
    """Ingroup friends' cross-group friendships warm attitudes (less than direct contact)."""
    state = model.state
    state.extended_contacts[:] = friendship_rules.extended_contacts(model.ingroup_friends, state.outgroup_friends)
    state.attitude[:] = friendship_rules.extended_contact_update(
        state.attitude, state.extended_contacts, model.ingroup_friend_count,
        model.params.contact.susceptibility_for(state.group), model.params.dynamics, THERMOMETER_MAX)


@phase(reads=("state.group", "state.education", "state.employed", *BELIEF_FIELDS, "block.encounters", "block.source",
              "block.target"),
       writes=BELIEF_FIELDS)
def update_beliefs(model) -> None:
    """Receiving members' beliefs drift toward the media prior and toward what they see in partners."""
    state, d = model.state, model.params.dynamics
    truth = belief_rules.true_shares(state.group, state.education, state.employed)
    facts = belief_rules.person_facts(state.education, state.employed)
    sightings = []
    for block in model.contact_blocks():
        observer, partner = belief_rules.observer_and_partner(block.source, block.target, state.group)
        sightings.append((observer, block.encounters, facts[partner]))
    shown, seen = belief_rules.pooled_observations(state.n, sightings, truth, d)
    receiving = state.group == RECEIVING
    for column, topic in enumerate(BELIEFS):
        belief = state.belief(topic)
        belief[receiving] = belief_rules.update_belief(
            belief[receiving], shown[receiving, column], seen[receiving],
            model.params.city.beliefs.media_prior[topic], d)


@phase(reads=("state.legal_pending", "state.family_pending", "state.language", "state.studying", "state.employed",
              "state.qualification_recognised", "week.positive", "week.negative"),
       writes=("state.legal_pending", "state.family_pending", "state.language", "state.studying", "state.employed"))
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


@phase(reads=("state.group", "state.distress", "state.belonging", "state.legal_pending", "state.family_pending",
              "state.employed", "week.positive", "week.negative"),
       writes=("state.distress", "state.belonging"))
def update_wellbeing(model) -> None:
    """Distress and belonging."""
    state, week, d = model.state, model.week, model.params.dynamics
    state.distress[:] = people_rules.update_distress(state.distress, state.group, state.legal_pending,
                                                     state.family_pending, week.negative, d.distress)
    state.belonging[:] = people_rules.update_belonging(state.belonging, state.group, week.positive, state.employed,
                                                       d.belonging)


@phase(reads=("state.*", "week.positive", "week.negative"), writes=("records",))
def record(model) -> None:
    """Append this week's metrics per group to the model's tidy records."""
    model.record_metrics(with_contact=True)


@phase(reads=("state.*",), writes=("survey_waves",))
def survey(model) -> None:
    """Field the virtual survey if this is a survey week."""
    model.field_survey_if_due()


STEP_ORDER = (
    deliver_interventions,  # programmes enrol, lose drop-outs, act and count their cost
    meet,                   # encounters on every intergroup tie (quantity)
    judge_quality,          # quality from the setting's Allport conditions and the two people
    judge_valence,          # each side experiences each encounter as positive or negative
    tally_contacts,         # per-person totals and contact history
    update_attitudes,       # attitude, anxiety and trust after direct contact
    update_friendships,     # tie strength and cross-group friendships
    extended_contact,       # ingroup friends' cross-group friendships
    update_beliefs,         # receiving members' beliefs: media drift and observation
    update_livelihoods,     # legal status, family, courses, language, employment
    update_wellbeing,       # distress and belonging
    record,                 # weekly metrics
    survey,                 # the virtual survey, in survey weeks
)
"""The phases of one week, in order."""


def run_week(model) -> None:
    """One week: every phase of STEP_ORDER in turn, adding each phase's wall time to
    `model.phase_seconds` (a profile in one line: `sorted(model.phase_seconds.items(), key=...)`)."""
    for step_phase in STEP_ORDER:
        started = time.perf_counter()
        step_phase(model)
        model.phase_seconds[step_phase.__name__] += time.perf_counter() - started
