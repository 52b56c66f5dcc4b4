"""The reference engine (idiomatic Mesa, `engine="agents"`) agrees with the vectorised week.

The engines share the city and the initial state (same seed) and differ only in the random numbers of
the week (the vectorised week draws per tie and per resident from named streams, the residents from the
model's generator, in random order); the week's public co-presences come from the same named streams
in both (common random numbers). So each seed gives a pair, and the main outcomes must agree in
distribution: their paired differences over seeds must centre on zero.
"""

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest

from bridges.model import BridgesModel, agents, step
from bridges.model.mechanisms import PHASES
from bridges.model.mechanisms.attitudes import update_attitudes
from bridges.model.mechanisms.base import Rows
from bridges.model.metrics import OUTCOMES
from bridges.model.model import Week
from bridges.model.state import State
from bridges.model.ties import ContactBlock
from tests.conftest import params_for

CITY = ("city.n_agents=160", "city.arriving_share=0.3", "city.n_neighbourhoods=4", "steps=5")
"""Small enough for the per-resident engine to run many seeds in a few seconds; 30% arriving members so
that intergroup contact, friendships and observations happen in every run. Every mechanism is on (the
default config), so every phase of the week is compared."""
SEEDS = range(8)


def outcomes(params, seed: int, engine: str) -> pd.Series:
    model = BridgesModel(replace(params, seed=seed), engine=engine)
    for _ in range(model.params.steps):
        model.step()
    series = model.timeseries().set_index(["step", "group", "metric"]).value
    return pd.Series({name: series.loc[(model.params.steps, group, metric)] for name, (group, metric) in OUTCOMES.items()})


@pytest.fixture(scope="module")
def paired():
    """Final-week outcomes per seed for both engines: (vectorised, agents) DataFrames, seeds as rows.
    The FOCUS Approach runs programmes too (MHPSS, volunteering pairs, coordination), so every phase and
    both kinds of contact block are exercised."""
    params = params_for(*CITY, "scenario=focus_approach")
    runs = {engine: pd.DataFrame([outcomes(params, seed, engine) for seed in SEEDS])
            for engine in ("vectorised", "agents")}
    return runs["vectorised"], runs["agents"]


def test_engines_agree_on_the_main_outcomes(paired):
    vectorised, agents = paired
    difference = agents - vectorised
    standard_error = difference.std(ddof=1) / np.sqrt(len(SEEDS))
    # Tolerance: 4 standard errors of the mean paired difference (two-sided p of about 0.005 per outcome
    # with 7 degrees of freedom), plus 1e-9 for outcomes that no random number moves (identical in both).
    tolerance = 4 * standard_error + 1e-9
    moved = difference.mean().abs() > tolerance
    assert not moved.any(), f"engines differ on {list(difference.columns[moved])}: mean difference " \
                            f"{difference.mean()[moved].to_dict()}, tolerance {tolerance[moved].to_dict()}"


def test_agents_engine_is_reproducible_and_starts_where_the_vectorised_one_does():
    params = params_for(*CITY, "steps=2")
    first, second, vectorised = (BridgesModel(params, engine=e) for e in ("agents", "agents", "vectorised"))
    for model in (first, second, vectorised):
        model.step()
        model.step()
    pd.testing.assert_frame_equal(first.timeseries(), second.timeseries())
    week0 = [model.timeseries().query("step == 0").reset_index(drop=True) for model in (first, vectorised)]
    pd.testing.assert_frame_equal(*week0)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine: 'numba' is not one of vectorised, agents"):
        BridgesModel(params_for(*CITY), engine="numba")


# ---- per-phase writes: a phase missing from either engine fails whatever its effect size --------------
def written_fields(model) -> dict:
    """Copies of every state field, this week's totals and the city's ties' fields, by declared name."""
    def copied(value):
        if isinstance(value, dict):
            return {key: copied(item) for key, item in value.items()}
        return value.copy() if isinstance(value, np.ndarray) else value

    taken = {f"state.{name}": copied(getattr(model.state, name)) for name in State.field_names()}
    taken |= {f"week.{f.name}": copied(getattr(model.week, f.name)) for f in fields(Week)}
    return taken | {f"block.{f.name}": copied(getattr(model.ties, f.name)) for f in fields(ContactBlock)}


def same(a, b) -> bool:
    """Whether a field kept its value; one made where there was none (the week's results before the first
    week, which the agents engine makes blank as its week opens) has not changed."""
    if a is None or (isinstance(a, dict) and not a):
        return True
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    return a == b


class PhaseWrites(dict):
    """`model.phase_seconds` that also notes what each phase changed: both engines add a phase's time right
    after running it, so each addition closes one phase (whichever engine, and whichever list of phases the
    engine runs)."""

    def __init__(self, model):
        super().__init__(model.phase_seconds)
        self.model, self.before = model, written_fields(model)
        self.written: dict[str, set[str]] = {name: set() for name in self}

    def __setitem__(self, name, seconds):
        super().__setitem__(name, seconds)
        after = written_fields(self.model)
        self.written[name] |= {field for field, value in after.items() if not same(self.before[field], value)}
        self.before = after


WRITES_CITY = (*CITY, "scenario=focus_approach", "dynamics.turnover.rate=0.2")
"""The agreement city with programmes, and a turnover rate at which arriving members leave every week, so
that every phase that changes state does so in both engines within the run (seed 1: with the wallpaper effect,
seed 0's agents-engine run forms and loses no cross-group friendship in its weeks, so extended contact has
nothing to count there; seeds 1-3 exercise every phase in both)."""


