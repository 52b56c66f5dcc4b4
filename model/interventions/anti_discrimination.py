"""Anti-discrimination: training for institutions and employers.

Stands for the FOCUS recommendation that "the impact of racism and discrimination on integration
should be recognised ... throughout integration practice" (e.g. staff workshops on racism and
unconscious bias, a FOCUS case study). Trained receiving members working in the chosen settings have
a lower chance of negative contact on their intergroup ties there; the size is an assumption.
"""

from dataclasses import dataclass, field

import numpy as np

from model.errors import InputError
from model.interventions.base import Intervention
from model.params import UNIT


@dataclass(frozen=True)
class AntiDiscriminationEffect:
    negative_reduction: float = field(metadata=UNIT)  # share of negative encounters prevented
    layers: list[str]  # settings (city layers) the training covers


def negative_contact_cut(trained: np.ndarray, source: np.ndarray, target: np.ndarray, in_setting: np.ndarray,
                         reduction: float) -> np.ndarray:
    """Per tie: `reduction` where the tie is in a covered setting and touches a trained person, else 0."""
    return np.where(in_setting & (trained[source] | trained[target]), reduction, 0.0)


class AntiDiscrimination(Intervention):
    Effect = AntiDiscriminationEffect

    def check(self, params) -> None:
        unknown = [layer for layer in self.effect.layers if layer not in params.city.layers]
        if unknown:
            raise InputError(f"interventions.{self.name}.effect.layers: {unknown[0]!r} is not a city layer "
                             f"(known: {', '.join(params.city.layers)})")

    def on_week(self, model, session: bool) -> None:
        block = model.ties
        names = model.city.network.layer_names
        in_setting = np.isin(block.layer, [names.index(layer) for layer in self.effect.layers])
        cut = negative_contact_cut(self.enrolled, block.source, block.target, in_setting, self.effect.negative_reduction)
        block.negative_reduction[:] = np.maximum(block.negative_reduction, cut)
