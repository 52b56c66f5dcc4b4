"""The reference engine (idiomatic Mesa, `engine="agents"`) agrees with the vectorised week.

The engines share the city and the initial state (same seed) and differ only in the random numbers of
the week (the vectorised week draws per tie and per resident from named streams, the residents from the
model's generator, in random order); the week's public co-presences come from the same named streams
in both (common random numbers). So each seed gives a pair, and the main outcomes must agree in
distribution: their paired differences over seeds must centre on zero.
"""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bridges.model import BridgesModel
from bridges.model.metrics import OUTCOMES
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
