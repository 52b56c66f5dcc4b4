"""Typed, validated parameters built once from the composed configuration.

The numbers themselves live in `conf/`; this module only declares which keys exist, their types and
their allowed ranges. `build(Params, cfg)` checks everything and raises `InputError` naming the first
offending key, so the model never sees a malformed value.
"""

import math
import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from typing import Any, Union, get_args, get_origin, get_type_hints

import numpy as np

from bridges.model.errors import InputError

GROUPS = ("receiving", "arriving")
"""Group labels; an agent's group code is its index here (0 = receiving, 1 = arriving)."""


def per_group(values: dict[str, float], group: np.ndarray) -> np.ndarray:
    """A per-group parameter ({label: value}) spread to each person by group code (index into GROUPS)."""
    return np.array([values[label] for label in GROUPS])[group]


EDUCATION_LEVELS = ("basic", "secondary", "higher")
"""Education levels; an agent's education code is its index here."""

LAYER_KINDS = {
    "household": set(),
    "neighbourhood": {"degree", "homophily"},
    "workplace": {"degree", "homophily", "site_size", "sectors"},
    "school": {"degree", "homophily", "participation"},
    "venue": {"degree", "homophily", "site_size", "segregation", "participation"},
}
"""Layer kinds and the structural keys each needs (all kinds need a rate and Allport conditions)."""


# ---- range checks ---------------------------------------------------------------------------------
def _show(number) -> str:
    return f"{number:,}" if isinstance(number, int) else f"{number:g}"


def _range(low=None, high=None, low_open=False, label="", why=""):
    """A check for a finite number in [low, high] (or (low, high] if `low_open`); returns the problem or None.
    `why` (the reason for the upper bound) is added when a value is too large."""
    def check(value):
        if isinstance(value, float) and not math.isfinite(value):
            return f"{label} (a finite number)"
        if low is not None and (value < low or (low_open and value == low)):
            return label
        if high is not None and value > high:
            return f"{label}: {why}" if why else label
        return None

    return check


def bounded(low, high, unit: str, why: str = "", low_open: bool = False, **extra) -> dict:
    """Field metadata: a finite number in [low, high] (or (low, high]) measured in `unit`; `why` says
    where the upper bound comes from."""
    if low_open:
        label = f"must be greater than {_show(low)} and at most {_show(high)} {unit}".rstrip()
    else:
        label = f"must be in [{_show(low)}, {_show(high)}] {unit}".rstrip()
    return {"check": _range(low, high, low_open, label, why), "unit": unit, "low": low, "high": high,
            "low_open": low_open, "why": why, **extra}


MAX_EXACT_INT = 2**53
"""Largest whole number taken where a number is expected (exact as a float)."""
MAX_MAGNITUDE = 100
"""Ceiling of a quantity declared only as positive or non-negative (intervention effects: relative rises,
encounters per session, group sizes): none is meaningfully above 100 in its own unit (a 100-fold rise,
100 encounters per pair per session, groups of 100 meeting together), and per-session encounters above it
make the weekly contact sampling run for hours. Fields that need a wider range state their own."""
UNIT = bounded(0.0, 1.0, "")
POSITIVE = bounded(0, MAX_MAGNITUDE, "", "the ceiling of effect factors, counts and group sizes", low_open=True)
NON_NEGATIVE = bounded(0, MAX_MAGNITUDE, "", "the ceiling of effect factors, counts and group sizes")
PER_GROUP_UNIT = {**UNIT, "per_group": True}
MAX_RATE = 100.0
"""Ceiling on encounters per tie per week: far above daily contact (7), low enough for exact sampling."""
LAST_WEEK = -1
"""A week of -1 (survey week, programme end week) means the run's last week."""
RATE = bounded(0.0, MAX_RATE, "encounters per tie per week", "far above daily contact (7 a week)")
MAX_AGENTS = 10_000_000
"""Most residents in one run: memory grows about 8 kB per resident (state, ties, network; see
model/resources.py), so ten million need about 80 GB; larger populations are beyond a single machine."""
MAX_STEPS = 5_200
"""Most weeks in one run: a hundred years, far beyond any integration horizon."""
MAX_SEED = 2**32 - 1
"""Largest seed: seeds are stored as 64-bit integers (seed + replicate in comparisons), and 32 bits is the
convention every RNG seeding interface accepts."""
MAX_DEGREE = 1_000
"""Most mean ties per resident in one layer: far above any personal network (~150 people known by
name); also checked to stay below the population."""
MAX_SITE = 100_000
"""Most people per workplace or venue site: larger than any single workplace or club."""
MAX_HOUSEHOLD = 50.0
"""Largest mean adults per household: beyond it a 'household' is an institution."""
MAX_COST = 1e12
"""Ceiling of any cost figure in its currency: beyond the budget of any national programme."""
MAX_WEIGHT = 100.0
"""Ceiling of a logistic weight or multiplier: at 100 the logistic is already 0 or 1 to machine precision."""
COST = bounded(0.0, MAX_COST, "in the cost currency", "beyond the budget of any national programme")
WEEK = bounded(-1, MAX_STEPS, "weeks (-1 = the last week)", "the most weeks a run may have")
PERSONS = bounded(0, MAX_AGENTS, "persons", "the largest population a run may have")
WEIGHT = bounded(-MAX_WEIGHT, MAX_WEIGHT, "(logit)", "the logistic is saturated far below this")
NON_NEGATIVE_WEIGHT = bounded(0.0, MAX_WEIGHT, "(logit)", "the logistic is saturated far below this")
MULTIPLIER = bounded(0.0, MAX_WEIGHT, "x", "a hundredfold is far beyond any plausible effect", low_open=True)
STATE_SCALE = bounded(0.0, 100.0, "(the variable's own units: 0-100 for attitude, 0-1 otherwise)",
                      "no state variable's range is wider than 100")
