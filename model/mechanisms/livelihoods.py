"""Livelihoods: legal decisions, family reunification, courses, host-language proficiency and employment,
each week.

Parameters: `dynamics.legal_determination_hazard`, `dynamics.family_reunification_hazard`,
`dynamics.course_exit_hazard`, `dynamics.language_*`, `dynamics.employment`; rules in
model/rules/people.py. `model.job_finding_rate` (the labour market's weekly hazard) is set when the model
is built (model.py).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import (ALL, Key, Mechanism, Metric, Phase, StateVar, member_values,
                                           uniform)
from bridges.model.ranges import NON_NEGATIVE_WEIGHT, UNIT
from bridges.model.rules import people as people_rules


@dataclass(frozen=True)
class EmploymentParams:
    """Weekly job finding and loss."""

    loss_rate: float = field(metadata=UNIT)
    language_weight: float = field(metadata=NON_NEGATIVE_WEIGHT)
    pending_factor: float = field(metadata=UNIT)
    unrecognised_factor: float = field(metadata=UNIT)
    finding_rate: float | None = field(default=None, metadata=UNIT)  # None: derived (steady state)


PEOPLE_KERNELS = "bridges.model.rules.people_compiled"
"""The compiled livelihoods and wellbeing (model/kernels.py loads them when the kernels run)."""


def update_livelihoods(model, who=ALL) -> None:
    """Legal decisions, family reunification, courses, language and employment of the residents `who`."""
    state, d, week = model.state, model.params.dynamics, model.week
    compiled = kernels.load(PEOPLE_KERNELS, state.n) if who is ALL else None
    if compiled is not None:
        compiled_livelihoods(model, compiled)
        return
    draw = lambda name: uniform(model, name, state.n, who, who)  # noqa: E731
    state.legal_pending[who] = people_rules.resolve_pending(state.legal_pending[who], draw("legal"),
                                                            d.legal_determination_hazard)
    state.family_pending[who] = people_rules.resolve_pending(state.family_pending[who], draw("family"),
                                                             d.family_reunification_hazard)
    state.language[who] = people_rules.improve_language(state.language[who], state.studying[who],
                                                        week.positive[who] + week.negative[who], d)
    state.studying[who] = people_rules.resolve_pending(state.studying[who], draw("courses"), d.course_exit_hazard)
    hazard = people_rules.job_finding_hazard(state.language[who], state.legal_pending[who],
                                             ~state.qualification_recognised[who], model.job_finding_rate, d.employment)
    state.employed[who] = people_rules.update_employment(state.employed[who], draw("employment"), hazard,
                                                         d.employment)


def compiled_livelihoods(model, compiled) -> None:
    """`update_livelihoods` over every resident through its kernels, in blocks of residents on the worker
    threads (one block below threads.SPLIT_FROM): each block's draws from its place in the streams, one pass up
    to the job-finding hazard's exponent, numpy's exp of it, and one pass for employment (people_compiled.py)."""
    state, d, week, n = model.state, model.params.dynamics, model.week, model.state.n
    e = d.employment
    legal, family, courses, employment = (model.streams.seeded_words(name, model.steps, compiled.streams_compiled)
                                          for name in ("legal", "family", "courses", "employment"))
    exponent = np.empty(n)

    def residents(start: int, end: int) -> None:
        """Residents start..end-1, each stream advanced to the first of them."""
        at = lambda words: compiled.advanced_words(words, start) if start else words  # noqa: E731
        most = 0
        while most >= 0:  # a count beyond a table of powers: the table grows and the pass runs (it wrote nothing)
            most = compiled.livelihoods_before_exp(
                state.legal_pending, state.family_pending, state.language, state.studying, week.positive,
                week.negative, at(legal), at(family), at(courses), d.legal_determination_hazard,
                d.family_reunification_hazard, d.course_exit_hazard,
                people_rules.powers(1.0 - d.language_course_gain, most),
                people_rules.powers(1.0 - d.language_contact_gain, most), e.language_weight, exponent, start, end)
        growth = exponent[start:end]
        np.exp(growth, out=growth)
        compiled.find_work(state.employed, state.legal_pending, state.qualification_recognised, at(employment),
                           exponent, model.job_finding_rate, e.pending_factor, e.unrecognised_factor, e.loss_rate,
                           start, end)

    model.threads.each_block(residents, n)


MECHANISM = Mechanism(
    name="livelihoods",
    after="threat",
    params=("dynamics.legal_determination_hazard", "dynamics.family_reunification_hazard",
            "dynamics.course_exit_hazard", "dynamics.language_course_gain", "dynamics.language_contact_gain",
            "dynamics.employment"),
    parameters={"dynamics.legal_determination_hazard": Key(float, UNIT),
                "dynamics.family_reunification_hazard": Key(float, UNIT),
                "dynamics.course_exit_hazard": Key(float, UNIT),
                "dynamics.language_course_gain": Key(float, UNIT), "dynamics.language_contact_gain": Key(float, UNIT),
                "dynamics.employment": EmploymentParams},
    state=(
        StateVar("employed", "bool", "drawn per group (city.groups.<group>.employed)"),
        StateVar("studying", "bool", "drawn per group (city.groups.<group>.studying)"),
        StateVar("qualification_recognised", "bool",
                 "True up to basic education, else drawn (city.groups.<group>.qualification_recognised)"),
        StateVar("legal_pending", "bool", "drawn per group (city.groups.<group>.legal_pending)"),
        StateVar("family_pending", "bool", "drawn per group (city.groups.<group>.family_pending)"),
        StateVar("language", "float64", "drawn per group (city.groups.<group>.language)"),
    ),
    attributes=("job_finding_rate",),
    phases=(
        Phase(
            update_livelihoods,
            reads=("state.legal_pending", "state.family_pending", "state.language", "state.studying", "state.employed",
                   "state.qualification_recognised", "week.positive", "week.negative", "model.job_finding_rate"),
            writes=("state.legal_pending", "state.family_pending", "state.language", "state.studying", "state.employed"),
            history=False),
    ),
    metrics=(
        Metric("language_mean", member_values("language"), rank=6),
        Metric("employed_share", member_values("employed"), rank=7),
        Metric("legal_pending_share", member_values("legal_pending"), rank=8),
    ),
)
