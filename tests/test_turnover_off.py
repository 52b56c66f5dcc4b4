"""With `dynamics.turnover` off the model is the one before turnover: golden runs (tests/test_golden.py's
city) reproduce the baseline stored just before turnover was added (tests/golden_turnover_off/, copied from
tests/golden at commit 3593c30) exactly, week by week: the baseline, a contact programme, the information
campaign (beliefs read the arriving community's employment) and the structural programme (it acts on the
legal, course and recognition states that newcomers bring anew)."""

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED_CITY
from tests.issue24 import ISSUE_24_OFF
from tests.test_golden import first_divergence, golden_overrides, survey_summary

pytestmark = SHARED_CITY

BEFORE = Path(__file__).parent / "golden_turnover_off"
SCENARIOS = ("baseline", "volunteering", "information", "structural")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_turnover_off_reproduces_the_baseline_before_it(scenario, city_runs):
    model = city_runs.model((*golden_overrides(scenario), "dynamics.turnover.enabled=false", *ISSUE_24_OFF,
                             "dynamics.reference=self"), 0)  # issue 24 came later (tests/test_issue24_off.py)
    assert model.turnover_rate == 0.0 and model.newcomer == {}
    stored = pd.read_csv(BEFORE / f"{scenario}-seed0-timeseries.csv", index_col=0)
    assert first_divergence(stored, model.timeseries()) is None, f"{scenario}: {first_divergence(stored, model.timeseries())}"
    stored_survey = pd.read_csv(BEFORE / f"{scenario}-seed0-survey.csv", index_col=0)
    pd.testing.assert_frame_equal(survey_summary(model.survey_table())[stored_survey.columns].reset_index(drop=True),
                                  stored_survey.reset_index(drop=True), check_dtype=False, check_exact=True)