STATE_SPREAD = bounded(0.0, 100.0, "(the variable's own units)", "no state variable's range is wider than 100",
                       low_open=True)
SELECTION_WEIGHT = bounded(0.0, 3.0, "(log rate ratio per unit of attitude / 100 or trust)",
                           "at 3 the warmest pair meets e^3 = 20 times as often as a pair at the midpoints, beyond "
                           "any reported self-selection into contact; weights near 5 make one year's sampling run "
                           "for a minute, 100 for hours")
ENCOUNTER_RATE = bounded(0.0, 7 * 24.0, "encounters per week", "a week holds 168 hours")
NOISE = bounded(0.0, 100.0, "(the item's own units)", "wider than any item's whole scale")


# ---- the city and its people ----------------------------------------------------------------------
@dataclass(frozen=True)
class Distribution:
    """Initial distribution of a bounded state variable: a Beta with this mean and standard deviation,
    scaled to the variable's range."""

    mean: float = field(metadata=STATE_SCALE)
    sd: float = field(metadata=STATE_SPREAD)


@dataclass(frozen=True)
class GroupParams:
    """Initial composition of one community."""

    employed: float = field(metadata=UNIT)
    studying: float = field(metadata=UNIT)
    education: dict[str, float] = field(metadata=UNIT)
    qualification_recognised: float = field(metadata=UNIT)
    legal_pending: float = field(metadata=UNIT)
    family_pending: float = field(metadata=UNIT)
    language: Distribution
    attitude: Distribution
    anxiety: Distribution
    trust: Distribution
    distress: Distribution
    belonging: Distribution
    responsibility: Distribution

    def __post_init__(self):
        if sorted(self.education) != sorted(EDUCATION_LEVELS) or abs(sum(self.education.values()) - 1.0) > 1e-6:
            raise InputError(f"education: shares of {', '.join(EDUCATION_LEVELS)} must be given and sum to 1")


@dataclass(frozen=True)
class SectorParams:
    """A sector of the labour market: which share of each group's workers it employs, and how sorted."""

    share: dict[str, float] = field(metadata=PER_GROUP_UNIT)
    segregation: float = field(metadata=UNIT)


