"""Programmes: each intervention of the scenario enrols, loses drop-outs, applies its effect and counts its
cost (model/interventions/). Effects act only through their declared levers (`Effect.levers`: the state
they may change, the programme blocks they add), and this phase writes their union; the per-tie
`block.negative_reduction` that contact's valence reads is reset here every week, then raised by any
anti-discrimination training active this week.

Parameters: `interventions.<name>` (conf/intervention/).
"""

from bridges.model.interventions import anti_discrimination
from bridges.model.interventions.programme import EFFECTS, InterventionParams
from bridges.model.mechanisms.base import Key, Mechanism, Phase
LEVERS = tuple(sorted({lever for effect in EFFECTS.values() for lever in effect.levers}))
"""What any effect may change: the union of every effect's levers."""


def deliver_interventions(model) -> None:
    """Each intervention enrols, loses drop-outs, applies its effect and counts its cost this week."""
    model.ties.negative_reduction[:] = anti_discrimination.no_cut(model.ties.size)
    for intervention in model.interventions:
        intervention.deliver(model)


MECHANISM = Mechanism(
    name="programmes",
    after="people",
    params=("interventions",),
    parameters={"interventions": Key(dict[str, InterventionParams])},
    phases=(
        Phase(
            deliver_interventions,
            reads=("state.*", "block.layer", "block.source", "block.target"),
            writes=("interventions", "block.negative_reduction", *LEVERS)),
    ),
)
