"""The weekly step: the phases of every mechanism (model/mechanisms/), in the order of the week.

    STEP_ORDER = (deliver_interventions, gather_public_encounters, meet, judge_quality, judge_valence,
                  tally_contacts, remember_partners, update_attitudes, update_friendships, extended_contact,
                  set_aside_threat, follow_norms, restore_threat, update_beliefs, perceive_threat,
                  update_livelihoods, renew_arriving, update_wellbeing, feel_discrimination, record, survey)

A phase only gathers arrays, calls pure rules (model/rules/) and stores their results: every modelling
decision is a rule. Each phase declares what it reads and writes (its `Phase` in its mechanism's module;
`ACCESS` here collects them), naming fields of `model.state` (`state.X`), of this week's per-person scratch
`model.week` (`week.X`), of every contact block (`block.X`, model/ties.py: the city's intergroup ties and
any programme's), `blocks` (the list of blocks), `interventions` (their enrolment and counters), `records`
and `survey_waves`, and the model attributes a mechanism owns (`model.X`, its `Mechanism.attributes`);
tests/test_step_plan.py checks that a phase writes and looks up nothing else. Every phase is written once
over the residents `who` (model/mechanisms/base.py): `run_week` here calls it over every resident at once,
and the agents engine (model/agents.py) runs the same steps resident by resident. Random numbers come from
streams named after the phase (and block), drawn at a fixed size per tie or resident, so scenarios share
them (common random numbers).
"""

import time

from bridges.model.mechanisms import MECHANISMS, PHASES
from bridges.model.mechanisms.base import VIEWS  # noqa: F401  (the views norms anchor; tests import them from here)
from bridges.model.threads import release_free_memory

STEP_ORDER = PHASES
"""The phases of one week, in order (model/mechanisms/__init__.py lists the mechanisms). Calling a phase
runs its steps over every resident at once (base.py `Phase`)."""

ACCESS = {phase.name: phase.access for phase in PHASES}
"""What each phase of STEP_ORDER reads and writes, by name: declared next to the phase in its mechanism's
module, as data rather than a decorator, so that mutmut (which skips decorated functions) mutates the phase
bodies; tests/test_step_plan.py checks it."""

HISTORY_ORDER = tuple(phase for phase in PHASES if phase.history)
"""A week of the contact history before week 0 (model.py `settle_history`): STEP_ORDER without the
phases whose results are thrown away there (beliefs, livelihoods and wellbeing are held at their surveyed
values; nothing is recorded or surveyed)."""


def initial_perceptions(model) -> None:
    """Week 0: what each mechanism sets before anyone has met (its `start`: each view's anchors, perceived
    threat, perceived outgroup variability), in the order of the mechanisms."""
    for mechanism in MECHANISMS:
        if mechanism.start is not None:
            mechanism.start(model)


_plans: dict[int, tuple[tuple, tuple]] = {}


def plan(phases: tuple) -> tuple[tuple[str, tuple], ...]:
    """`phases` as the vectorised week calls them: each phase's name and its calls (`Phase.vectorised`), worked
    out once per tuple of phases (STEP_ORDER, HISTORY_ORDER, or a test's own) rather than every week."""
    kept = _plans.get(id(phases))
    if kept is None or kept[0] is not phases:
        kept = _plans[id(phases)] = (phases, tuple((phase.name, phase.vectorised) for phase in phases))
    return kept[1]


def run_history_week(model) -> None:
    """One week of the contact history: the phases of HISTORY_ORDER in turn, then the week's freed
    temporaries handed back to the system (a big city: `release_free_memory`)."""
    for _, calls in plan(HISTORY_ORDER):
        for call in calls:
            call(model)
    release_free_memory(model.state.n)


def run_week(model) -> None:
    """One week: every phase of STEP_ORDER in turn, adding each phase's wall time to
    `model.phase_seconds` (a profile in one line: `sorted(model.phase_seconds.items(), key=...)`), then hands
    the week's freed temporaries back to the system (a big city: `release_free_memory`)."""
    seconds, clock = model.phase_seconds, time.perf_counter
    for name, calls in plan(STEP_ORDER):
        started = clock()
        for call in calls:
            call(model)
        seconds[name] += clock() - started
    release_free_memory(model.state.n)