def phase_writes(engine: str) -> dict[str, set[str]]:
    model = BridgesModel(replace(params_for(*WRITES_CITY), seed=1), engine=engine)
    model.phase_seconds = PhaseWrites(model)
    for _ in range(model.params.steps):
        model.step()
    return model.phase_seconds.written


def wiring_problems(written: dict[str, dict[str, set[str]]]) -> list[str]:
    """Phases that changed state in one engine and nothing in the other (a phase missing from an engine
    changes nothing, whatever its effect size), or changed what they do not declare."""
    problems = []
    for phase in PHASES:
        declared = {name for name in phase.writes if name != "state.*"}
        if "state.*" in phase.writes:
            declared |= {f"state.{name}" for name in State.field_names()}
        by_engine = {engine: writes[phase.name] for engine, writes in written.items()}
        if len({bool(names) for names in by_engine.values()}) > 1:
            problems.append(f"{phase.name} changed state in one engine only: {by_engine}")
        problems += [f"{phase.name} ({engine}) changed {sorted(names - declared)} without declaring it"
                     for engine, names in by_engine.items() if names - declared]
    return problems


@pytest.fixture(scope="module")
def written() -> dict[str, dict[str, set[str]]]:
    """What each phase changed, per engine."""
    return {engine: phase_writes(engine) for engine in ("vectorised", "agents")}


def test_both_engines_run_every_phase_and_each_writes_what_it_declares(written):
    assert written["vectorised"]["feel_discrimination"], "the run must exercise every phase"
    assert not wiring_problems(written)


@pytest.mark.parametrize("engine", ["vectorised", "agents"])
def test_a_phase_missing_from_either_engine_is_caught(written, monkeypatch, engine):
    """The review's case: a mechanism with a small effect (experienced discrimination) left out of one
    engine; the paired outcomes might not notice, its writes do."""
    if engine == "agents":
        monkeypatch.setattr(agents, "PHASES", tuple(phase for phase in PHASES if phase.name != "feel_discrimination"))
    else:
        monkeypatch.setattr(step, "STEP_ORDER", tuple(phase for phase in PHASES if phase.name != "feel_discrimination"))
    problems = wiring_problems({**written, engine: phase_writes(engine)})
    assert len(problems) == 1 and problems[0].startswith("feel_discrimination changed state in one engine only")


# ---- a step over residents changes only their rows and the ties at their ends --------------------------
def changed_entries(before, after) -> np.ndarray:
    """Indices (first axis) where a per-person or per-tie array changed; for a dict of arrays, any of them."""
    if isinstance(after, dict):
        return np.unique(np.concatenate([changed_entries(before.get(key), value) for key, value in after.items()]
                                        or [np.zeros(0, dtype=np.int64)]))
    if not isinstance(after, np.ndarray) or not isinstance(before, np.ndarray) or before.shape != after.shape:
        return np.zeros(0, dtype=np.int64)  # not a per-entry array, or made this week (open_week)
    kept = before == after
    if after.dtype.kind == "f":
        kept |= np.isnan(before) & np.isnan(after)
    differs = ~kept
    return np.flatnonzero(differs.reshape(len(after), -1).any(axis=1))


def own_rows_only(step):
    """`step` over one resident, failing if it changes anyone else's row or a tie without the resident at an end."""
    def checked(model, who):
        before = written_fields(model)
        step(model, who)
        mine = set(np.concatenate([order[start[who.start]:start[who.stop]]
                                   for order, start in model.tie_index[model.ties.name].values()]).tolist())
        for name, value in written_fields(model).items():
            changed = set(changed_entries(before[name], value).tolist())
            allowed = mine if name.startswith("block.") else set(range(who.start, who.stop))
            outside = sorted(changed - allowed)[:5]
            assert not outside, f"{step.__name__} for resident {who.start} changed {name} at {outside}"
    checked.__name__ = step.__name__
    return checked


def checked_phases(steps_of=lambda phase: phase.parts):
    """Every phase with each of its steps over residents checked by `own_rows_only`."""
    return tuple(replace(phase, steps=tuple(Rows(own_rows_only(part.step)) if isinstance(part, Rows) else part
                                            for part in steps_of(phase)))
                 for phase in PHASES)


def run_agents_weeks(weeks: int) -> None:
    model = BridgesModel(replace(params_for(*WRITES_CITY), seed=1), engine="agents")
    for _ in range(weeks):
        model.step()


def test_each_step_over_residents_changes_only_their_rows_and_ties(monkeypatch):
    monkeypatch.setattr(agents, "PHASES", checked_phases())
    run_agents_weeks(1)


def test_a_step_that_ignores_its_residents_is_caught(monkeypatch):
    """A contributor's slip: a step that updates every row (`state.attitude[:] = ...`) runs once per resident
    in the agents engine, so each week applies the update n times; it fails on the first resident."""
    def everyone(phase):
        return tuple(Rows(lambda model, who: update_attitudes(model))
                     if isinstance(part, Rows) and part.step is update_attitudes else part for part in phase.parts)
    monkeypatch.setattr(agents, "PHASES", checked_phases(everyone))
    with pytest.raises(AssertionError, match="changed state.attitude"):
        run_agents_weeks(1)