@dataclass(frozen=True)
class LayerParams:
    """One contact layer: how ties form there (by kind) and what an encounter there is like."""

    kind: str
    contact_rate: float = field(metadata=RATE)
    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)
    degree: float | None = field(default=None, metadata=bounded(0.0, MAX_DEGREE, 'ties per resident', 'far above any personal network'))
    homophily: float | None = field(default=None, metadata=UNIT)
    site_size: int | None = field(default=None, metadata=bounded(1, MAX_SITE, 'persons per site', 'larger than any single workplace or club'))
    segregation: float | None = field(default=None, metadata=UNIT)
    participation: dict[str, float] | None = field(default=None, metadata=PER_GROUP_UNIT)
    sectors: dict[str, SectorParams] | None = None

    def check(self, key: str) -> None:
        """Raise InputError unless exactly the structural keys of this layer's kind are set."""
        if self.kind not in LAYER_KINDS:
            raise InputError(f"{key}.kind: unknown layer kind {self.kind!r} (known: {', '.join(LAYER_KINDS)})")
        needed = LAYER_KINDS[self.kind]
        for name in sorted(set().union(*LAYER_KINDS.values())):
            value = getattr(self, name)
            if name in needed and value is None:
                raise InputError(f"{key}.{name}: missing value (needed by layer kind {self.kind!r})")
            if name not in needed and value is not None:
                raise InputError(f"{key}.{name}: not used by layer kind {self.kind!r}")
        if self.sectors:
            for label in GROUPS:
                total = sum(sector.share[label] for sector in self.sectors.values())
                if abs(total - 1.0) > 1e-6:
                    raise InputError(f"{key}.sectors: {label} shares must sum to 1, got {total:g}")


@dataclass(frozen=True)
class BeliefParams:
    """Receiving members' beliefs about arriving members: initial spread and the media prior."""

    education: Distribution
    employment: Distribution
    welfare: Distribution
    media_prior: dict[str, float] = field(metadata=UNIT)


@dataclass(frozen=True)
class CustomCityParams:
    """A user-supplied network replacing the generated one (all null = generate)."""

    graphml: str | None = None
    edges_csv: str | None = None
    nodes_csv: str | None = None

    @property
    def used(self) -> bool:
        return any(value is not None for value in (self.graphml, self.edges_csv, self.nodes_csv))


@dataclass(frozen=True)
class CityParams:
    """The city: its size, its neighbourhoods, its contact layers and its people."""

    name: str
    n_agents: int = field(metadata=bounded(1, MAX_AGENTS, 'persons', 'memory: about 8 kB per resident'))
    arriving_share: float = field(metadata=UNIT)
    n_neighbourhoods: int = field(metadata=bounded(1, MAX_AGENTS, 'neighbourhoods', 'also checked against city.n_agents'))
    arrival_area_share: float = field(metadata=UNIT)
    segregation: float = field(metadata=UNIT)
    household_size: dict[str, float] = field(metadata=bounded(1.0, MAX_HOUSEHOLD, 'adults per household', 'beyond it a household is an institution', per_group=True))
    layers: dict[str, LayerParams]
    groups: dict[str, GroupParams]
    beliefs: BeliefParams
    custom: CustomCityParams

    def __post_init__(self):
        if sorted(self.groups) != sorted(GROUPS):
            raise InputError(f"city.groups: must define exactly {', '.join(GROUPS)}, got {', '.join(self.groups) or 'none'}")
        for name, layer in self.layers.items():
            layer.check(f"city.layers.{name}")
        if sorted(self.beliefs.media_prior) != sorted(BELIEFS):
            raise InputError(f"city.beliefs.media_prior: must give {', '.join(BELIEFS)}")


BELIEFS = ("education", "employment", "welfare")
"""What receiving members hold beliefs about: arriving members' shares with higher education, in
work, and on welfare."""


# ---- the virtual survey -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrequencyCutoffs:
    """Lowest recent-encounter rate [encounters/week] giving each contact-frequency answer (below the
    first: "never")."""

    less_than_monthly: float = field(metadata=ENCOUNTER_RATE)
    monthly: float = field(metadata=ENCOUNTER_RATE)
    weekly: float = field(metadata=ENCOUNTER_RATE)
    daily: float = field(metadata=ENCOUNTER_RATE)

    def __post_init__(self):
        cuts = [self.less_than_monthly, self.monthly, self.weekly, self.daily]
        if any(a >= b for a, b in zip(cuts, cuts[1:])):
            raise InputError(f"survey.frequency_cutoffs: must increase from less_than_monthly to daily, got {cuts}")


@dataclass(frozen=True)
class ResponseNoise:
    """Standard deviation of normal answer noise per item family, in the item's own units."""

    contact_quality: float = field(metadata=NOISE)  # points on 1-5
    thermometer: float = field(metadata=NOISE)  # points on 0-100
    likert: float = field(metadata=NOISE)  # points on 1-5: anxiety, trust, belonging, distress
    perceived: float = field(metadata=NOISE)  # percentage points: perceived_*


