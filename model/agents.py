"""Mesa agents as views onto the model's state arrays.

A `Resident` holds only its index. Reading `resident.attitude` reads `model.state.attitude[index]`;
assigning writes it back. So `model.agents`, `AgentSet.select`, `DataCollector` and SolaraViz work as
Mesa users expect, while the weekly step stays vectorised over the arrays. Residents are created only
when something asks for the model's agents (see `BridgesModel.agents`).

Where a resident lives and works (`STATIC_FIELDS`) is fixed by the city's ties: those attributes are
read-only, and assigning one raises an error rather than silently leaving the ties behind.

The reference engine (`BridgesModel(params, engine="agents")`) runs the same week in idiomatic Mesa:
each phase is an `AgentSet.shuffle_do` over the residents in random order, and each resident calls the
same rules (model/rules/) on its own small arrays: its ties, its partners, itself. Phases stay
synchronous (every resident finishes one before any starts the next), so the order of residents changes
only who draws which random number. Programmes, the week's public co-presences (the incidental-encounter
block, drawn from the same named streams as the vectorised week), metrics and the survey act on the whole
model, as in the vectorised week; so do the few facts everyone perceives about the whole population (the
neighbourhood's mean views, the city's arriving share, what arriving members are really like). It is the readable version for students and the yardstick for speed; random numbers
come from the model's generator, so the two engines agree in distribution, not number for number.
"""

import time

import mesa
import numpy as np

from bridges.model.interventions import anti_discrimination
from bridges.model.errors import InputError
from bridges.model.params import BELIEFS, EDUCATION_LEVELS, GROUPS, MAX_EXACT_INT, MAX_RATE, bounded
from bridges.model.rules import beliefs as belief_rules
from bridges.model.rules import contact as contact_rules
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
from bridges.model.state import ARRIVING, RECEIVING, SCALES, STATIC_FIELDS, THERMOMETER_MAX, State
from bridges.model.step import PUBLIC, VIEW_RANGES, VIEWS, deliver_interventions, gather_public_encounters, record, setting_kind, survey


class StateField:
    """Descriptor exposing one field of `agent.model.state` as a scalar attribute of the agent."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.state, self.name)[agent.index].item()

    def __set__(self, agent, value):
        if self.name in STATIC_FIELDS:
            raise fixed_by_the_city(self.name)
        getattr(agent.model.state, self.name)[agent.index] = checked_value(self.name, value, agent)


FLAGS = ("employed", "studying", "qualification_recognised", "legal_pending", "family_pending")
"""Yes/no states: written as True or False."""
COUNTS = ("intergroup_contacts", "positive_contacts", "negative_contacts", "outgroup_friends", "extended_contacts",
          "distinct_partners")
"""Whole-number counts: 0 or more."""
RECEIVING_ONLY = ("belief_education", "belief_employment", "belief_welfare", "threat")
"""Views receiving members hold of arriving members (NaN for arriving members)."""
BOUNDS = {**{name: bounded(0.0, scale, "thermometer points" if name == "attitude" else "")
             for name, scale in SCALES.items()},
          **{name: bounded(0.0, 1.0, "") for name in (*RECEIVING_ONLY, "discrimination", "variability")},
          **{name: bounded(0.0, MAX_RATE, "encounters per week", "far above daily contact (7 a week)")
             for name in ("recent_encounters", "positive_history")},
          **{name: bounded(0, MAX_EXACT_INT, "", "a count must be exact") for name in COUNTS},
          "education": bounded(0, len(EDUCATION_LEVELS) - 1, f"(index into {', '.join(EDUCATION_LEVELS)})")}
"""The range of every numeric state a resident's view may write, checked as config values are (params.bounded)."""


