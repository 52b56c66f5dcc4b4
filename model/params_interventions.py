"""Parameters every intervention shares (conf/intervention/shared/): delivery, eligibility and cost; each
effect's own parameters live in its file in model/interventions/."""

from dataclasses import dataclass, field

from bridges.model.errors import InputError
from bridges.model.ranges import COST, GROUPS, LAST_WEEK, MAX_AGENTS, MAX_STEPS, PERSONS, POSITIVE, UNIT, WEEK, bounded


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


@dataclass(frozen=True)
class CostParams:
    """What a programme costs: fixed, per week it runs, and per participant-week."""

    currency: str
    fixed: float = field(metadata=COST)
    per_week: float = field(metadata=COST)
    per_participant_week: float = field(metadata=COST)


@dataclass(frozen=True)
class InterventionParams:
    """One intervention in a scenario: its type (a label), delivery, cost and effect parameters.

    `effect` names its kind (`effect.kind`) and is checked against that effect's own parameters
    (model/interventions/)."""

    type: str
    delivery: DeliveryParams
    cost: CostParams
    effect: dict
