"""Parameters of the virtual survey (conf/survey/)."""

from dataclasses import dataclass, field

from bridges.model.errors import InputError
from bridges.model.ranges import ENCOUNTER_RATE, NOISE, PERSONS, WEEK, per_group


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
class TimeCutoffs:
    """Lowest recent rate of time spent together [encounters on ties/week] giving each answer of the refugee
    panel's item (below the first: "never")."""

    less_often: float = field(metadata=ENCOUNTER_RATE)
    every_month: float = field(metadata=ENCOUNTER_RATE)
    every_week: float = field(metadata=ENCOUNTER_RATE)
    several_times_a_week: float = field(metadata=ENCOUNTER_RATE)
    every_day: float = field(metadata=ENCOUNTER_RATE)

    def cuts(self) -> list[float]:
        return [self.less_often, self.every_month, self.every_week, self.several_times_a_week, self.every_day]

    def __post_init__(self):
        cuts = self.cuts()
        if any(a >= b for a, b in zip(cuts, cuts[1:])):
            raise InputError(f"survey.time_cutoffs: must increase from less_often to every_day, got {cuts}")


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
    time_cutoffs: TimeCutoffs
    response_noise: ResponseNoise