@dataclass(frozen=True)
class SurveyParams:
    """When the survey is fielded, how many answer per community, and how state becomes answers."""

    weeks: list[int] = field(metadata=WEEK)
    respondents: dict[str, int] = field(metadata={**PERSONS, 'per_group': True})
    frequency_cutoffs: FrequencyCutoffs
    response_noise: ResponseNoise



# ---- interventions --------------------------------------------------------------------------------
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


# ---- the mechanisms -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QualityParams:
    """Logistic weights turning setting and people into the quality of an intergroup encounter."""

    intercept: float = field(metadata=WEIGHT)
    equal_status: float = field(metadata=WEIGHT)
    common_goal: float = field(metadata=WEIGHT)
    cooperation: float = field(metadata=WEIGHT)
    institutional_support: float = field(metadata=WEIGHT)
    shared_language: float = field(metadata=WEIGHT)
    anxiety: float = field(metadata=WEIGHT)
    distress: float = field(metadata=WEIGHT)

    def condition_weights(self) -> np.ndarray:
        """Weights of the four Allport conditions, in ALLPORT_CONDITIONS order (model/city.py)."""
        return np.array([self.equal_status, self.common_goal, self.cooperation, self.institutional_support])


@dataclass(frozen=True)
class WillingnessParams:
    """How anxiety and distress lower, and responsibility raises, a person's readiness to meet."""

    anxiety: float = field(metadata=NON_NEGATIVE_WEIGHT)
    distress: float = field(metadata=NON_NEGATIVE_WEIGHT)
    responsibility: float = field(metadata=NON_NEGATIVE_WEIGHT)
    floor: float = field(metadata=UNIT)


@dataclass(frozen=True)
class UpdateParams:
    """Per-encounter steps of attitude, anxiety and trust, and the negativity asymmetry."""

    attitude_step: float = field(metadata=UNIT)
    anxiety_step: float = field(metadata=UNIT)
    trust_step: float = field(metadata=UNIT)
    negativity_weight: float = field(metadata=MULTIPLIER)


@dataclass(frozen=True)
class IncidentalParams:
    """Brief encounters in shared public space, whose rate follows outgroup exposure (Blau 1977)."""

    enabled: bool
    opportunities: int = field(metadata=NON_NEGATIVE)
    local_share: float = field(metadata=UNIT)
    rate: float = field(metadata=RATE)
    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)

    def conditions(self) -> np.ndarray:
        """Public space's Allport conditions, in ALLPORT_CONDITIONS order (model/city.py)."""
        return np.array([self.equal_status, self.common_goal, self.cooperation, self.institutional_support])


@dataclass(frozen=True)
class PartnerParams:
    """How the partner's prejudice shifts one's chance of a positive experience."""

    enabled: bool
    prejudice_weight: float = field(metadata=NON_NEGATIVE)


@dataclass(frozen=True)
class SelectionParams:
    """Attitude and trust scaling encounter rates in settings people choose."""

    enabled: bool
    attitude_weight: float = field(metadata=SELECTION_WEIGHT)
    trust_weight: float = field(metadata=SELECTION_WEIGHT)
    chosen_kinds: list[str]

    def __post_init__(self):
        unknown = [kind for kind in self.chosen_kinds if kind not in LAYER_KINDS]
        if unknown:
            raise InputError(f"chosen_kinds: unknown layer kind {unknown[0]!r} (known: {', '.join(LAYER_KINDS)})")


@dataclass(frozen=True)
class GeneralisationParams:
    """Group salience and novelty: how far an encounter carries to the group."""

    enabled: bool
    salience: float = field(metadata=UNIT)
    incidental_salience: float = field(metadata=UNIT)
    half_familiar: float = field(metadata=POSITIVE)

    def salience_for(self, incidental: bool) -> float:
        """Group salience of a setting: brief public encounters (`incidental`) or ties."""
        return self.incidental_salience if incidental else self.salience


@dataclass(frozen=True)
class NegativityParams:
    """Consistent negativity asymmetry, buffered by past positive contact."""

    enabled: bool
    buffer_half: float = field(metadata=POSITIVE)
    memory: float = field(metadata=UNIT)


