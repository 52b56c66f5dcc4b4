"""Delivery: who takes part in a programme, when, and how they leave, whatever the programme does.

Three methods, any of which can carry any effect:
- `individual`: each participant on their own (a campaign, a course, a policy);
- `buddy_pairs`: receiving volunteers each paired with an arriving buddy; a volunteer leaving ends the pair;
- `mixed_groups`: groups of a set size and mix of both communities; every arriving-receiving pair in a
  group is a pair.
A delivery enrols once, at its start week, by eligibility, targeting, coverage and capacity; it draws
from streams named after its intervention, so adding one leaves every other draw unchanged.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.errors import InputError
from bridges.model.ranges import GROUPS, LAST_WEEK, MAX_AGENTS, MAX_STEPS, PERSONS, POSITIVE, UNIT, WEEK, bounded


TARGETING = ("random", "lowest_attitude", "highest_attitude", "highest_distress", "lowest_language",
             "highest_responsibility", "no_outgroup_contact")
"""How a programme picks among the eligible when it cannot take them all."""


EMPLOYMENT_FILTER = ("any", "employed", "not_employed")


@dataclass(frozen=True)
class EligibilityParams:
    """Who may take part: all conditions must hold."""

    groups: list[str]
    neighbourhoods: list[int] = field(metadata=bounded(0, MAX_AGENTS, 'neighbourhood index', 'also checked against city.n_neighbourhoods'))  # empty list = every neighbourhood
    attitude: list[float] = field(metadata=bounded(0.0, 100.0, 'thermometer points'))
    distress: list[float] = field(metadata=UNIT)
    employment: str

    def __post_init__(self):
        unknown = [g for g in self.groups if g not in GROUPS]
        if unknown or not self.groups:
            raise InputError(f"groups: must list some of {', '.join(GROUPS)}, got {self.groups}")
        for key in ("attitude", "distress"):
            bounds = getattr(self, key)
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise InputError(f"{key}: must be [low, high], got {bounds}")
        if self.employment not in EMPLOYMENT_FILTER:
            raise InputError(f"employment: must be one of {', '.join(EMPLOYMENT_FILTER)}, got {self.employment!r}")


@dataclass(frozen=True)
class DeliveryParams:
    """When a programme runs, who it reaches, and how people leave it."""

    start_week: int = field(metadata=bounded(1, MAX_STEPS, 'week', 'the most weeks a run may have'))
    end_week: int = field(metadata=WEEK)
    every_weeks: int = field(metadata=bounded(1, MAX_STEPS, 'weeks', 'the most weeks a run may have'))
    eligible: EligibilityParams
    targeting: str
    coverage: float = field(metadata=UNIT)
    method: str  # how people take part (model/interventions/delivery.py checks it and its own keys below)
    capacity: int | None = field(default=None, metadata=PERSONS)
    dropout: float = field(default=0.0, metadata=UNIT)
    buddy_targeting: str | None = None  # buddy_pairs: how arriving buddies are chosen (a TARGETING rule)
    group_size: int | None = field(default=None, metadata=POSITIVE)  # mixed_groups: members per group
    arriving_per_group: int | None = field(default=None, metadata=POSITIVE)  # mixed_groups: arriving members per group

    def __post_init__(self):
        if self.targeting not in TARGETING:
            raise InputError(f"targeting: must be one of {', '.join(TARGETING)}, got {self.targeting!r}")
        if self.end_week != LAST_WEEK and self.end_week < self.start_week:
            raise InputError(f"end_week: must not be before start_week ({self.start_week}), got {self.end_week}")


TARGETING_KEYS = {
    "lowest_attitude": lambda state: state.attitude,
    "highest_attitude": lambda state: -state.attitude,
    "highest_distress": lambda state: -state.distress,
    "lowest_language": lambda state: state.language,
    "highest_responsibility": lambda state: -state.responsibility,
    "no_outgroup_contact": lambda state: had_outgroup_contact(state).astype(float),
}
"""Sort keys (ascending = picked first) for each targeting rule other than 'random'."""


def had_outgroup_contact(state) -> np.ndarray:
    """Residents with any outgroup contact so far: an intergroup encounter this run or in the contact
    history (a running average above zero) or a cross-group friendship. `no_outgroup_contact` targeting
    picks the others first: contact is thought to do most for people who have had none (Pettigrew &
    Tropp 2006), and a planner can reach them without knowing their views."""
    return (state.intergroup_contacts > 0) | (state.recent_encounters > 0) | (state.outgroup_friends > 0)


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


def in_draw_order(chosen: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices of the chosen residents, ordered by their uniforms (a random order)."""
    return np.flatnonzero(chosen)[np.argsort(u[chosen], kind="stable")]


