"""Interventions, registered by name. One file per intervention; shared delivery in base.py.

A scenario lists interventions under `interventions:` (conf/intervention/*.yaml give each type's
defaults); `build_interventions` turns them into objects the model delivers every week.
"""

from model.errors import InputError
from model.interventions.anti_discrimination import AntiDiscrimination
from model.interventions.base import Intervention
from model.interventions.co_creation import CoCreation
from model.interventions.coordination import CoordinationPartnership
from model.interventions.information import Information
from model.interventions.mhpss import Mhpss
from model.interventions.structural import Structural
from model.interventions.volunteering import Volunteering

REGISTRY: dict[str, type[Intervention]] = {
    "volunteering": Volunteering,
    "co_creation": CoCreation,
    "mhpss": Mhpss,
    "information": Information,
    "coordination": CoordinationPartnership,
    "structural": Structural,
    "anti_discrimination": AntiDiscrimination,
}
"""Intervention types by the name used in `type:`."""


def build_interventions(params, n_people: int) -> list[Intervention]:
    """The scenario's interventions, with any coordination applied to the others."""
    built = []
    for name, config in params.interventions.items():
        if config.type not in REGISTRY:
            raise InputError(f"interventions.{name}.type: unknown intervention {config.type!r} "
                             f"(known: {', '.join(REGISTRY)})")
        intervention = REGISTRY[config.type](name, config, n_people, params.steps)
        intervention.check(params)
        built.append(intervention)
    for partnership in (i for i in built if i.coordinates):
        for other in built:
            if not other.coordinates:
                other.coordinate(partnership.coordination())
    return built