def checked_value(name: str, value, agent):
    """`value` if it may be written to state `name` of `agent`; otherwise InputError naming `Resident.<name>`,
    as a bad config value names its key (a write through a view reaches the state arrays unchecked otherwise)."""
    key, value = f"Resident.{name}", value.item() if isinstance(value, np.generic) else value
    if name in FLAGS:
        if not isinstance(value, bool):
            raise InputError(f"{key}: must be true or false, got {value!r}")
        return value
    if name == "education" and isinstance(value, str):
        if value not in EDUCATION_LEVELS:
            raise InputError(f"{key}: must be one of {', '.join(EDUCATION_LEVELS)}, got {value!r}")
        return EDUCATION_LEVELS.index(value)
    whole = name in COUNTS or name == "education"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        raise InputError(f"{key}: must be {'a whole number' if whole else 'a number'}, got {value!r}")
    if name in RECEIVING_ONLY and agent.group != "receiving":
        raise InputError(f"{key}: only receiving members hold it (arriving members' value is NaN)")
    problem = BOUNDS[name]["check"](value)
    if problem:
        raise InputError(f"{key}: {problem}, got {value!r}")
    return value


def fixed_by_the_city(name: str) -> AttributeError:
    return AttributeError(f"Resident.{name} is fixed when the city is built (the resident's ties follow it) "
                          "and cannot be assigned; build a different city instead")


