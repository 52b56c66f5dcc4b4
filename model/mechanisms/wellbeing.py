"""Wellbeing: distress follows legal and family uncertainty and negative encounters; belonging follows
positive encounters and work.

Parameters: `dynamics.distress`, `dynamics.belonging`; rules in model/rules/people.py.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import ALL, Mechanism, Metric, Phase, Rows, StateVar, member_values
from bridges.model.mechanisms.livelihoods import PEOPLE_KERNELS
from bridges.model.ranges import GROUPS, PER_GROUP_UNIT, UNIT, per_group
from bridges.model.rules import people as people_rules
from bridges.model.rules.people import powers

GROUP_CODES = np.arange(len(GROUPS))
"""Every group's code (the baselines of `compiled_wellbeing`, one per code)."""


@dataclass(frozen=True)
class DistressParams:
    """Weekly rises of psychological distress, and its recovery toward a group baseline."""

    legal_uncertainty: float = field(metadata=UNIT)
    family_separation: float = field(metadata=UNIT)
    negative_contact: float = field(metadata=UNIT)
    recovery: float = field(metadata=UNIT)
    baseline: dict[str, float] = field(metadata=PER_GROUP_UNIT)

    def baseline_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's distress baseline."""
        return per_group(self.baseline, group)


@dataclass(frozen=True)
class BelongingParams:
    """Weekly growth of belonging with positive contact and work, and its return toward a group baseline."""

    positive_contact: float = field(metadata=UNIT)
    work: float = field(metadata=UNIT)
    decay: float = field(metadata=UNIT)
    baseline: dict[str, float] = field(metadata=PER_GROUP_UNIT)

    def baseline_for(self, group: np.ndarray) -> np.ndarray:
        """Each person's belonging baseline."""
        return per_group(self.baseline, group)


def update_wellbeing(model, who=ALL) -> None:
    """Distress and belonging of the residents `who` (everyone; one resident in the agents engine)."""
    state, week, d = model.state, model.week, model.params.dynamics
    compiled = kernels.load(PEOPLE_KERNELS, state.n) if isinstance(who, slice) and who.step is None else None
    if compiled is not None:  # every resident, a big city's row block (Rows.blocks) or the agents engine's one
        compiled_wellbeing(model, compiled, *who.indices(state.n)[:2])
        return
    state.distress[who] = people_rules.update_distress(state.distress[who], state.group[who], state.legal_pending[who],
                                                       state.family_pending[who], week.negative[who], d.distress)
    state.belonging[who] = people_rules.update_belonging(state.belonging[who], state.group[who], week.positive[who],
                                                         state.employed[who], d.belonging)


def compiled_wellbeing(model, compiled, start: int, end: int) -> None:
    """`update_wellbeing` over residents start..end-1 in one compiled pass (people_compiled.py)."""
    state, week, d = model.state, model.week, model.params.dynamics
    distress, belonging, most = d.distress, d.belonging, 0
    while most >= 0:  # a count beyond a table of powers: the table grows and the pass runs (it wrote nothing)
        most = compiled.wellbeing(
            state.distress, state.belonging, state.group, state.legal_pending, state.family_pending, state.employed,
            week.positive, week.negative, powers(1.0 - distress.legal_uncertainty, most),
            powers(1.0 - distress.family_separation, most), powers(1.0 - distress.negative_contact, most),
            powers(1.0 - belonging.positive_contact, most), powers(1.0 - belonging.work, most),
            baselines(distress), baselines(belonging), distress.recovery, belonging.decay, start, end)


def baselines(p: DistressParams | BelongingParams) -> np.ndarray:
    """A wellbeing parameter's baseline per group code (`baseline_for`'s numbers, indexed by code)."""
    return p.baseline_for(GROUP_CODES)


def mean(values: np.ndarray) -> float:
    """`values.mean()` bit for bit (numpy's pairwise sum over the number), without its Python-level overhead."""
    return np.add.reduce(values) / values.size


MECHANISM = Mechanism(
    name="wellbeing",
    after="turnover",
    params=("dynamics.distress", "dynamics.belonging"),
    parameters={"dynamics.distress": DistressParams, "dynamics.belonging": BelongingParams},
    state=(
        StateVar("distress", "float64", "drawn per group (city.groups.<group>.distress)"),
        StateVar("belonging", "float64", "drawn per group (city.groups.<group>.belonging)"),
    ),
    phases=(
        Phase(
            update_wellbeing,
            reads=("state.group", "state.distress", "state.belonging", "state.legal_pending", "state.family_pending",
                   "state.employed", "week.positive", "week.negative"),
            writes=("state.distress", "state.belonging"),
            steps=(Rows(update_wellbeing, blocks=True),),
            history=False),
    ),
    metrics=(
        Metric("distress_mean", member_values("distress"), everyone=lambda state: mean(state.distress), rank=4),
        Metric("belonging_mean", member_values("belonging"), everyone=lambda state: mean(state.belonging), rank=5),
    ),
)
