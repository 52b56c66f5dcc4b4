"""With every issue-24 switch off (tests/issue24.py) the golden runs (tests/test_golden.py's city and cases)
reproduce the baseline stored before issue 24 (tests/golden_before_24/) byte for byte: timeseries, survey
summary and costs."""

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED_CITY
from tests.issue24 import ISSUE_24_OFF
from tests.test_golden import SCENARIOS, SEEDS, first_divergence, golden_overrides, survey_summary

pytestmark = SHARED_CITY

BEFORE = Path(__file__).parent / "golden_before_24"


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("seed", SEEDS)
def test_issue24_off_reproduces_the_baseline_before_it(scenario, seed, city_runs):
    model = city_runs.model((*golden_overrides(scenario), *ISSUE_24_OFF), seed)
    name = f"{scenario}-seed{seed}"
    moved = first_divergence(pd.read_csv(BEFORE / f"{name}-timeseries.csv", index_col=0), model.timeseries())
    assert moved is None, f"{name}: {moved}"
    pd.testing.assert_frame_equal(survey_summary(model.survey_table()).reset_index(drop=True),
                                  pd.read_csv(BEFORE / f"{name}-survey.csv", index_col=0).reset_index(drop=True),
                                  check_dtype=False, check_exact=True)
    costs = model.intervention_costs()
    if costs.empty:
        costs = pd.DataFrame({"intervention": ["none"], "total_cost": [0.0]})
    pd.testing.assert_frame_equal(costs.reset_index(drop=True),
                                  pd.read_csv(BEFORE / f"{name}-costs.csv", index_col=0).reset_index(drop=True),
                                  check_dtype=False, check_exact=True)
