"""Parameters of the dynamics (conf/dynamics/): livelihoods, wellbeing, friendship, norms, dispositions,
turnover, threat, discrimination and variability (model/mechanisms/)."""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.errors import InputError
from bridges.model.ranges import (MULTIPLIER, NON_NEGATIVE, NON_NEGATIVE_WEIGHT, PER_GROUP_UNIT, POSITIVE, UNIT,
                                  WEIGHT, bounded, per_group)


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
class StandingThreatParams:
    """Threat as a standing cause of attitudes: the ingroup norm anchors the part of a view threat does not
    explain (model/mechanisms/standing_threat.py)."""

    enabled: bool


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
    standing_threat: StandingThreatParams
    discrimination: DiscriminationParams
    variability: VariabilityParams
    reference: str = field(metadata={"check": lambda value: None if value in ("site", "self")
                                     else "must be site or self (model/reference.py)"})
