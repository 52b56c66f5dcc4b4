"""Coordination: a multi-stakeholder partnership of institutions, NGOs and communities.

Stands for FOCUS pillar 4 ("making institutions, NGOs and communities work together"). A partnership
is not a programme: it enrols nobody and does nothing to residents. It modifies the deliveries of the
scenario's other programmes when the scenario is built: wider reach (coverage and capacity), less
drop-out, and stronger institutional support of their meetings. It has a cost over its own weeks
(`delivery.start_week` to `delivery.end_week`; the rest of its delivery keys are unused). No
quantitative effect sizes were found (evidence notes): all three are assumptions to vary in
sensitivity analysis.
"""

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bridges.model.errors import InputError
from bridges.model.interventions.cost import CostAccount
from bridges.model.interventions.delivery import Delivery, DeliveryParams
from bridges.model.ranges import LAST_WEEK, NON_NEGATIVE, UNIT
from bridges.model.schema import build
from bridges.model.ties import ContactBlock

if TYPE_CHECKING:  # annotations only: programme.py imports this module
    from bridges.model.interventions.programme import InterventionParams

KIND = "coordination"
"""The `effect.kind` that makes a scenario entry a partnership."""


@dataclass(frozen=True)
class CoordinationParams:
    reach: float = field(metadata=NON_NEGATIVE)  # relative rise of other programmes' coverage and capacity
    retention: float = field(metadata=UNIT)  # share of their drop-out prevented
    institutional_support: float = field(metadata=UNIT)  # added to their meetings' institutional support


def coordinated(delivery: DeliveryParams, coordination: CoordinationParams) -> DeliveryParams:
    """A delivery within a partnership: coverage' = min(1, coverage (1 + reach)), capacity' =
    round(capacity (1 + reach)), dropout' = dropout (1 - retention)."""
    reach = 1.0 + coordination.reach
    capacity = None if delivery.capacity is None else int(round(delivery.capacity * reach))
    return replace(delivery, coverage=min(1.0, delivery.coverage * reach), capacity=capacity,
                   dropout=delivery.dropout * (1.0 - coordination.retention))


def boosted_support(boost: float, coordination: CoordinationParams) -> float:
    """The institutional support a partnership adds to a programme's meetings, on top of any other (at most 1)."""
    return min(1.0, boost + coordination.institutional_support)


class Partnership:
    """A coordination entry of a scenario: its parameters, its weeks and its cost account."""

    def __init__(self, name: str, config: "InterventionParams", last_week: int):
        self.name, self.type = name, config.type
        key = f"interventions.{name}.effect"
        if config.effect.get("kind") != KIND:
            raise InputError(f"{key}.kind: a partnership's effect kind is {KIND!r}")
        self.params = build(CoordinationParams, {k: v for k, v in config.effect.items() if k != "kind"}, key)
        self.start_week = config.delivery.start_week
        self.end_week = last_week if config.delivery.end_week == LAST_WEEK else config.delivery.end_week
        self.cost = CostAccount(config.cost)

    def modify(self, delivery: Delivery) -> None:
        """Apply the partnership to another programme's delivery."""
        delivery.coordinate(coordinated(delivery.params, self.params), boosted_support(delivery.support_boost, self.params))

    def active(self, week: int) -> bool:
        return self.start_week <= week <= self.end_week

    def deliver(self, model) -> None:
        """A week of the partnership: it runs (and costs) from its start to its end week."""
        if self.active(model.steps):
            self.cost.count_week(0)

    def contact_blocks(self) -> list[ContactBlock]:
        return []

    def costs(self) -> dict:
        return self.cost.row(self.name, self.type, 0)
