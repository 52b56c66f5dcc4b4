"""Turnover: with `dynamics.turnover` on, arriving members who move on are replaced by newcomers in their
place, who bring the legal, family, course, work and language state that holds the arriving community's
make-up steady, and their week of arrival (`arrival_week`, read by settling.py).

Parameters: `dynamics.turnover`; rules in model/rules/turnover.py. `model.turnover_rate` and
`model.newcomer` are derived at construction (model.py `settle_turnover`, or the reference world's).
"""

import numpy as np

from bridges.model.mechanisms.base import Each, Mechanism, Phase, StateVar, static_index
from bridges.model.rules import turnover as turnover_rules
from bridges.model.state import ARRIVING


def renew_arriving(model) -> None:
    """With `dynamics.turnover` on: arriving members who move on are replaced by newcomers in their place, who
    bring the legal, family, course, work and language state derived at construction (model.py
    `settle_turnover`) that holds the arriving community's make-up steady."""
    if model.turnover_rate <= 0.0:
        return
    state = model.state
    arriving = static_index(model, "arriving", lambda: np.flatnonzero(state.group == ARRIVING))
    newcomers = arriving[turnover_rules.leaving(model.streams.uniform("turnover", model.steps, arriving.size),
                                                model.turnover_rate)]
    if newcomers.size == 0:
        return
    flags = turnover_rules.FLAGS
    u = model.streams.generator("turnover.newcomers", model.steps).random((newcomers.size, len(flags)))
    drawn = turnover_rules.newcomer_flags(u, np.array([model.newcomer[name] for name in flags]))
    for column, name in enumerate(flags):
        getattr(state, name)[newcomers] = drawn[:, column]
    state.language[newcomers] = model.newcomer["language"]
    state.arrival_week[newcomers] = model.steps


def resident_renew_arriving(resident) -> None:
    """With turnover on: an arriving resident who moves on is replaced by a newcomer in their place, with
    the newcomer's legal, family, course, work and language state (model/rules/turnover.py)."""
    model, state, me = resident.model, resident.model.state, resident.me
    if model.turnover_rate <= 0.0 or state.group[resident.index] != ARRIVING:
        return
    if not turnover_rules.leaving(model.rng.random(1), model.turnover_rate)[0]:
        return
    flags = turnover_rules.FLAGS
    drawn = turnover_rules.newcomer_flags(model.rng.random(len(flags)), np.array([model.newcomer[name] for name in flags]))
    for name, value in zip(flags, drawn):
        getattr(state, name)[me] = value
    state.language[me] = model.newcomer["language"]
    state.arrival_week[me] = model.steps


MECHANISM = Mechanism(
    name="turnover",
    params=("dynamics.turnover",),
    state=(StateVar("arrival_week", "int64", "0 (arrived before the run); a newcomer's week of arrival"),),
    attributes=("turnover_rate", "newcomer"),
    phases=(
        Phase(
            renew_arriving,
            reads=("state.group", "model.turnover_rate", "model.newcomer", "model.static_index"),
            writes=("state.legal_pending", "state.family_pending", "state.studying", "state.employed", "state.language",
                    "state.arrival_week"),
            agents=(Each(resident_renew_arriving),),
            history=False),
    ),
)
