"""Turnover: with `dynamics.turnover` on, arriving members who move on are replaced by newcomers in their
place, who bring the legal, family, course, work and language state that holds the arriving community's
make-up steady, and their week of arrival (`arrival_week`, read by settling.py).

Parameters: `dynamics.turnover`; rules in model/rules/turnover.py. `model.turnover_rate` and
`model.newcomer` are derived at construction (model.py `settle_turnover`, or the reference world's).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.mechanisms.base import ALL, Mechanism, Phase, StateVar, members, uniform, uniform_table
from bridges.model.ranges import ARRIVING, UNIT
from bridges.model.rules import turnover as turnover_rules


@dataclass(frozen=True)
class TurnoverParams:
    """Turnover of the arriving community: newcomers replace members who move on (model/rules/turnover.py)."""

    enabled: bool
    rate: float | None = field(default=None, metadata=UNIT)  # None: derived, the slowest steady rate


def renew_arriving(model, who=ALL) -> None:
    """With `dynamics.turnover` on: arriving members among the residents `who` who move on are replaced by
    newcomers in their place, who bring the legal, family, course, work and language state derived at
    construction (model.py `settle_turnover`) that holds the arriving community's make-up steady."""
    if model.turnover_rate <= 0.0:
        return
    state = model.state
    arriving = members(model, who, ARRIVING)
    leaving = turnover_rules.leaving(uniform(model, "turnover", arriving.size, who, ALL), model.turnover_rate)
    newcomers = arriving[leaving]
    if newcomers.size == 0:
        return
    flags = turnover_rules.FLAGS
    drawn = turnover_rules.newcomer_flags(uniform_table(model, "turnover.newcomers", who, (newcomers.size, len(flags))),
                                          np.array([model.newcomer[name] for name in flags]))
    for column, name in enumerate(flags):
        getattr(state, name)[newcomers] = drawn[:, column]
    state.language[newcomers] = model.newcomer["language"]
    state.arrival_week[newcomers] = model.steps


MECHANISM = Mechanism(
    name="turnover",
    after="livelihoods",
    params=("dynamics.turnover",),
    parameters={"dynamics.turnover": TurnoverParams},
    state=(StateVar("arrival_week", "int64", "0 (arrived before the run); a newcomer's week of arrival", fill=0),),
    attributes=("turnover_rate", "newcomer"),
    phases=(
        Phase(
            renew_arriving,
            reads=("state.group", "model.turnover_rate", "model.newcomer", "model.static_index"),
            writes=("state.legal_pending", "state.family_pending", "state.studying", "state.employed", "state.language",
                    "state.arrival_week"),
            history=False),
    ),
)
