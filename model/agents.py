"""Mesa agents as views onto the model's state arrays.

A `Resident` holds only its index. Reading `resident.attitude` reads `model.state.attitude[index]`;
assigning writes it back. So `model.agents`, `AgentSet.select`, `DataCollector` and SolaraViz work as
Mesa users expect, while the weekly step stays vectorised over the arrays. Residents are created only
when something asks for the model's agents (see `BridgesModel.agents`).

Where a resident lives and works (`STATIC_FIELDS`) is fixed by the city's ties: those attributes are
read-only, and assigning one raises an error rather than silently leaving the ties behind.

The reference engine (`BridgesModel(params, engine="agents")`, `run_agents_week`) runs the same week in
idiomatic Mesa, from the same code as the vectorised one: every phase of model/mechanisms/ is written once
over an index set (`phase(model, who=ALL)`), and where the vectorised week passes every resident, here each
resident runs it on its own row (`resident.me`) and the ties it starts or touches, through
`AgentSet.shuffle_do` in random order. So a mechanism added to the week runs in both engines without an
edit here, and the engines agree by construction. Phases stay synchronous (every resident finishes one step
before any starts the next), so the order of residents changes only who draws which random number. What
everyone perceives of the whole population (the neighbourhood's mean views, what arriving members are
really like), programmes, the week's public co-presences (drawn from the same named streams as the
vectorised week), extended contact, metrics and the survey act on the whole model, as in the vectorised
week. It is the readable version for students and the yardstick for speed; residents draw their random
numbers from the model's generator, so the two engines agree in distribution, not number for number.
"""

import time

import mesa
import numpy as np

from bridges.model.errors import InputError
from bridges.model.mechanisms import PHASES
from bridges.model.mechanisms.base import Rows, Setup
from bridges.model.ranges import EDUCATION_LEVELS, GROUPS, MAX_EXACT_INT, MAX_RATE, bounded
from bridges.model.state import SCALES, STATIC_FIELDS, State

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
        getattr(agent.model.state, self.name)[agent.index] = checked_value(self.name, value, agent)


FLAGS = ("employed", "studying", "qualification_recognised", "legal_pending", "family_pending")
"""Yes/no states: written as True or False."""
COUNTS = ("intergroup_contacts", "positive_contacts", "negative_contacts", "outgroup_friends", "extended_contacts",
          "distinct_partners")
"""Whole-number counts: 0 or more."""
RECEIVING_ONLY = ("belief_education", "belief_employment", "belief_welfare", "threat")
"""Views receiving members hold of arriving members (NaN for arriving members)."""
BOUNDS = {**{name: bounded(0.0, scale, "thermometer points" if name == "attitude" else "")
             for name, scale in SCALES.items()},
          **{name: bounded(0.0, 1.0, "") for name in (*RECEIVING_ONLY, "discrimination", "variability")},
          **{name: bounded(0.0, MAX_RATE, "encounters per week", "far above daily contact (7 a week)")
             for name in ("recent_encounters", "positive_history")},
          **{name: bounded(0, MAX_EXACT_INT, "", "a count must be exact") for name in COUNTS},
          "education": bounded(0, len(EDUCATION_LEVELS) - 1, f"(index into {', '.join(EDUCATION_LEVELS)})")}
"""The range of every numeric state a resident's view may write, checked as config values are (params.bounded)."""


def checked_value(name: str, value, agent):
    """`value` if it may be written to state `name` of `agent`; otherwise InputError naming `Resident.<name>`,
    as a bad config value names its key (a write through a view reaches the state arrays unchecked otherwise)."""
    key, value = f"Resident.{name}", value.item() if isinstance(value, np.generic) else value
    if name in FLAGS:
        if not isinstance(value, bool):
            raise InputError(f"{key}: must be true or false, got {value!r}")
        return value
    if name == "education" and isinstance(value, str):
        if value not in EDUCATION_LEVELS:
            raise InputError(f"{key}: must be one of {', '.join(EDUCATION_LEVELS)}, got {value!r}")
        return EDUCATION_LEVELS.index(value)
    whole = name in COUNTS or name == "education"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        raise InputError(f"{key}: must be {'a whole number' if whole else 'a number'}, got {value!r}")
    if name in RECEIVING_ONLY and agent.group != "receiving":
        raise InputError(f"{key}: only receiving members hold it (arriving members' value is NaN)")
    problem = BOUNDS[name]["check"](value)
    if problem:
        raise InputError(f"{key}: {problem}, got {value!r}")
    return value


def fixed_by_the_city(name: str) -> AttributeError:
    return AttributeError(f"Resident.{name} is fixed when the city is built (the resident's ties follow it) "
                          "and cannot be assigned; build a different city instead")


class Resident(mesa.Agent):
    """A city resident, arriving or receiving; all state lives in the model's arrays.

    The model creates one per row of its state arrays; the population is the city's (`city.n_agents`, or
    the nodes of a custom city), so residents are neither added (`Resident(model)`) nor removed
    (`resident.remove()`) one by one: both raise an error saying what to do instead."""

    def __init__(self, model, index: int | None = None):
        if index is None:
            raise TypeError("Resident(model): residents are created by the model, one per resident of its city; "
                            "for more residents build the model with n_agents=N (city.n_agents=N), or a custom city "
                            "(city.custom.*); with dynamics.turnover.enabled=true arriving newcomers replace "
                            "members who move on")
        super().__init__(model)
        self.index = int(index)
        self.me = slice(self.index, self.index + 1)
        """This resident's place in the state arrays, as a slice of length one: the residents `who` a phase
        runs over in the agents engine (every rule gets and returns arrays, as in the vectorised week)."""

    @property
    def group(self) -> str:
        """'arriving' or 'receiving'."""
        return GROUPS[self.model.state.group[self.index]]

    @group.setter
    def group(self, label: str) -> None:
        raise fixed_by_the_city("group")

    def __repr__(self) -> str:
        return f"Resident({self.index}, {self.group})"

    def remove(self) -> None:
        """Refused: the resident's row, ties and friendships are the city's, and every rule runs over all of
        them, so removing the view would leave the person in the simulation and its outputs."""
        raise RuntimeError(f"{self!r}.remove(): residents cannot leave one by one (the city's arrays, ties and "
                           "outputs hold every resident); with dynamics.turnover.enabled=true arriving members "
                           "move on and newcomers take their place; for a smaller city use n_agents=N "
                           "(city.n_agents=N)")


for _name in State.field_names():
    if _name != "group":
        setattr(Resident, _name, StateField(_name))


def run_agents_week(model) -> None:
    """One week of the reference engine: the phases of STEP_ORDER in order, each by the same steps as the
    vectorised week (its mechanism's declaration, model/mechanisms/), except that a step written over
    residents (`Rows`) runs for each resident on its own row, in random order (`AgentSet.shuffle_do`), and
    finishes for every resident before the next step starts; whole-model steps and the agents engine's own
    bookkeeping (`Setup`) run once. Each phase's time goes to `model.phase_seconds`."""
    for phase in PHASES:
        started = time.perf_counter()
        for part in phase.parts:
            if isinstance(part, Rows):
                model.agents.shuffle_do(lambda resident, step=part.step: step(resident.model, resident.me))
            else:
                part.step(model) if isinstance(part, Setup) else part(model)
        model.phase_seconds[phase.name] += time.perf_counter() - started