@dataclass(frozen=True)
class ContactParams:
    """The contact mechanism, shared by every city."""

    quality: QualityParams
    valence_offset: dict[str, float] = field(metadata={**WEIGHT, 'per_group': True})
    susceptibility: dict[str, float] = field(metadata={**bounded(0.0, MAX_WEIGHT, 'x', 'a hundredfold is far beyond any plausible effect'), 'per_group': True})
    willingness: WillingnessParams
    update: UpdateParams
    incidental: IncidentalParams
    partner: PartnerParams
    selection: SelectionParams
    generalisation: GeneralisationParams
    negativity: NegativityParams

    def valence_offset_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's shift of the chance to experience an encounter as positive [log-odds]."""
        return per_group(self.valence_offset, group)

    def susceptibility_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's multiplier on the per-encounter steps."""
        return per_group(self.susceptibility, group)


@dataclass(frozen=True)
class FriendshipParams:
    """Tie strength built by positive contact; friendships past a threshold."""

    gain: float = field(metadata=UNIT)
    loss: float = field(metadata=UNIT)
    decay: float = field(metadata=UNIT)
    threshold: float = field(metadata=UNIT)
    rate_multiplier: float = field(metadata=MULTIPLIER)
    weight: float = field(metadata=MULTIPLIER)
    ingroup_share: float = field(metadata=UNIT)


@dataclass(frozen=True)
class EmploymentParams:
    """Weekly job finding and loss."""

    loss_rate: float = field(metadata=UNIT)
    language_weight: float = field(metadata=NON_NEGATIVE_WEIGHT)
    pending_factor: float = field(metadata=UNIT)
    unrecognised_factor: float = field(metadata=UNIT)
    finding_rate: float | None = field(default=None, metadata=UNIT)  # None: derived (steady state)


@dataclass(frozen=True)
class DistressParams:
    """Weekly rises of psychological distress, and its recovery toward a group baseline."""

    legal_uncertainty: float = field(metadata=UNIT)
    family_separation: float = field(metadata=UNIT)
    negative_contact: float = field(metadata=UNIT)
    recovery: float = field(metadata=UNIT)
    baseline: dict[str, float] = field(metadata=PER_GROUP_UNIT)

    def baseline_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's distress baseline."""
        return per_group(self.baseline, group)


@dataclass(frozen=True)
class BelongingParams:
    """Weekly growth of belonging with positive contact and work, and its return toward a group baseline."""

    positive_contact: float = field(metadata=UNIT)
    work: float = field(metadata=UNIT)
    decay: float = field(metadata=UNIT)
    baseline: dict[str, float] = field(metadata=PER_GROUP_UNIT)

    def baseline_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's belonging baseline."""
        return per_group(self.baseline, group)


@dataclass(frozen=True)
class NormParams:
    """Drift toward the perceived ingroup norm; extended contact through norm and anxiety."""

    enabled: bool
    rate: float = field(metadata=UNIT)
    friends_weight: float = field(metadata=NON_NEGATIVE)
    neighbourhood_weight: float = field(metadata=NON_NEGATIVE)
    own_weight: float = field(metadata=NON_NEGATIVE)
    extended_signal: float = field(metadata=UNIT)
    extended_anxiety_relief: float = field(metadata=UNIT)

    def __post_init__(self):
        if self.friends_weight + self.neighbourhood_weight + self.own_weight <= 0:
            raise InputError("friends_weight: the three norm weights must not all be 0")


@dataclass(frozen=True)
class DispositionParams:
    """Views as dispositions: the surveyed views are the stationary state of each person's usual contact."""

    enabled: bool
    history_weeks: int = field(metadata=bounded(1, 1040, "weeks", "twenty years"))


@dataclass(frozen=True)
class TurnoverParams:
    """Turnover of the arriving community: newcomers replace members who move on (model/rules/turnover.py)."""

    enabled: bool
    rate: float | None = field(default=None, metadata=UNIT)  # None: derived, the slowest steady rate


@dataclass(frozen=True)
class ThreatParams:
    """Receiving members' perceived threat from beliefs, perceived group size and anxiety."""

    enabled: bool
    local_weight: float = field(metadata=UNIT)
    overestimation: float = field(metadata=NON_NEGATIVE)
    intercept: float = field(metadata=WEIGHT)
    burden_weight: float = field(metadata=NON_NEGATIVE)
    size_weight: float = field(metadata=NON_NEGATIVE)
    anxiety_weight: float = field(metadata=NON_NEGATIVE)
    friend_weight: float = field(metadata=NON_NEGATIVE)
    attitude_weight: float = field(metadata=NON_NEGATIVE)


