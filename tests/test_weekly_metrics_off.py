"""`run(params, weekly_metrics=False)` (calibration, which reads only the survey) skips the weekly metrics and
the DataCollector's rows and changes nothing else: the survey and every state array are the same bytes."""

import numpy as np
import pytest

from bridges.model.simulation import run
from bridges.model.state import State
from tests.conftest import SMALL_CITY, params_for


def test_a_run_without_weekly_metrics_fields_the_same_survey_and_people():
    params = params_for(*SMALL_CITY, "scenario=volunteering")
    full, survey_only = run(params), run(params, weekly_metrics=False)
    assert full.survey.equals(survey_only.survey)
    for name in State.field_names():
        np.testing.assert_array_equal(getattr(full.model.state, name), getattr(survey_only.model.state, name),
                                      err_msg=name, strict=True)
    assert survey_only.model.records == []
    assert survey_only.model.datacollector.get_model_vars_dataframe().empty
    with pytest.raises(RuntimeError, match="weekly_metrics=False"):
        survey_only.timeseries
