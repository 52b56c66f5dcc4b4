"""Plots over time mark the weeks each programme runs, one band per programme, none for a programme that
runs every week."""

import pandas as pd

from bridges.plots import ATTITUDE, metrics_figure
from bridges.scenarios.compare import programme_weeks, scenario_configs, scenario_programme_weeks
from tests.conftest import params_for


def test_programme_weeks_are_each_programmes_own():
    assert programme_weeks(params_for("scenario=co_creation")) == [("co_creation", 4, 27)]  # its yaml
    assert programme_weeks(params_for("scenario=mhpss", "steps=8")) == [("mhpss", 1, 8)]  # ends with the run
    assert programme_weeks(params_for("scenario=baseline")) == []
    assert programme_weeks(params_for("scenario=coordination_only")) == []  # a partnership is no programme
    configs = scenario_configs([], ["baseline", "co_creation", "mhpss"])
    assert scenario_programme_weeks(configs) == [("co_creation", 4, 27), ("mhpss", 1, 12)]


def bands(axes) -> list[tuple[float, float]]:
    return [(patch.get_x(), patch.get_x() + patch.get_width()) for patch in axes.patches]


def test_each_programme_has_its_band_and_one_running_every_week_has_none():
    series = pd.DataFrame({"step": [0, 1, 2, 3, 4], "group": "receiving", "metric": "attitude_mean",
                           "value": [50.0, 51.0, 52.0, 53.0, 54.0]})
    shaded = metrics_figure(series, ATTITUDE, programmes=[("buddies", 1, 2), ("groups", 2, 3), ("all_year", 1, 4)])
    assert bands(shaded.axes[0]) == [(1, 2), (2, 3)]
    names = [text.get_text() for text in shaded.axes[0].texts]
    assert names == [" buddies: weeks 1-2", " groups: weeks 2-3"]
    assert not metrics_figure(series, ATTITUDE).axes[0].patches
    assert not metrics_figure(series, ATTITUDE, programmes=[("all_year", 1, 4)]).axes[0].patches