@dataclass(frozen=True)
class DiscriminationParams:
    """Arriving members' experienced discrimination and its toll."""

    enabled: bool
    gain: float = field(metadata=UNIT)
    decay: float = field(metadata=UNIT)
    distress_rise: float = field(metadata=UNIT)
    belonging_loss: float = field(metadata=UNIT)


@dataclass(frozen=True)
class VariabilityParams:
    """Perceived outgroup variability growing with distinct partners met."""

    enabled: bool
    baseline: dict[str, float] = field(metadata=PER_GROUP_UNIT)
    half_partners: float = field(metadata=POSITIVE)

    def baseline_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's perceived variability before meeting anyone."""
        return per_group(self.baseline, group)


@dataclass(frozen=True)
class DynamicsParams:
    """Socio-economic and psycho-social dynamics, friendship, extended contact and beliefs."""

    legal_determination_hazard: float = field(metadata=UNIT)
    family_reunification_hazard: float = field(metadata=UNIT)
    course_exit_hazard: float = field(metadata=UNIT)
    language_course_gain: float = field(metadata=UNIT)
    language_contact_gain: float = field(metadata=UNIT)
    recent_contact_weight: float = field(metadata=UNIT)
    employment: EmploymentParams
    distress: DistressParams
    belonging: BelongingParams
    friendship: FriendshipParams
    extended_contact_step: float = field(metadata=UNIT)
    belief_media_drift: float = field(metadata=UNIT)
    belief_observation: float = field(metadata=UNIT)
    belief_personal_weight: float = field(metadata=UNIT)
    norms: NormParams
    disposition: DispositionParams
    turnover: TurnoverParams
    threat: ThreatParams
    discrimination: DiscriminationParams
    variability: VariabilityParams
    reference: str = field(metadata={"check": lambda value: None if value in ("site", "self")
                                     else "must be site or self (model/reference.py)"})


ENGINES = ("vectorised", "agents")
"""How a week runs: "vectorised" (model/step.py, over arrays) or "agents" (model/agents.py, the idiomatic
Mesa reference: residents step through AgentSet methods in random order)."""


