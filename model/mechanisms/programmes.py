"""Programmes: each intervention of the scenario enrols, loses drop-outs, applies its effect and counts its
cost (model/interventions/). Effects act through the levers this phase declares: the state they may
write, the programme blocks they add, and the per-tie `block.negative_reduction` that contact's valence
reads (reset here every week, then raised by any anti-discrimination training active this week).

Parameters: `interventions.<name>` (conf/intervention/).
"""

from bridges.model.interventions import anti_discrimination
from bridges.model.mechanisms.base import BELIEF_FIELDS, Mechanism, Phase


def deliver_interventions(model) -> None:
    """Each intervention enrols, loses drop-outs, applies its effect and counts its cost this week."""
    model.ties.negative_reduction[:] = anti_discrimination.no_cut(model.ties.size)
    for intervention in model.interventions:
        intervention.deliver(model)


MECHANISM = Mechanism(
    name="programmes",
    params=("interventions",),
    phases=(
        Phase(
            deliver_interventions,
            reads=("state.*", "block.layer", "block.source", "block.target"),
            writes=("interventions", "blocks", "block.live", "block.rate", "block.negative_reduction", "state.distress",
                    *BELIEF_FIELDS, "state.legal_pending", "state.family_pending", "state.qualification_recognised",
                    "state.studying")),
    ),
)
