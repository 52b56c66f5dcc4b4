"""Structural levers: faster legal status decisions, qualification recognition, language courses and
family reunification, each with its own size.

Stands for the FOCUS barriers "delayed determination of legal status, non-recognition of
qualifications, a lack of access to appropriate language supports and delayed or blocked family
reunification". Each lever adds a weekly chance for participants still facing the barrier; the rest
follows from the model's dynamics (employment: Hainmueller et al. 2016, Brücker et al.; distress).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.interventions.effect import Effect
from bridges.model.ranges import EDUCATION_LEVELS, UNIT


@dataclass(frozen=True)
class StructuralParams:
    legal_hazard: float = field(metadata=UNIT)  # extra weekly chance a pending case is decided
    recognition_hazard: float = field(metadata=UNIT)  # weekly chance a qualification gets recognised
    course_uptake: float = field(metadata=UNIT)  # weekly chance a participant not in a course starts one
    family_hazard: float = field(metadata=UNIT)  # extra weekly chance a separated family is reunited


def lift_barrier(facing: np.ndarray, reached: np.ndarray, u: np.ndarray, hazard: float) -> np.ndarray:
    """Those facing a barrier and reached by the lever are freed of it with the weekly hazard."""
    return facing & ~(reached & (u < hazard))


def needs_recognition(education: np.ndarray) -> np.ndarray:
    """Whose qualification needs recognising: everyone above basic education."""
    return education > EDUCATION_LEVELS.index("basic")


class StructuralLevers(Effect):
    kind = "structural"
    Params = StructuralParams
    levers = ("state.legal_pending", "state.family_pending", "state.qualification_recognised", "state.studying")

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        if not session:
            return
        e, reached, n = self.params, enrolled, model.state.n
        legal, family, recognised, studying = (self.lever(model, name) for name in self.levers)
        draw = lambda lever: model.streams.uniform(self.stream(lever), model.steps, n)  # noqa: E731
        legal[:] = lift_barrier(legal, reached, draw("legal"), e.legal_hazard)
        family[:] = lift_barrier(family, reached, draw("family"), e.family_hazard)
        qualified = needs_recognition(model.state.education)
        unrecognised = lift_barrier(qualified & ~recognised, reached, draw("recognition"), e.recognition_hazard)
        recognised[:] = ~unrecognised | ~qualified | recognised
        studying[:] = ~lift_barrier(~studying, reached, draw("courses"), e.course_uptake)