class Resident(mesa.Agent):
    """A city resident, arriving or receiving; all state lives in the model's arrays.

    The model creates one per row of its state arrays; the population is the city's (`city.n_agents`, or
    the nodes of a custom city), so residents are neither added (`Resident(model)`) nor removed
    (`resident.remove()`) one by one: both raise an error saying what to do instead."""

    def __init__(self, model, index: int | None = None):
        if index is None:
            raise TypeError("Resident(model): residents are created by the model, one per resident of its city; "
                            "for more residents build the model with n_agents=N (city.n_agents=N), or a custom city "
                            "(city.custom.*); with dynamics.turnover.enabled=true arriving newcomers replace "
                            "members who move on")
        super().__init__(model)
        self.index = int(index)
        self.me = slice(self.index, self.index + 1)
        """This resident's place in the state arrays, as a slice of length one: every rule gets (and
        returns) arrays, as in the vectorised week."""

    @property
    def group(self) -> str:
        """'arriving' or 'receiving'."""
        return GROUPS[self.model.state.group[self.index]]

    @group.setter
    def group(self, label: str) -> None:
        raise fixed_by_the_city("group")

    def __repr__(self) -> str:
        return f"Resident({self.index}, {self.group})"

    def remove(self) -> None:
        """Refused: the resident's row, ties and friendships are the city's, and every rule runs over all of
        them, so removing the view would leave the person in the simulation and its outputs."""
        raise RuntimeError(f"{self!r}.remove(): residents cannot leave one by one (the city's arrays, ties and "
                           "outputs hold every resident); with dynamics.turnover.enabled=true arriving members "
                           "move on and newcomers take their place; for a smaller city use n_agents=N "
                           "(city.n_agents=N)")

    # ---- the reference engine: one week as the resident sees it -----------------------------------
    def ties(self, block, side: str) -> np.ndarray:
        """Indices of this week's ties in `block` where this resident is the `side` end."""
        order, start = self.model.tie_index[block.name][side]
        return order[start[self.index]:start[self.index + 1]]

    def both_ends(self, block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This resident's ties in `block` at either end, numbered locally for the per-person rules: the
        resident is person 0 and every partner person 1. Returns (ties, local source, local target)."""
        started, ended = self.ties(block, "source"), self.ties(block, "target")
        ends = np.concatenate([np.zeros(started.size, dtype=np.int64), np.ones(ended.size, dtype=np.int64)])
        return np.concatenate([started, ended]), ends, 1 - ends

    def meet(self) -> None:
        """Encounters on the ties this resident starts (each tie is met once, by its source end); in chosen
        settings both people's attitude and trust scale the rate (`contact.selection`)."""
        model, state, p, me = self.model, self.model.state, self.model.params, self.me
        sel = p.contact.selection
        for block in model.contact_blocks():
            mine = self.ties(block, "source")
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
                rate = contact_rules.encounter_rate(rate, ready, ready_partners,
                                                    friendship_rules.meeting_factor(block.friend[mine], p.dynamics.friendship))
                if sel.enabled:
                    choice = selection_rules.choice_factor(state.attitude[me], state.trust[me], sel, THERMOMETER_MAX)
                    choice_partners = selection_rules.choice_factor(state.attitude[partners], state.trust[partners],
                                                                    sel, THERMOMETER_MAX)
                    chosen = selection_rules.chosen_ties(setting_kind(model, block)[mine], sel)
                    rate = selection_rules.chosen_rate(rate, chosen, choice, choice_partners)
            block.encounters[mine] = contact_rules.draw_encounters(rate, model.rng.random(mine.size))

    def judge_quality(self) -> None:
        """Quality of the encounters on the ties this resident starts."""
        model, state = self.model, self.model.state
        for block in model.contact_blocks():
            mine = self.ties(block, "source")
            if not mine.size:
                continue
            partners = block.target[mine]
            block.quality[mine] = contact_rules.contact_quality(
                block.conditions[mine],
                contact_rules.shared_language(state.language[self.me], state.language[partners]),
                contact_rules.pair_mean(state.anxiety[self.me], state.anxiety[partners]),
                contact_rules.pair_mean(state.distress[self.me], state.distress[partners]),
                model.params.contact.quality)

    def judge_valence(self) -> None:
        """How this resident experienced each of its encounters: positive or negative; with `contact.partner`
        on, the partner's prejudice counts too."""
        model, state, partner = self.model, self.model.state, self.model.params.contact.partner
        own_offset = model.params.contact.valence_offset_for(state.group[self.me])
        for block in model.contact_blocks():
            for side, other in (("source", block.target), ("target", block.source)):
                mine = self.ties(block, side)
                if not mine.size:
                    continue
                offset = own_offset
                if partner.enabled:
                    offset = offset + partner_rules.partner_shift(state.attitude[other[mine]], partner,
                                                                  THERMOMETER_MAX)
                p_positive = anti_discrimination.spare_negative(
                    contact_rules.positive_probability(block.quality[mine], offset), block.negative_reduction[mine])
                block.positive[side][mine], block.negative[side][mine] = contact_rules.draw_valence(
                    block.encounters[mine], p_positive, model.rng.random(mine.size))

    def tally_contacts(self) -> None:
        """This resident's contact this week (raw, and weighted: friend encounters count more, and with
        `contact.generalisation` on each carries to the group by salience and novelty) and its history."""
        model, state, week = self.model, self.model.state, self.model.week
        f, gen = model.params.dynamics.friendship, model.params.contact.generalisation
        totals = {name: np.zeros(1) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
        for block in model.contact_blocks():
            for side in ("source", "target"):
                mine = self.ties(block, side)
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
            getattr(week, name)[self.me] = total
        encounters = week.positive[self.me] + week.negative[self.me]
        state.positive_contacts[self.me] += week.positive[self.me]
        state.negative_contacts[self.me] += week.negative[self.me]
        state.intergroup_contacts[self.me] += encounters
        state.recent_encounters[self.me] = people_rules.running_average(
            state.recent_encounters[self.me], encounters, model.params.dynamics.recent_contact_weight)

    def count_new_partners(self) -> None:
        """Partners this resident met for the first time this week, the running average of its positive
        encounters, and (with `dynamics.variability` on) how varied the outgroup now seems."""
        model, state, me, v = self.model, self.model.state, self.me, self.model.params.dynamics.variability
        state.positive_history[me] = negativity_rules.remember_positive(state.positive_history[me],
                                                                        model.week.positive[me],
                                                                        model.params.contact.negativity)
        for block in model.contact_blocks():
            mine, source, target = self.both_ends(block)
            state.distinct_partners[me] += variability_rules.new_partners(block.met[mine], block.encounters[mine],
                                                                          source, target, 2)[0]
        if v.enabled:
            state.variability[me] = variability_rules.perceived_variability(state.group[me], state.distinct_partners[me],
                                                                            v)

    def remember_meetings(self) -> None:
        """Meetings so far on the ties this resident starts (after everyone has counted new partners)."""
        for block in self.model.contact_blocks():
            mine = self.ties(block, "source")
            block.met[mine] += block.encounters[mine]

    def update_attitudes(self) -> None:
        """Attitude, anxiety and trust after this week's contact; with `contact.negativity` on, on the log-odds
        with a negativity weight buffered by recent positive contact."""
        state, week, contact, me = self.model.state, self.model.week, self.model.params.contact, self.me
        susceptibility = contact.susceptibility_for(state.group[me])
        pos, neg, u = week.positive_weighted[me], week.negative_weighted[me], contact.update
        if not contact.negativity.enabled:
            state.attitude[me], state.anxiety[me], state.trust[me] = contact_rules.update_views(
                state.attitude[me], state.anxiety[me], state.trust[me], pos, neg, susceptibility, u, THERMOMETER_MAX)
            return
        state.attitude[me], state.anxiety[me], state.trust[me] = negativity_rules.log_odds_views(
            state.attitude[me], state.anxiety[me], state.trust[me], pos, neg, susceptibility,
            state.positive_history[me], u, contact.negativity, THERMOMETER_MAX)

    def update_tie_strengths(self) -> None:
        """Strength of the ties this resident starts, from both sides' positive and negative contact."""
        f = self.model.params.dynamics.friendship
        for block in self.model.contact_blocks():
            mine = self.ties(block, "source")
            if not mine.size:
                continue
            positive = contact_rules.pair_mean(block.positive["source"][mine], block.positive["target"][mine])
            negative = contact_rules.pair_mean(block.negative["source"][mine], block.negative["target"][mine])
            block.strength[mine] = friendship_rules.update_tie_strength(block.strength[mine], positive, negative, f)
            block.friend[mine] = friendship_rules.is_friendship(block.strength[mine], f)

    def count_outgroup_friends(self) -> None:
        """This resident's cross-group friendships, over the ties at either end."""
        count = 0
        for block in self.model.contact_blocks():
            mine, source, target = self.both_ends(block)
            count += friendship_rules.ties_per_person(2, source, target, block.friend[mine])[0]
        self.model.state.outgroup_friends[self.me] = count

    def ingroup_friends(self) -> np.ndarray:
        """Indices of this resident's ingroup friends."""
        friends = self.model.ingroup_friends
        return friends.indices[friends.indptr[self.index]:friends.indptr[self.index + 1]]

    def extended_contact(self) -> None:
        """Count this resident's ingroup friends who have cross-group friendships."""
        state, mine = self.model.state, self.ingroup_friends()
        state.extended_contacts[self.me] = friendship_rules.extended_contacts(np.ones((1, mine.size)),
                                                                              state.outgroup_friends[mine])

    def perceive_norms(self) -> None:
        """With `dynamics.norms` on: the ingroup norm this resident perceives for each view (its friends', its
        neighbourhood's, its own start), before anyone moves toward theirs."""
        model, state, me, n = self.model, self.model.state, self.me, self.model.params.dynamics.norms
        if not n.enabled:
            return
        mine = self.ingroup_friends()
        extended_share = norm_rules.extended_share(state.extended_contacts[me], model.ingroup_friend_count[me])
        for name in VIEWS:
            neighbourhood = model.neighbourhood_views[name][me]
            friends = norm_rules.friends_mean(getattr(state, name)[mine], np.ones((1, mine.size)),
                                              model.ingroup_friend_count[me], neighbourhood)
            if name == "attitude":
                friends = norm_rules.extended_norm(friends, extended_share, n, THERMOMETER_MAX)
            start, friends_start, neighbourhood_start = (values[me] for values in model.views_at_start[name])
            model.perceived_norms[name][me] = norm_rules.perceived_norm(
                start, friends, friends_start, neighbourhood, neighbourhood_start, n, *VIEW_RANGES[name])

    def follow_norms(self) -> None:
        """With `dynamics.norms` on: each view drifts toward its perceived norm, and ingroup friends'
        outgroup friendships ease anxiety. Off: extended contact warms the attitude by a fixed weekly step."""
        model, state, me, n = self.model, self.model.state, self.me, self.model.params.dynamics.norms
        if not n.enabled:
            state.attitude[me] = friendship_rules.extended_contact_update(
                state.attitude[me], state.extended_contacts[me], model.ingroup_friend_count[me],
                model.params.contact.susceptibility_for(state.group[me]), model.params.dynamics, THERMOMETER_MAX)
            return
        for name in VIEWS:
            value = getattr(state, name)
            value[me] = norm_rules.conform(value[me], model.perceived_norms[name][me], n)
        extended_share = norm_rules.extended_share(state.extended_contacts[me], model.ingroup_friend_count[me])
        state.anxiety[me] = norm_rules.extended_anxiety(state.anxiety[me], extended_share, n)

    def update_beliefs(self) -> None:
        """A receiving resident's beliefs: media drift, and what its arriving partners showed this week."""
        model, state, d = self.model, self.model.state, self.model.params.dynamics
        if state.group[self.index] != RECEIVING:
            return
        sightings = []
        for block in model.contact_blocks():
            for side in ("source", "target"):
                mine = self.ties(block, side)
                if not mine.size:
                    continue
                observer, partner = belief_rules.observer_and_partner(block.source[mine], block.target[mine],
                                                                      state.group)
                watched = observer == self.index
                partner = partner[watched]
                sightings.append((np.zeros(partner.size, dtype=np.int64), block.encounters[mine][watched],
                                  belief_rules.person_facts(state.education[partner], state.employed[partner])))
        shown, seen = belief_rules.pooled_observations(1, sightings, model.truth, d)
        for column, topic in enumerate(BELIEFS):
            belief = state.belief(topic)
            belief[self.me] = belief_rules.update_belief(belief[self.me], shown[:, column], seen,
                                                         model.params.city.beliefs.media_prior[topic], d)

    def perceive_threat(self) -> None:
        """A receiving resident's perceived threat from its beliefs, the arriving share it sees, its anxiety
        and any cross-group friendship; with `dynamics.threat` on, its change moves the attitude."""
        model, state, me, t = self.model, self.model.state, self.me, self.model.params.dynamics.threat
        if state.group[self.index] != RECEIVING:
            state.threat[me] = np.nan
            return
        burden = threat_rules.economic_burden(state.belief_education[me], state.belief_employment[me],
                                              state.belief_welfare[me])
        perceived = threat_rules.perceived_outgroup_share(model.local_arriving_share[state.neighbourhood[me]],
                                                          model.city_arriving_share, t)
        threat = threat_rules.threat_level(burden, perceived, state.anxiety[me], state.outgroup_friends[me] > 0, t)
        if t.enabled:
            state.attitude[me] = threat_rules.threat_attitude_change(state.attitude[me], state.threat[me], threat, t,
                                                                     THERMOMETER_MAX)
        state.threat[me] = threat

    def update_livelihoods(self) -> None:
        """Legal decision, family reunification, courses, language and employment."""
        model, state, d, week, me = self.model, self.model.state, self.model.params.dynamics, self.model.week, self.me
        draw = model.rng.random
        state.legal_pending[me] = people_rules.resolve_pending(state.legal_pending[me], draw(1),
                                                               d.legal_determination_hazard)
        state.family_pending[me] = people_rules.resolve_pending(state.family_pending[me], draw(1),
                                                                d.family_reunification_hazard)
        state.language[me] = people_rules.improve_language(state.language[me], state.studying[me],
                                                           week.positive[me] + week.negative[me], d)
        state.studying[me] = people_rules.resolve_pending(state.studying[me], draw(1), d.course_exit_hazard)
        hazard = people_rules.job_finding_hazard(state.language[me], state.legal_pending[me],
                                                 ~state.qualification_recognised[me], model.job_finding_rate,
                                                 d.employment)
        state.employed[me] = people_rules.update_employment(state.employed[me], draw(1), hazard, d.employment)

    def renew_arriving(self) -> None:
        """With turnover on: an arriving resident who moves on is replaced by a newcomer in their place, with
        the newcomer's legal, family, course, work and language state (model/rules/turnover.py)."""
        model, state, me = self.model, self.model.state, self.me
        if model.turnover_rate <= 0.0 or state.group[self.index] != ARRIVING:
            return
        if not turnover_rules.leaving(model.rng.random(1), model.turnover_rate)[0]:
            return
        flags = turnover_rules.FLAGS
        drawn = turnover_rules.newcomer_flags(model.rng.random(len(flags)), np.array([model.newcomer[name] for name in flags]))
        for name, value in zip(flags, drawn):
            getattr(state, name)[me] = value
        state.language[me] = model.newcomer["language"]

    def update_wellbeing(self) -> None:
        """Distress and belonging."""
        state, week, d, me = self.model.state, self.model.week, self.model.params.dynamics, self.me
        state.distress[me] = people_rules.update_distress(state.distress[me], state.group[me], state.legal_pending[me],
                                                          state.family_pending[me], week.negative[me], d.distress)
        state.belonging[me] = people_rules.update_belonging(state.belonging[me], state.group[me], week.positive[me],
                                                            state.employed[me], d.belonging)

    def feel_discrimination(self) -> None:
        """With `dynamics.discrimination` on: an arriving resident's negative intergroup encounters build
        experienced discrimination, which raises distress and lowers belonging."""
        model, state, me, d = self.model, self.model.state, self.me, self.model.params.dynamics.discrimination
        if not d.enabled:
            return
        if state.group[self.index] == ARRIVING:
            state.discrimination[me] = partner_rules.update_discrimination(state.discrimination[me],
                                                                           model.week.negative[me], d)
        state.distress[me], state.belonging[me] = partner_rules.discrimination_toll(
            state.distress[me], state.belonging[me], state.discrimination[me], d)


for _name in State.field_names():
    if _name != "group":
        setattr(Resident, _name, StateField(_name))


# ---- the reference engine's week ------------------------------------------------------------------
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


def observe_truth(model) -> None:
    """What arriving members are really like this week (what partners tell of their community)."""
    state = model.state
    model.truth = belief_rules.true_shares(state.group, state.education, state.employed)


def observe_neighbourhoods(model) -> None:
    """Each group's mean view in each neighbourhood this week (the neighbourhood part of the norm everyone
    perceives), and blank norms for the residents to fill in."""
    state = model.state
    model.neighbourhood_views = {name: norm_rules.neighbourhood_ingroup_mean(getattr(state, name), state.neighbourhood,
                                                                            state.group) for name in VIEWS}
    model.perceived_norms = {name: np.zeros(state.n) for name in VIEWS}


def observe_city(model) -> None:
    """The arriving share of the whole city (the city-wide part of the group size everyone perceives)."""
    model.city_arriving_share = float(np.mean(model.state.group == ARRIVING))


AGENTS_WEEK = (
    ("deliver_interventions", deliver_interventions),  # programmes act on the whole model, as in STEP_ORDER
    ("gather_public_encounters", gather_public_encounters),  # the week's public co-presences, as in STEP_ORDER
    ("meet", (open_week, "meet")),
    ("judge_quality", "judge_quality"),
    ("judge_valence", "judge_valence"),
    ("tally_contacts", "tally_contacts"),
    ("remember_partners", ("count_new_partners", "remember_meetings")),
    ("update_attitudes", "update_attitudes"),
    ("update_friendships", ("update_tie_strengths", "count_outgroup_friends")),
    ("extended_contact", "extended_contact"),
    ("follow_norms", (observe_neighbourhoods, "perceive_norms", "follow_norms")),
    ("update_beliefs", (observe_truth, "update_beliefs")),
    ("perceive_threat", (observe_city, "perceive_threat")),
    ("update_livelihoods", "update_livelihoods"),
    ("renew_arriving", "renew_arriving"),
    ("update_wellbeing", "update_wellbeing"),
    ("feel_discrimination", "feel_discrimination"),
    ("record", record),
    ("survey", survey),
)
"""The reference engine's week, phase by phase as in model/step.py's STEP_ORDER: a name is a Resident
method every resident runs (in random order) before the next entry starts; a function acts on the model."""


def run_agents_week(model) -> None:
    """One week of the reference engine, timing each phase in `model.phase_seconds`."""
    for name, parts in AGENTS_WEEK:
        started = time.perf_counter()
        for part in parts if isinstance(parts, tuple) else (parts,):
            if isinstance(part, str):
                model.agents.shuffle_do(part)
            else:
                part(model)
        model.phase_seconds[name] += time.perf_counter() - started
