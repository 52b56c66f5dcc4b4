"""Every mechanism of issue 9 can be switched off, and with all of them off the model is the one before
them: the golden runs (tests/test_golden.py) reproduce the baseline stored before the mechanisms were added
(tests/golden_mechanisms_off/, copied from tests/golden at commit 72b1861) exactly, week by week.

The information scenario is left out on purpose: its fixed attitude step was removed, so the campaign
now reaches attitudes only through beliefs and threat (a change that cannot be switched back).
New metrics and survey items that did not exist then are ignored; everything that did must be equal.
Programme friendships outliving their programme (`effect.friends_keep_meeting`, added later) are
switched off too (0) in the scenarios with a contact setting.
"""

from pathlib import Path

import pandas as pd
import pytest

from bridges.scenarios.validate import ALL_OFF
from tests.conftest import SHARED_CITY
from tests.issue24 import ISSUE_24_OFF
from tests.test_golden import first_divergence, golden_overrides, survey_summary

pytestmark = SHARED_CITY

BEFORE = Path(__file__).parent / "golden_mechanisms_off"
SCENARIOS = ("baseline", "volunteering", "co_creation", "mhpss", "structural", "anti_discrimination",
             "volunteering_coordinated")


CONTACT_SETTINGS = {"volunteering": "volunteering", "co_creation": "co_creation",
                    "volunteering_coordinated": "volunteering"}
"""Scenario -> its programme with a contact setting."""


def switched_off(scenario: str) -> tuple[str, ...]:
    """ALL_OFF, issue 24's switches (added later), and programme ties stopping with their programme where there
    is one."""
    programme = CONTACT_SETTINGS.get(scenario)
    return (*ALL_OFF, *ISSUE_24_OFF, *([f"interventions.{programme}.effect.friends_keep_meeting=0"] if programme else []))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_all_switches_off_reproduce_the_baseline_before_the_mechanisms(scenario, city_runs):
    model = city_runs.model((*golden_overrides(scenario), *switched_off(scenario)), 0)  # golden city, seed 0
    stored = pd.read_csv(BEFORE / f"{scenario}-seed0-timeseries.csv", index_col=0)
    obtained = model.timeseries().merge(stored[["step", "group", "metric"]], on=["step", "group", "metric"])
    assert first_divergence(stored, obtained) is None, f"{scenario}: {first_divergence(stored, obtained)}"
    stored_survey = pd.read_csv(BEFORE / f"{scenario}-seed0-survey.csv", index_col=0)
    obtained_survey = survey_summary(model.survey_table())[stored_survey.columns]
    pd.testing.assert_frame_equal(obtained_survey.reset_index(drop=True), stored_survey.reset_index(drop=True),
                                  check_dtype=False, check_exact=True)