def match_buddies(volunteers: np.ndarray, buddies: np.ndarray) -> np.ndarray:
    """Pair the i-th volunteer with the i-th buddy: pairs of (volunteer, buddy), as many as the shorter list."""
    count = min(len(volunteers), len(buddies))
    return np.column_stack([volunteers[:count], buddies[:count]]).astype(np.int64)


def form_groups(arriving: np.ndarray, receiving: np.ndarray, arriving_per_group: int,
                receiving_per_group: int) -> tuple[np.ndarray, np.ndarray]:
    """Mixed groups filled in order; returns (members, every arriving-receiving pair within a group)."""
    n_groups = min(len(arriving) // arriving_per_group, len(receiving) // receiving_per_group)
    a = arriving[: n_groups * arriving_per_group].reshape(n_groups, arriving_per_group)
    r = receiving[: n_groups * receiving_per_group].reshape(n_groups, receiving_per_group)
    pairs = np.stack(np.broadcast_arrays(a[:, :, None], r[:, None, :]), axis=-1).reshape(-1, 2)
    members = np.concatenate([a.ravel(), r.ravel()])
    return members.astype(np.int64), pairs.astype(np.int64)


class Delivery:
    """Individual enrolment: the eligible picked by targeting up to the places offered; each
    participant leaves with the weekly drop-out hazard. Keeps who is enrolled now and ever, and the
    arriving-receiving pairs it brings together (none for individual enrolment)."""

    options: tuple[str, ...] = ()  # the method's own keys in `delivery`
    brings_together = False  # True if participants meet in pairs

    def __init__(self, name: str, params: DeliveryParams, n_people: int, last_week: int):
        self.name, self.params = name, params
        self.end_week = last_week if params.end_week == LAST_WEEK else params.end_week
        self.enrolled = np.zeros(n_people, dtype=bool)
        self.ever_enrolled = np.zeros(n_people, dtype=bool)
        self.pairs = np.empty((0, 2), dtype=np.int64)
        self.support_boost = 0.0  # added to the institutional support of the participants' meetings

    def check(self, key: str) -> None:
        """Raise InputError unless exactly this method's own keys are set."""
        for option in ("buddy_targeting", "group_size", "arriving_per_group"):
            value = getattr(self.params, option)
            if option in self.options and value is None:
                raise InputError(f"{key}.{option}: missing value (needed by delivery method {self.params.method!r})")
            if option not in self.options and value is not None:
                raise InputError(f"{key}.{option}: not used by delivery method {self.params.method!r}")

    def stream(self, decision: str) -> str:
        return f"intervention.{self.name}.{decision}"

    def active(self, week: int) -> bool:
        return self.params.start_week <= week <= self.end_week

    def session(self, week: int) -> bool:
        """Weeks in which the programme meets (every `every_weeks` from the start)."""
        return self.active(week) and (week - self.params.start_week) % self.params.every_weeks == 0

    def coordinate(self, params: DeliveryParams, support_boost: float) -> None:
        """Adopt a coordinated delivery (model/interventions/coordination.py)."""
        self.params = params
        self.support_boost = support_boost

    def select(self, model) -> np.ndarray:
        """Who enrols at the start: targeting among the eligible, up to the places offered."""
        candidates = eligible(model.state, self.params)
        u = model.streams.uniform(self.stream("select"), 0, model.state.n)
        return pick(candidates, target_count(int(candidates.sum()), self.params), self.params.targeting, model.state, u)

    def enrol(self, model) -> None:
        self.enrolled = self.select(model)
        self.ever_enrolled |= self.enrolled

    def drop_out(self, model) -> None:
        """Each participant leaves with the weekly drop-out hazard."""
        u = model.streams.uniform(self.stream("dropout"), model.steps, model.state.n)
        self.enrolled &= ~(u < self.params.dropout)

    def end(self) -> None:
        self.enrolled[:] = False


class BuddyPairs(Delivery):
    """Receiving volunteers (picked as in individual enrolment) each paired with an arriving buddy who
    meets the same eligibility conditions, picked by `buddy_targeting`; a volunteer leaving ends the pair."""

    options = ("buddy_targeting",)
    brings_together = True

    def check(self, key: str) -> None:
        super().check(key)
        if self.params.buddy_targeting not in TARGETING:
            raise InputError(f"{key}.buddy_targeting: must be one of {', '.join(TARGETING)}, "
                             f"got {self.params.buddy_targeting!r}")

    def select(self, model) -> np.ndarray:
        state = model.state
        volunteers = super().select(model) & (state.group == GROUPS.index("receiving"))
        candidates = eligible(state, self.params, groups=["arriving"])
        u = model.streams.uniform(self.stream("buddies"), 0, state.n)
        buddies = pick(candidates, int(volunteers.sum()), self.params.buddy_targeting, state, u)
        self.pairs = match_buddies(np.flatnonzero(volunteers), in_draw_order(buddies, u))
        enrolled = np.zeros(state.n, dtype=bool)
        enrolled[self.pairs.ravel()] = True
        return enrolled

    def drop_out(self, model) -> None:
        """A volunteer leaving ends the pair (the buddy leaves too)."""
        u = model.streams.uniform(self.stream("dropout"), model.steps, model.state.n)
        staying = self.enrolled[self.pairs[:, 0]] & ~(u[self.pairs[:, 0]] < self.params.dropout)
        self.enrolled[:] = False
        self.enrolled[self.pairs[staying].ravel()] = True


class MixedGroups(Delivery):
    """`places // group_size` groups, each of `arriving_per_group` arriving and the rest receiving
    members picked by targeting; members leave one by one."""

    options = ("group_size", "arriving_per_group")
    brings_together = True

    def check(self, key: str) -> None:
        super().check(key)
        if self.params.arriving_per_group >= self.params.group_size:
            raise InputError(f"{key}.arriving_per_group: must be below group_size ({self.params.group_size}), "
                             f"got {self.params.arriving_per_group}")

    def select(self, model) -> np.ndarray:
        state, d = model.state, self.params
        candidates = eligible(state, d)
        n_groups = target_count(int(candidates.sum()), d) // d.group_size
        u = model.streams.uniform(self.stream("select"), 0, state.n)
        chosen = {}
        for label, per_group in (("arriving", d.arriving_per_group), ("receiving", d.group_size - d.arriving_per_group)):
            picked = pick(candidates & (state.group == GROUPS.index(label)), n_groups * per_group, d.targeting, state, u)
            chosen[label] = in_draw_order(picked, u)
        members, self.pairs = form_groups(chosen["arriving"], chosen["receiving"], d.arriving_per_group,
                                          d.group_size - d.arriving_per_group)
        enrolled = np.zeros(state.n, dtype=bool)
        enrolled[members] = True
        return enrolled


METHODS: dict[str, type[Delivery]] = {"individual": Delivery, "buddy_pairs": BuddyPairs, "mixed_groups": MixedGroups}
"""Delivery methods by the name used in `delivery.method`."""


def make_delivery(name: str, params: DeliveryParams, n_people: int, last_week: int) -> Delivery:
    """The delivery a scenario entry asks for, its keys checked."""
    key = f"interventions.{name}.delivery"
    if params.method not in METHODS:
        raise InputError(f"{key}.method: unknown delivery method {params.method!r} (known: {', '.join(METHODS)})")
    delivery = METHODS[params.method](name, params, n_people, last_week)
    delivery.check(key)
    return delivery