@dataclass(frozen=True)
class Params:
    """Everything one simulation needs."""

    seed: int = field(metadata=bounded(0, MAX_SEED, '', 'seeds are 32-bit'))
    steps: int = field(metadata=bounded(1, MAX_STEPS, 'weeks', 'a hundred years'))
    city: CityParams
    contact: ContactParams
    dynamics: DynamicsParams
    survey: SurveyParams
    scenario_name: str
    interventions: dict[str, InterventionParams]
    warmup_weeks: int = field(default=0, metadata=NON_NEGATIVE)  # weeks run before week 0 (model.py warm_up)
    site: "Params | None" = field(default=None, repr=False, compare=False, metadata={"internal": True})
    """The surveyed site's configuration (set by config.py `model_params`, never by a config file): the world
    the reference takes (model/reference.py). None: the run is its own site."""
    engine: str = "vectorised"  # how a week runs: one of ENGINES (above)

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise InputError(f"engine: must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        weeks = [self.steps if week == LAST_WEEK else week for week in self.survey.weeks]
        late = [week for week in weeks if week > self.steps]
        if late:
            raise InputError(f"survey.weeks: week {late[0]} is after the last step ({self.steps})")
        if len(set(weeks)) != len(weeks):
            raise InputError(f"survey.weeks: a week is listed twice, got {weeks}")
        object.__setattr__(self, "survey", replace(self.survey, weeks=weeks))


# ---- building from a mapping ----------------------------------------------------------------------
def _type_name(kind) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(kind, str(kind))


def _coerce(kind, value, key: str):
    """Check `value` against a scalar type; ints are accepted where numbers are expected."""
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and abs(value) > MAX_EXACT_INT:
            raise InputError(f"{key}: {value} is far too large (must be a finite number)")
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in (str, bool) and isinstance(value, kind):
        return value
    raise InputError(f"{key}: must be {_type_name(kind)}, got {value!r}")


def _optional_inner(kind):
    """X for `X | None`, else None."""
    if get_origin(kind) in (Union, types.UnionType):
        inner = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(inner) == 1 and len(get_args(kind)) == 2:
            return inner[0]
    return None


MAX_TEXT = 4096
"""Longest text value (a name, a label, a path: PATH_MAX is 4,096 bytes): a 20,000-character city name took
25 s of CPU to draw into titles and reports."""


def _build_value(kind, value, key: str, metadata):
    inner = _optional_inner(kind)
    if inner is not None:
        return None if value is None else _build_value(inner, value, key, metadata)
    if value is None:
        raise InputError(f"{key}: missing value")
    if is_dataclass(kind):
        return build(kind, value, key)
    if kind is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        return dict(value)
    if get_origin(kind) is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        if metadata.get("per_group") and sorted(value) != sorted(GROUPS):
            raise InputError(f"{key}: must give a value for exactly {', '.join(GROUPS)}")
        _, item_kind = get_args(kind)
        return {name: _build_value(item_kind, item, f"{key}.{name}", metadata) for name, item in value.items()}
    if get_origin(kind) is list:
        if not isinstance(value, list):
            raise InputError(f"{key}: must be a list, got {value!r}")
        (item_kind,) = get_args(kind)
        return [_build_value(item_kind, item, f"{key}[{i}]", metadata) for i, item in enumerate(value)]
    value = _coerce(kind, value, key)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InputError(f"{key}: {len(value):,} characters, more than the {MAX_TEXT:,} a name, label or path may have")
    check = metadata.get("check")
    problem = check(value) if check else None
    if problem:
        raise InputError(f"{key}: {problem}, got {value!r}")
    return value


def build(cls, mapping: Any, prefix: str = ""):
    """Build dataclass `cls` from a plain mapping, raising `InputError` on the first bad key.

    Every field must be present unless it has a default (optional structural keys).
    """
    where = prefix or "config"
    if not isinstance(mapping, dict):
        raise InputError(f"{where}: must be a mapping, got {mapping!r}")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls) if not f.metadata.get("internal")}
    for name in mapping:
        if name not in known:
            raise InputError(f"{prefix + '.' if prefix else ''}{name}: unknown config key")
    values = {}
    for f in fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in mapping:
            if f.default is MISSING:
                raise InputError(f"{key}: missing value")
            continue
        values[f.name] = _build_value(hints[f.name], mapping[f.name], key, f.metadata)
    try:
        return cls(**values)
    except InputError as error:
        message = str(error)
        raise InputError(message if message.startswith(prefix or "\0") else f"{where}.{message}") from None



def check_cross_fields(params: Params) -> None:
    """Rules that tie two keys together, checked once on the built parameters; each failure is one
    InputError naming both keys."""
    city = params.city
    if not city.layers:
        raise InputError("city.layers: must define at least one contact layer")
    if not city.custom.used:
        if city.n_neighbourhoods > city.n_agents:
            raise InputError(f"city.n_neighbourhoods: {city.n_neighbourhoods:,} neighbourhoods is more than "
                             f"city.n_agents ({city.n_agents:,} residents)")
        for group, size in city.household_size.items():
            if size > city.n_agents:
                raise InputError(f"city.household_size.{group}: {size:g} adults per household is more than "
                                 f"city.n_agents ({city.n_agents:,})")
        for name, layer in city.layers.items():
            if layer.degree is not None and layer.degree >= city.n_agents:
                raise InputError(f"city.layers.{name}.degree: a mean of {layer.degree:g} ties per resident needs "
                                 f"more residents than city.n_agents ({city.n_agents:,})")
    for name, intervention in params.interventions.items():
        kind = intervention.effect.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise InputError(f"interventions.{name}.effect.kind: must be a string, got {kind!r}")
        delivery, key = intervention.delivery, f"interventions.{name}.delivery"
        if delivery.start_week > params.steps:  # an end week past the run is fine: the run cuts it short
            raise InputError(f"{key}.start_week: week {delivery.start_week} is after the last week "
                             f"(steps={params.steps}), so the programme would never run")
        if not city.custom.used:
            missing = [index for index in delivery.eligible.neighbourhoods if index >= city.n_neighbourhoods]
            if missing:
                raise InputError(f"{key}.eligible.neighbourhoods: neighbourhood {missing[0]} does not exist "
                                 f"(city.n_neighbourhoods={city.n_neighbourhoods}: indices 0-{city.n_neighbourhoods - 1})")
