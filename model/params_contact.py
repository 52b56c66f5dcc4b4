"""Parameters of the contact mechanisms (conf/contact/): quality, willingness, updating, incidental
encounters, the partner, selection, generalisation, negativity, expected rejection and settling
in (model/mechanisms/contact.py, attitudes.py, incidental.py, rejection.py, settling.py)."""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.errors import InputError
from bridges.model.ranges import (LAYER_KINDS, MAX_WEIGHT, MULTIPLIER, NON_NEGATIVE, NON_NEGATIVE_WEIGHT, POSITIVE,
                                  RATE, SELECTION_WEIGHT, UNIT, WEIGHT, bounded, per_group)


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
class RejectionParams:
    """Expected rejection: experienced discrimination discounts what each encounter says about the outgroup
    (model/mechanisms/rejection.py)."""

    enabled: bool
    discount: float = field(metadata=UNIT)


@dataclass(frozen=True)
class SettlingParams:
    """Who never meets: heterogeneous sociability and shared accommodation after arrival
    (model/mechanisms/settling.py)."""

    enabled: bool
    sociability_spread: float = field(metadata=bounded(0.0, 3.0, "log units", "a sd of 3 spans a factor of 400 "
                                                                               "between the 5% and 95% people"))
    housing_initial_share: float = field(metadata=UNIT)
    housing_newcomer_share: float = field(metadata=UNIT)
    housing_leave_rate: float = field(metadata=UNIT)
    housing_cut_kinds: list[str]

    def __post_init__(self):
        unknown = [kind for kind in self.housing_cut_kinds if kind not in LAYER_KINDS]
        if unknown:
            raise InputError(f"housing_cut_kinds: unknown layer kind {unknown[0]!r} (known: {', '.join(LAYER_KINDS)})")


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
    rejection: RejectionParams
    settling: SettlingParams

    def valence_offset_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's shift of the chance to experience an encounter as positive [log-odds]."""
        return per_group(self.valence_offset, group)

    def susceptibility_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's multiplier on the per-encounter steps."""
        return per_group(self.susceptibility, group)
