"""Plots over time shade the weeks a scenario's programmes run."""

import pandas as pd

from bridges.model.plots import ATTITUDE, metrics_figure
from bridges.scenarios.compare import programme_period, programme_weeks, scenario_configs
from tests.conftest import params_for


def test_programme_weeks_span_the_scenarios_programmes():
    assert programme_weeks(params_for("scenario=co_creation")) == (4, 27)  # conf/intervention/co_creation.yaml
    assert programme_weeks(params_for("scenario=mhpss", "steps=8")) == (1, 8)  # ends with the run
    assert programme_weeks(params_for("scenario=baseline")) is None
    assert programme_weeks(params_for("scenario=coordination_only")) is None  # a partnership is no programme
    configs = scenario_configs([], ["baseline", "co_creation", "mhpss"])
    assert programme_period(configs) == (1, 27)


def test_the_period_is_shaded_and_nothing_is_shaded_without_one():
    series = pd.DataFrame({"step": [0, 1, 2, 3], "group": "receiving", "metric": "attitude_mean",
                           "value": [50.0, 51.0, 52.0, 53.0]})
    shaded = metrics_figure(series, ATTITUDE, period=(1, 2)).axes[0]
    (span,) = shaded.patches
    assert (span.get_x(), span.get_x() + span.get_width()) == (1, 2)
    assert not metrics_figure(series, ATTITUDE).axes[0].patches
