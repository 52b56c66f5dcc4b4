"""Experienced discrimination: with `dynamics.discrimination` on, arriving members' negative intergroup
encounters build experienced discrimination, which raises distress and lowers belonging.

Parameters: `dynamics.discrimination`; rules in model/rules/partner.py.
"""

from dataclasses import dataclass, field

from bridges.model import kernels
from bridges.model.mechanisms.base import ALL, Mechanism, Metric, Phase, StateVar, member_values
from bridges.model.ranges import ARRIVING, UNIT
from bridges.model.rules import partner as partner_rules
from bridges.model.rules.people import powers


@dataclass(frozen=True)
class DiscriminationParams:
    """Arriving members' experienced discrimination and its toll."""

    enabled: bool
    gain: float = field(metadata=UNIT)
    decay: float = field(metadata=UNIT)
    distress_rise: float = field(metadata=UNIT)
    belonging_loss: float = field(metadata=UNIT)


DISCRIMINATION_KERNEL = "bridges.model.rules.discrimination_compiled"
"""The compiled pass (model/kernels.py loads it when the kernels run)."""


def feel_discrimination(model, who=ALL) -> None:
    """With `dynamics.discrimination` on: arriving members' negative intergroup encounters build experienced
    discrimination, which raises distress and lowers belonging (of the residents `who`: everyone, or one
    resident in the agents engine)."""
    state, d = model.state, model.params.dynamics.discrimination
    if not d.enabled:
        return
    compiled = kernels.load(DISCRIMINATION_KERNEL, state.n) if who is ALL else None
    if compiled is not None:  # in blocks of residents on the worker threads (one below threads.SPLIT_FROM)
        model.threads.each_block(lambda start, end: feel_compiled(model, compiled, start, end), state.n)
        return
    discrimination = state.discrimination[who]  # a view: the residents `who` in the state
    arriving = state.group[who] == ARRIVING
    discrimination[arriving] = partner_rules.update_discrimination(discrimination[arriving],
                                                                   model.week.negative[who][arriving], d)
    state.distress[who], state.belonging[who] = partner_rules.discrimination_toll(
        state.distress[who], state.belonging[who], state.discrimination[who], d)


def feel_compiled(model, compiled, start: int, end: int) -> None:
    """`feel_discrimination` of residents start..end-1 in one compiled pass (discrimination_compiled.py)."""
    state, d = model.state, model.params.dynamics.discrimination
    most = 0
    while most >= 0:  # a count beyond the table of powers: it grows and the pass runs (it wrote nothing)
        most = compiled.feel_all(state.discrimination, state.distress, state.belonging, state.group,
                                 model.week.negative, ARRIVING, powers(1.0 - d.gain, most), d.decay, d.distress_rise,
                                 d.belonging_loss, start, end)


MECHANISM = Mechanism(
    name="discrimination",
    after="wellbeing",
    params=("dynamics.discrimination",),
    parameters={"dynamics.discrimination": DiscriminationParams},
    state=(StateVar("discrimination", "float64", "0", fill=0.0),),
    phases=(
        Phase(
            feel_discrimination,
            reads=("state.group", "state.discrimination", "state.distress", "state.belonging", "week.negative"),
            writes=("state.discrimination", "state.distress", "state.belonging")),
    ),
    metrics=(Metric("discrimination_mean", member_values("discrimination"), groups=(ARRIVING,), rank=14),),
)
