"""What every intervention shares: delivery (who, when, how many, drop-out) and cost accounting.

An intervention's *delivery* decides who takes part and when; its *effect* (a subclass's pure rule
function, in the subclass's own file) decides what taking part does. Each intervention draws its
random numbers from streams named after it, so adding one leaves every other draw unchanged.
"""

from dataclasses import dataclass, replace

import numpy as np

from model.params import GROUPS, LAST_WEEK, DeliveryParams, InterventionParams, build
from model.ties import ContactBlock

TARGETING_KEYS = {
    "lowest_attitude": lambda state: state.attitude,
    "highest_attitude": lambda state: -state.attitude,
    "highest_distress": lambda state: -state.distress,
    "lowest_language": lambda state: state.language,
    "highest_responsibility": lambda state: -state.responsibility,
}
"""Sort keys (ascending = picked first) for each targeting rule other than 'random'."""


@dataclass(frozen=True)
class Coordination:
    """How a multi-stakeholder partnership changes the other programmes of a scenario."""

    reach: float  # relative rise of coverage and capacity
    retention: float  # share of drop-out prevented
    institutional_support: float  # added to a programme's institutional-support condition


def eligible(state, delivery: DeliveryParams, groups: list[str] | None = None) -> np.ndarray:
    """Residents meeting every eligibility condition of a delivery (optionally for other groups)."""
    rules = delivery.eligible
    mask = np.isin(state.group, [GROUPS.index(g) for g in (groups or rules.groups)])
    if rules.neighbourhoods:
        mask &= np.isin(state.neighbourhood, rules.neighbourhoods)
    mask &= (state.attitude >= rules.attitude[0]) & (state.attitude <= rules.attitude[1])
    mask &= (state.distress >= rules.distress[0]) & (state.distress <= rules.distress[1])
    if rules.employment != "any":
        mask &= state.employed if rules.employment == "employed" else ~state.employed
    return mask


def pick(candidates: np.ndarray, count: int, targeting: str, state, u: np.ndarray) -> np.ndarray:
    """`count` of the candidate residents chosen by the targeting rule (ties broken by the uniforms)."""
    chosen = np.zeros(len(candidates), dtype=bool)
    pool = np.flatnonzero(candidates)
    count = min(count, pool.size)
    if count <= 0:
        return chosen
    if targeting == "random":
        order = pool[np.argsort(u[pool], kind="stable")]
    else:
        order = pool[np.lexsort((u[pool], TARGETING_KEYS[targeting](state)[pool]))]
    chosen[order[:count]] = True
    return chosen


def target_count(n_eligible: int, delivery: DeliveryParams) -> int:
    """Places offered: coverage of the eligible, capped by capacity."""
    count = int(round(delivery.coverage * n_eligible))
    return count if delivery.capacity is None else min(count, delivery.capacity)


class Intervention:
    """Delivery and cost shared by all interventions; subclasses add an effect.

    Subclass hooks: `select` (who enrols), `on_enrol`, `on_week` (the effect, every active week),
    `contact_blocks` (programme ties, for interventions that bring people together).
    """

    Effect = None  # dataclass of the type's effect parameters
    coordinates = False  # True for the coordination intervention, which adjusts the others

    def __init__(self, name: str, config: InterventionParams, n_people: int, last_week: int):
        self.name, self.config = name, config
        self.delivery = config.delivery
        self.effect = build(self.Effect, config.effect, f"interventions.{name}.effect")
        self.end_week = last_week if self.delivery.end_week == LAST_WEEK else self.delivery.end_week
        self.enrolled = np.zeros(n_people, dtype=bool)
        self.ever_enrolled = np.zeros(n_people, dtype=bool)
        self.participant_weeks = 0
        self.weeks_run = 0
        self.support_boost = 0.0

    def coordinate(self, coordination: Coordination) -> None:
        """Adopt a partnership's wider reach, better retention and stronger institutional support."""
        d = self.delivery
        capacity = None if d.capacity is None else int(round(d.capacity * (1.0 + coordination.reach)))
        self.delivery = replace(d, coverage=min(1.0, d.coverage * (1.0 + coordination.reach)), capacity=capacity,
                                dropout=d.dropout * (1.0 - coordination.retention))
        self.support_boost = min(1.0, self.support_boost + coordination.institutional_support)

    # ---- delivery -------------------------------------------------------------------------------
    def stream(self, decision: str) -> str:
        return f"intervention.{self.name}.{decision}"

    def active(self, week: int) -> bool:
        return self.delivery.start_week <= week <= self.end_week

    def session(self, week: int) -> bool:
        """Weeks in which the programme meets (every `every_weeks` from the start)."""
        return self.active(week) and (week - self.delivery.start_week) % self.delivery.every_weeks == 0

    def select(self, model) -> np.ndarray:
        """Who enrols at the start: targeting among the eligible, up to the places offered."""
        candidates = eligible(model.state, self.delivery)
        u = model.streams.uniform(self.stream("select"), 0, model.state.n)
        return pick(candidates, target_count(int(candidates.sum()), self.delivery), self.delivery.targeting, model.state, u)

    def drop_out(self, model) -> None:
        """Each participant leaves with the weekly drop-out hazard."""
        u = model.streams.uniform(self.stream("dropout"), model.steps, model.state.n)
        self.enrolled &= ~(u < self.delivery.dropout)

    def deliver(self, model) -> None:
        """This week's delivery: enrol at the start, drop-outs, the effect, cost accounting, the end."""
        week = model.steps
        if week == self.delivery.start_week:
            self.enrolled = self.select(model)
            self.ever_enrolled |= self.enrolled
            self.on_enrol(model)
        if self.active(week):
            if week > self.delivery.start_week:
                self.drop_out(model)
            self.participant_weeks += int(self.enrolled.sum())
            self.weeks_run += 1
            self.on_week(model, self.session(week))
        elif week == self.end_week + 1:
            self.enrolled[:] = False
            self.on_week(model, False)

    # ---- hooks ----------------------------------------------------------------------------------
    def check(self, params) -> None:
        """Raise InputError if the effect does not fit the rest of the configuration."""

    def on_enrol(self, model) -> None:
        """Set up after enrolment (e.g. form pairs or groups)."""

    def on_week(self, model, session: bool) -> None:
        """Apply the effect for this week."""

    def contact_blocks(self) -> list[ContactBlock]:
        return []

    # ---- cost -----------------------------------------------------------------------------------
    def costs(self) -> dict:
        """Cost so far: fixed + per week run + per participant-week, and per participant reached."""
        c = self.config.cost
        total = c.fixed + c.per_week * self.weeks_run + c.per_participant_week * self.participant_weeks
        participants = int(self.ever_enrolled.sum())
        return {"intervention": self.name, "type": self.config.type, "currency": c.currency,
                "participants": participants, "participant_weeks": self.participant_weeks,
                "weeks_run": self.weeks_run, "total_cost": total,
                "cost_per_participant": total / participants if participants else float("nan")}
