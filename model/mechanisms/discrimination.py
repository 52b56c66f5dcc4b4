"""Experienced discrimination: with `dynamics.discrimination` on, arriving members' negative intergroup
encounters build experienced discrimination, which raises distress and lowers belonging.

Parameters: `dynamics.discrimination`; rules in model/rules/partner.py.
"""

from bridges.model.mechanisms.base import Each, Mechanism, Phase, StateVar
from bridges.model.rules import partner as partner_rules
from bridges.model.state import ARRIVING


def feel_discrimination(model) -> None:
    """With `dynamics.discrimination` on: arriving members' negative intergroup encounters build experienced
    discrimination, which raises distress and lowers belonging."""
    state, d = model.state, model.params.dynamics.discrimination
    if not d.enabled:
        return
    arriving = state.group == ARRIVING
    state.discrimination[arriving] = partner_rules.update_discrimination(
        state.discrimination[arriving], model.week.negative[arriving], d)
    state.distress[:], state.belonging[:] = partner_rules.discrimination_toll(
        state.distress, state.belonging, state.discrimination, d)


def resident_feel_discrimination(resident) -> None:
    """With `dynamics.discrimination` on: an arriving resident's negative intergroup encounters build
    experienced discrimination, which raises distress and lowers belonging."""
    model, state, me, d = resident.model, resident.model.state, resident.me, resident.model.params.dynamics.discrimination
    if not d.enabled:
        return
    if state.group[resident.index] == ARRIVING:
        state.discrimination[me] = partner_rules.update_discrimination(state.discrimination[me],
                                                                       model.week.negative[me], d)
    state.distress[me], state.belonging[me] = partner_rules.discrimination_toll(
        state.distress[me], state.belonging[me], state.discrimination[me], d)


MECHANISM = Mechanism(
    name="discrimination",
    params=("dynamics.discrimination",),
    state=(StateVar("discrimination", "float64", "0"),),
    phases=(
        Phase(
            feel_discrimination,
            reads=("state.group", "state.discrimination", "state.distress", "state.belonging", "week.negative"),
            writes=("state.discrimination", "state.distress", "state.belonging"),
            agents=(Each(resident_feel_discrimination),)),
    ),
    metrics=("discrimination_mean",),
)
