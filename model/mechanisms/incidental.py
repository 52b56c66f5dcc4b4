"""Incidental encounters: this week's intergroup co-presences in public space become a fresh contact block
(`model.public`) with public space's Allport conditions.

Parameters: `contact.incidental`; rules in model/rules/encounters.py.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.mechanisms.base import FRESH_BLOCK_FIELDS, Mechanism, PUBLIC, Phase, static_index
from bridges.model.ranges import NON_NEGATIVE, RATE, UNIT
from bridges.model.rules import encounters as encounter_rules
from bridges.model.ties import ContactBlock


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


def gather_public_encounters(model) -> None:
    """Incidental encounters: this week's intergroup co-presences in public space become a fresh contact block
    (`model.public`) with public space's Allport conditions; none when `contact.incidental` is off."""
    i, state = model.params.contact.incidental, model.state
    if not i.enabled:
        model.public = None
        return
    size = state.n * i.opportunities
    source, target = encounter_rules.public_encounter_pairs(
        state.neighbourhood, state.group, i,
        model.streams.uniform(f"{PUBLIC}.where", model.steps, size), model.streams.uniform(f"{PUBLIC}.who", model.steps, size),
        static_index(model, "passing", lambda: encounter_rules.passing_index(state.neighbourhood, state.group, i)))
    model.public = ContactBlock.new(PUBLIC, source, target, np.full(len(source), i.rate),
                                    np.tile(i.conditions(), (len(source), 1)))


MECHANISM = Mechanism(
    name="incidental",
    after="programmes",
    params=("contact.incidental",),
    parameters={"contact.incidental": IncidentalParams},
    attributes=("public",),
    phases=(
        Phase(
            gather_public_encounters,
            reads=("state.neighbourhood", "state.group", "model.static_index"),
            writes=("blocks", *FRESH_BLOCK_FIELDS, "model.public")),
    ),
)
