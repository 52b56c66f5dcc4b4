"""Anti-discrimination: training for institutions and employers.

Stands for the FOCUS recommendation that "the impact of racism and discrimination on integration
should be recognised ... throughout integration practice" (e.g. staff workshops on racism and
unconscious bias, a FOCUS case study). Trained receiving members working in the chosen settings have
a lower chance of negative contact on their intergroup ties there; the size is an assumption. The
cut on each city tie is rebuilt every week from the trainings then active (`no_cut`, the largest
`negative_contact_cut`): the lever `block.negative_reduction`, which contact's valence applies
(model/rules/contact.py `spare_negative`, in the phase `judge_valence`).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.errors import InputError
from bridges.model.interventions.effect import Effect
from bridges.model.ranges import UNIT


@dataclass(frozen=True)
class AntiDiscriminationParams:
    negative_reduction: float = field(metadata=UNIT)  # share of negative encounters prevented
    layers: list[str]  # settings (city layers) the training covers


def no_cut(ties: int) -> np.ndarray:
    """The weekly starting point: no tie has a cut until a training active this week gives one."""
    return np.zeros(ties)


def negative_contact_cut(trained: np.ndarray, source: np.ndarray, target: np.ndarray, in_setting: np.ndarray,
                         p: AntiDiscriminationParams) -> np.ndarray:
    """Per tie: `negative_reduction` where the tie is in a covered setting and touches a trained person, else 0."""
    return np.where(in_setting & (trained[source] | trained[target]), p.negative_reduction, 0.0)


def combine_cuts(current: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Several trainings on one tie: the largest cut holds (they do not add up)."""
    return np.maximum(current, cut)


class AntiDiscrimination(Effect):
    kind = "anti_discrimination"
    Params = AntiDiscriminationParams
    levers = ("block.negative_reduction",)

    def check(self, params) -> None:
        unknown = [layer for layer in self.params.layers if layer not in params.city.layers]
        if unknown:
            raise InputError(f"interventions.{self.name}.effect.layers: {unknown[0]!r} is not a city layer "
                             f"(known: {', '.join(params.city.layers)})")

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        block = model.ties
        names = model.city.network.layer_names
        in_setting = np.isin(block.layer, [names.index(layer) for layer in self.params.layers])
        cut = negative_contact_cut(enrolled, block.source, block.target, in_setting, self.params)
        reduction = self.lever(model, "block.negative_reduction")
        reduction[:] = combine_cuts(reduction, cut)
