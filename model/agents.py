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
only who draws which random number. Programmes, metrics and the survey act on the whole model, as in the
vectorised week. It is the readable version for students and the yardstick for speed; random numbers
come from the model's generator, so the two engines agree in distribution, not number for number.
"""

import time

import mesa
import numpy as np

from model.interventions import anti_discrimination
from model.params import BELIEFS, GROUPS
from model.rules import beliefs as belief_rules
from model.rules import contact as contact_rules
from model.rules import friendship as friendship_rules
from model.rules import people as people_rules
from model.state import RECEIVING, STATIC_FIELDS, THERMOMETER_MAX, State
from model.step import deliver_interventions, record, survey


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
        getattr(agent.model.state, self.name)[agent.index] = value


def fixed_by_the_city(name: str) -> AttributeError:
    return AttributeError(f"Resident.{name} is fixed when the city is built (the resident's ties follow it) "
                          "and cannot be assigned; build a different city instead")


class Resident(mesa.Agent):
    """A city resident, arriving or receiving; all state lives in the model's arrays."""

    def __init__(self, model, index: int):
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

    # ---- the reference engine: one week as the resident sees it -----------------------------------
    def ties(self, block, side: str) -> np.ndarray:
        """Indices of this week's ties in `block` where this resident is the `side` end."""
        order, start = self.model.tie_index[block.name][side]
        return order[start[self.index]:start[self.index + 1]]

    def meet(self) -> None:
        """Encounters on the ties this resident starts (each tie is met once, by its source end)."""
        model, state, p = self.model, self.model.state, self.model.params
        for block in model.contact_blocks():
            mine = self.ties(block, "source")
            if not mine.size:
                continue
            partners = block.target[mine]
            rate = contact_rules.live_rate(block.rate[mine], block.live[mine], block.needs_employment[mine],
                                           state.employed[self.me], state.employed[partners])
            if block.voluntary:
                ready = contact_rules.willingness(state.anxiety[self.me], state.distress[self.me],
                                                  state.responsibility[self.me], p.contact.willingness)
                ready_partners = contact_rules.willingness(state.anxiety[partners], state.distress[partners],
                                                           state.responsibility[partners], p.contact.willingness)
                rate = contact_rules.encounter_rate(rate, ready, ready_partners,
                                                    friendship_rules.meeting_factor(block.friend[mine], p.dynamics.friendship))
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
        """How this resident experienced each of its encounters: positive or negative."""
        model = self.model
        offset = model.params.contact.valence_offset_for(model.state.group[self.me])
        for block in model.contact_blocks():
            for side in ("source", "target"):
                mine = self.ties(block, side)
                if not mine.size:
                    continue
                p_positive = anti_discrimination.spare_negative(
                    contact_rules.positive_probability(block.quality[mine], offset), block.negative_reduction[mine])
                block.positive[side][mine], block.negative[side][mine] = contact_rules.draw_valence(
                    block.encounters[mine], p_positive, model.rng.random(mine.size))

    def tally_contacts(self) -> None:
        """This resident's contact this week (raw, and with friend encounters weighted) and its history."""
        model, state, week, f = self.model, self.model.state, self.model.week, self.model.params.dynamics.friendship
        totals = {name: np.zeros(1) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
        for block in model.contact_blocks():
            for side in ("source", "target"):
                mine = self.ties(block, side)
                if not mine.size:
                    continue
                weight = friendship_rules.contact_weight(block.friend[mine], f)
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

    def update_attitudes(self) -> None:
        """Attitude, anxiety and trust after this week's contact."""
        model, state, week, contact, me = self.model, self.model.state, self.model.week, self.model.params.contact, self.me
        state.attitude[me], state.anxiety[me], state.trust[me] = contact_rules.update_views(
            state.attitude[me], state.anxiety[me], state.trust[me], week.positive_weighted[me],
            week.negative_weighted[me], contact.susceptibility_for(state.group[me]), contact.update, THERMOMETER_MAX)

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
            started, ended = self.ties(block, "source"), self.ties(block, "target")
            # Local numbering: this resident is 0, any partner 1.
            ends = np.concatenate([np.zeros(started.size, dtype=np.int64), np.ones(ended.size, dtype=np.int64)])
            count += friendship_rules.ties_per_person(2, ends, 1 - ends, block.friend[np.concatenate([started, ended])])[0]
        self.model.state.outgroup_friends[self.me] = count

    def extended_contact(self) -> None:
        """Warm to the outgroup through ingroup friends who have outgroup friends."""
        model, state, me = self.model, self.model.state, self.me
        friends = model.ingroup_friends
        mine = friends.indices[friends.indptr[self.index]:friends.indptr[self.index + 1]]
        state.extended_contacts[me] = friendship_rules.extended_contacts(np.ones((1, mine.size)),
                                                                         state.outgroup_friends[mine])
        state.attitude[me] = friendship_rules.extended_contact_update(
            state.attitude[me], state.extended_contacts[me], model.ingroup_friend_count[me],
            model.params.contact.susceptibility_for(state.group[me]), model.params.dynamics, THERMOMETER_MAX)

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

    def update_wellbeing(self) -> None:
        """Distress and belonging."""
        state, week, d, me = self.model.state, self.model.week, self.model.params.dynamics, self.me
        state.distress[me] = people_rules.update_distress(state.distress[me], state.group[me], state.legal_pending[me],
                                                          state.family_pending[me], week.negative[me], d.distress)
        state.belonging[me] = people_rules.update_belonging(state.belonging[me], state.group[me], week.positive[me],
                                                            state.employed[me], d.belonging)


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


AGENTS_WEEK = (
    ("deliver_interventions", deliver_interventions),  # programmes act on the whole model, as in STEP_ORDER
    ("meet", (open_week, "meet")),
    ("judge_quality", "judge_quality"),
    ("judge_valence", "judge_valence"),
    ("tally_contacts", "tally_contacts"),
    ("update_attitudes", "update_attitudes"),
    ("update_friendships", ("update_tie_strengths", "count_outgroup_friends")),
    ("extended_contact", "extended_contact"),
    ("update_beliefs", (observe_truth, "update_beliefs")),
    ("update_livelihoods", "update_livelihoods"),
    ("update_wellbeing", "update_wellbeing"),
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
