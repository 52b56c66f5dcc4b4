"""Livelihoods: legal decisions, family reunification, courses, host-language proficiency and employment,
each week.

Parameters: `dynamics.legal_determination_hazard`, `dynamics.family_reunification_hazard`,
`dynamics.course_exit_hazard`, `dynamics.language_*`, `dynamics.employment`; rules in
model/rules/people.py. `model.job_finding_rate` (the labour market's weekly hazard) is set when the model
is built (model.py).
"""

from bridges.model.mechanisms.base import Each, Mechanism, Metric, Phase, StateVar, member_values
from bridges.model.rules import people as people_rules


def update_livelihoods(model) -> None:
    """Legal decisions, family reunification, courses, language and employment."""
    state, d, week = model.state, model.params.dynamics, model.week
    draw = lambda name: model.streams.uniform(name, model.steps, state.n)  # noqa: E731
    state.legal_pending[:] = people_rules.resolve_pending(state.legal_pending, draw("legal"), d.legal_determination_hazard)
    state.family_pending[:] = people_rules.resolve_pending(state.family_pending, draw("family"), d.family_reunification_hazard)
    state.language[:] = people_rules.improve_language(state.language, state.studying, week.positive + week.negative, d)
    state.studying[:] = people_rules.resolve_pending(state.studying, draw("courses"), d.course_exit_hazard)
    hazard = people_rules.job_finding_hazard(state.language, state.legal_pending, ~state.qualification_recognised,
                                             model.job_finding_rate, d.employment)
    state.employed[:] = people_rules.update_employment(state.employed, draw("employment"), hazard, d.employment)


def resident_update_livelihoods(resident) -> None:
    """Legal decision, family reunification, courses, language and employment."""
    model, state, d, week, me = resident.model, resident.model.state, resident.model.params.dynamics, resident.model.week, resident.me
    draw = model.rng.random
    state.legal_pending[me] = people_rules.resolve_pending(state.legal_pending[me], draw(1),
                                                           d.legal_determination_hazard)
    state.family_pending[me] = people_rules.resolve_pending(state.family_pending[me], draw(1),
                                                            d.family_reunification_hazard)
    state.language[me] = people_rules.improve_language(state.language[me], state.studying[me],
                                                       week.positive[me] + week.negative[me], d)
    state.studying[me] = people_rules.resolve_pending(state.studying[me], draw(1), d.course_exit_hazard)
    hazard = people_rules.job_finding_hazard(state.language[me], state.legal_pending[me],
                                             ~state.qualification_recognised[me], model.job_finding_rate,
                                             d.employment)
    state.employed[me] = people_rules.update_employment(state.employed[me], draw(1), hazard, d.employment)


MECHANISM = Mechanism(
    name="livelihoods",
    after="threat",
    params=("dynamics.legal_determination_hazard", "dynamics.family_reunification_hazard",
            "dynamics.course_exit_hazard", "dynamics.language_course_gain", "dynamics.language_contact_gain",
            "dynamics.employment"),
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
            agents=(Each(resident_update_livelihoods),),
            history=False),
    ),
    metrics=(
        Metric("language_mean", member_values("language"), rank=6),
        Metric("employed_share", member_values("employed"), rank=7),
        Metric("legal_pending_share", member_values("legal_pending"), rank=8),
    ),
)
