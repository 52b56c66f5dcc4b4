"""Mesa agents as views onto the model's state arrays.

A `Resident` holds only its index. Reading `resident.attitude` reads `model.state.attitude[index]`;
assigning writes it back. So `model.agents`, `AgentSet.select`, `DataCollector` and SolaraViz work as
Mesa users expect, while the weekly step stays vectorised over the arrays. Residents are created only
when something asks for the model's agents (see `BridgesModel.agents`).

Where a resident lives and works (`STATIC_FIELDS`) is fixed by the city's ties: those attributes are
read-only, and assigning one raises an error rather than silently leaving the ties behind.
"""

import mesa

from model.params import GROUPS
from model.state import STATIC_FIELDS, State


class StateField:
    """Descriptor exposing one field of `agent.model.state` as a scalar attribute of the agent."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.state, self.name)[agent.index].item()

    def __set__(self, agent, value):
        if self.name in STATIC_FIELDS:
            raise fixed_by_the_city(self.name)
        getattr(agent.model.state, self.name)[agent.index] = value


def fixed_by_the_city(name: str) -> AttributeError:
    return AttributeError(f"Resident.{name} is fixed when the city is built (the resident's ties follow it) "
                          "and cannot be assigned; build a different city instead")


class Resident(mesa.Agent):
    """A city resident, arriving or receiving; all state lives in the model's arrays."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def group(self) -> str:
        """'arriving' or 'receiving'."""
        return GROUPS[self.model.state.group[self.index]]

    @group.setter
    def group(self, label: str) -> None:
        raise fixed_by_the_city("group")

    def __repr__(self) -> str:
        return f"Resident({self.index}, {self.group})"


for _name in State.field_names():
    if _name != "group":
        setattr(Resident, _name, StateField(_name))
