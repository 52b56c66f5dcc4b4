"""Scenario comparison drawing each replicate's parameters from a calibration posterior."""

import pandas as pd
import pytest

from bridges.calibration.parameters import load_priors
from bridges.calibration.posterior_draws import posterior_draws
from bridges.calibration.report import write_posterior
from bridges.scenarios.compare import CompareOptions, run_comparison, run_replicate, scenario_configs

TINY = ["city.n_agents=300", "city.n_neighbourhoods=4", "steps=4"]


def posterior_file(tmp_path):
    parameters = load_priors("default")
    sample = pd.DataFrame({"attitude_step": [0.0, 0.04], "negativity_weight": [1.0, 5.0],
                           "quality_intercept": [0.0, 1.0], "receiving_attitude": [40.0, 70.0],
                           "contact_rate_scale": [0.5, 2.0], "weight": [0.5, 0.5]})
    path = tmp_path / "posterior.parquet"
    write_posterior(sample, parameters, path)
    return str(path)


def test_draws_come_from_the_posterior_and_repeat_with_the_seed(tmp_path):
    path = posterior_file(tmp_path)
    plain = scenario_configs(TINY, ["baseline"])["baseline"]
    draws = [draw(plain) for draw in posterior_draws(path, 40, seed=3)]
    steps = [d["contact"]["update"]["attitude_step"] for d in draws]
    assert set(steps) == {0.0, 0.04}  # both rows drawn (probability of missing one: 2 * 0.5^40)
    again = [draw(plain)["contact"]["update"]["attitude_step"] for draw in posterior_draws(path, 40, seed=3)]
    assert again == steps
    for d in draws:  # the scale multiplies the site's rates; the draw sets the key it names
        scale = 0.5 if d["contact"]["update"]["attitude_step"] == 0.0 else 2.0
        rate = plain["city"]["layers"]["neighbourhood"]["contact_rate"]
        assert d["city"]["layers"]["neighbourhood"]["contact_rate"] == scale * rate


def test_replicate_applies_one_draw_to_every_scenario(tmp_path):
    configs = scenario_configs(TINY, ["baseline", "coordination_only"])
    draw = posterior_draws(posterior_file(tmp_path), 1, seed=0)[0]
    rows = run_replicate(configs, 0, draw)[0]
    wide = rows.pivot_table(index=["outcome", "step"], columns="scenario", values="value")
    pd.testing.assert_series_equal(wide["coordination_only"], wide["baseline"], check_names=False)


@pytest.mark.slow  # a comparison whose replicates draw parameters from a posterior, end to end
def test_report_says_intervals_include_parameter_uncertainty(tmp_path):
    configs = scenario_configs(TINY, ["baseline", "co_creation"])
    options = CompareOptions(["baseline", "co_creation"], 2, 1, posterior=posterior_file(tmp_path))
    run_comparison(options, configs, tmp_path, "off")
    assert "intervals cover chance and parameter uncertainty" in (tmp_path / "report.md").read_text()
    run_comparison(CompareOptions(["baseline", "co_creation"], 2, 1), configs, tmp_path, "off")
    assert "intervals cover chance only" in (tmp_path / "report.md").read_text()
