"""A programme: a delivery x an effect x a cost account, composed from one scenario entry.

The delivery (model/interventions/delivery.py) decides who takes part and when; the effect (one file
per kind) what taking part does; the cost account what it costs. Any effect rides on any delivery,
except that an effect acting on pairs (a contact setting) needs a delivery that brings people together.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridges.model.errors import InputError
from bridges.model.interventions.coordination import KIND as COORDINATION
from bridges.model.interventions.cost import CostAccount, CostParams
from bridges.model.interventions.delivery import DeliveryParams, make_delivery
from bridges.model.interventions.effect import Effect
from bridges.model.ties import ContactBlock


@dataclass(frozen=True)
class InterventionParams:
    """One intervention in a scenario: its type (a label), delivery, cost and effect parameters.

    `effect` names its kind (`effect.kind`) and is checked against that effect's own parameters
    (model/interventions/)."""

    type: str
    delivery: DeliveryParams
    cost: CostParams
    effect: dict


def discover_effects() -> dict[str, type[Effect]]:
    """Every effect in model/interventions/ (an `Effect` with a `kind`) by kind, in order of kind: each
    module of the folder is imported, so a new intervention type is one file there (and its YAML)."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{__package__}.{module.name}")
    return dict(sorted((effect.kind, effect) for effect in Effect.__subclasses__() if effect.kind))


EFFECTS = discover_effects()
"""Effects by the name used in `effect.kind` (`coordination` makes a partnership instead)."""


def make_effect(name: str, effect: dict) -> Effect:
    """The effect a scenario entry asks for, its parameters checked."""
    key = f"interventions.{name}.effect.kind"
    kind = effect.get("kind")
    if kind is None:
        raise InputError(f"{key}: missing value")
    if kind not in EFFECTS:
        raise InputError(f"{key}: unknown effect {kind!r} (known: {', '.join([*EFFECTS, COORDINATION])})")
    return EFFECTS[kind](name, {k: v for k, v in effect.items() if k != "kind"})


class Programme:
    """One intervention that reaches residents: enrol at the start week, lose drop-outs, apply the
    effect every active week, count the cost; the week after the end everyone leaves."""

    def __init__(self, name: str, config: InterventionParams, n_people: int, last_week: int):
        self.name, self.type = name, config.type
        self.delivery = make_delivery(name, config.delivery, n_people, last_week)
        self.effect = make_effect(name, config.effect)
        self.cost = CostAccount(config.cost)
        if self.effect.needs_pairs and not self.delivery.brings_together:
            raise InputError(f"interventions.{name}.delivery.method: effect {config.effect['kind']!r} needs a "
                             f"delivery that brings people together (buddy_pairs or mixed_groups), "
                             f"got {config.delivery.method!r}")

    def check(self, params) -> None:
        """Raise InputError if the effect does not fit the rest of the configuration."""
        self.effect.check(params)

    def deliver(self, model) -> None:
        """This week's delivery: enrol at the start, drop-outs, the effect, cost accounting, the end."""
        week, delivery = model.steps, self.delivery
        if week == delivery.params.start_week:
            delivery.enrol(model)
            self.effect.start(model, delivery)
        if delivery.active(week):
            if week > delivery.params.start_week:
                delivery.drop_out(model)
            self.cost.count_week(int(delivery.enrolled.sum()))
            self.effect.apply(model, delivery.enrolled, delivery.session(week))
        elif week == delivery.end_week + 1:
            delivery.end()
            self.effect.apply(model, delivery.enrolled, False)
        elif week > delivery.end_week + 1:
            self.effect.after_end(model)

    def active(self, week: int) -> bool:
        return self.delivery.active(week)

    @property
    def enrolled(self) -> np.ndarray:
        return self.delivery.enrolled

    @property
    def ever_enrolled(self) -> np.ndarray:
        return self.delivery.ever_enrolled

    def contact_blocks(self) -> list[ContactBlock]:
        return self.effect.contact_blocks()

    def costs(self) -> dict:
        """Cost so far (model/interventions/cost.py) and residents ever reached."""
        return self.cost.row(self.name, self.type, int(self.delivery.ever_enrolled.sum()))
