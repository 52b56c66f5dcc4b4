"""With `dynamics.disposition` off the model is the one before it: the golden runs reproduce the baseline
stored before dispositions were added (tests/golden_disposition_off/, copied from tests/golden at the commit
before them) exactly, week by week."""

from pathlib import Path

import pandas as pd
import pytest

from bridges.model import BridgesModel
from tests.conftest import params_for
from tests.issue24 import ISSUE_24_OFF
from tests.paired import CITY
from tests.test_golden import first_divergence, survey_summary

BEFORE = Path(__file__).parent / "golden_disposition_off"
SCENARIOS = ("baseline", "volunteering", "information")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_dispositions_off_reproduce_the_baseline_before_them(scenario):
    model = BridgesModel(params_for(*CITY, f"scenario={scenario}", "seed=0",
                                    "dynamics.disposition.enabled=false", "dynamics.turnover.enabled=false",
                                    *ISSUE_24_OFF))  # issue 24 came later (tests/test_issue24_off.py)
    for _ in range(model.params.steps):
        model.step()
    stored = pd.read_csv(BEFORE / f"{scenario}-seed0-timeseries.csv", index_col=0)
    assert first_divergence(stored, model.timeseries()) is None, f"{scenario}: {first_divergence(stored, model.timeseries())}"
    stored_survey = pd.read_csv(BEFORE / f"{scenario}-seed0-survey.csv", index_col=0)
    pd.testing.assert_frame_equal(survey_summary(model.survey_table())[stored_survey.columns].reset_index(drop=True),
                                  stored_survey.reset_index(drop=True), check_dtype=False, check_exact=True)
