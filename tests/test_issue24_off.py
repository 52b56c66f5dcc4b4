"""With every issue-24 switch off the model is the one before issue 24: the golden runs (tests/test_golden.py)
reproduce the baseline stored just before (tests/golden_before_24/, a copy of tests/golden at 6ae803d)
exactly, week by week, for the baseline and every intervention type, on both golden seeds. With only the
second stage's switches off they reproduce the baseline after the first stage (tests/golden_before_24_second/,
a copy of tests/golden at d0e5ea2; tests/issue24.py).

The runs are their own reference world (`dynamics.reference=self`): under `site` the spin-up before week 0
takes every world key from the site's defaults, where the new mechanisms are on, so switching them off in
the run alone would still form people in a world that has them. Before issue 24 the golden runs' world was
the site's, and such a run is its own reference byte for byte (model/reference.py), so `self` is the
before-state. Metrics and survey items added since are ignored (they did not exist then); everything that
did must be equal to the bit.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_CITY
from tests.issue24 import ISSUE_24_OFF, ISSUE_24_SECOND_OFF
from tests.test_golden import SCENARIOS, SEEDS, first_divergence, golden_overrides, survey_summary

pytestmark = SHARED_CITY

STAGES = {
    "before_24": (Path(__file__).parent / "golden_before_24", (*ISSUE_24_OFF, "dynamics.reference=self")),
    "before_24_second": (Path(__file__).parent / "golden_before_24_second",
                         (*ISSUE_24_SECOND_OFF, "dynamics.reference=self")),
}
"""Each stored state before a stage: its folder and the switches that bring the model back to it."""
CASES = [(stage, s, seed) for stage in STAGES for s in SCENARIOS for seed in SEEDS]


@pytest.mark.parametrize("stage, scenario, seed", CASES, ids=[f"{stage}-{s}-seed{seed}" for stage, s, seed in CASES])
def test_issue_24_switches_off_reproduce_the_baseline_before_it(stage, scenario, seed, city_runs):
    before, switched_off = STAGES[stage]
    model = city_runs.model((*golden_overrides(scenario), *switched_off), seed)
    name = f"{scenario}-seed{seed}"
    stored = pd.read_csv(before / f"{name}-timeseries.csv", index_col=0)
    obtained = model.timeseries()
    known = obtained.merge(stored[["metric"]].drop_duplicates(), on="metric")
    assert first_divergence(stored, known) is None, f"{name}: {first_divergence(stored, known)}"
    stored_survey = pd.read_csv(before / f"{name}-survey.csv", index_col=0)
    survey = survey_summary(model.survey_table())[list(stored_survey.columns)]
    pd.testing.assert_frame_equal(survey.reset_index(drop=True), stored_survey.reset_index(drop=True),
                                  check_dtype=False, check_exact=True)
    stored_costs = pd.read_csv(before / f"{name}-costs.csv", index_col=0)
    costs = model.intervention_costs()
    if costs.empty:
        costs = pd.DataFrame({"intervention": ["none"], "total_cost": [0.0]})
    pd.testing.assert_frame_equal(costs.reset_index(drop=True), stored_costs.reset_index(drop=True),
                                  check_dtype=False, check_exact=True)


@pytest.mark.parametrize("stage", STAGES)
def test_the_before_copy_is_complete(stage):
    """Every golden case has its three stored files before each stage (a missing one would pass nothing)."""
    before = STAGES[stage][0]
    expected = {f"{s}-seed{seed}-{kind}.csv" for s in SCENARIOS for seed in SEEDS
                for kind in ("timeseries", "survey", "costs")}
    assert expected <= {path.name for path in before.iterdir()}
    assert np.all([len(pd.read_csv(before / name)) > 0 for name in sorted(expected)])
