"""Parameter validation and named random streams."""

import numpy as np
import pytest

from bridges.config import compose_config, model_params, run_options, to_plain
from bridges.model.errors import InputError
from bridges.model.params import Distribution, build
from bridges.model.state import beta_quantile
from bridges.model.streams import Streams


def plain(*overrides):
    return to_plain(compose_config(list(overrides)))


def test_default_config_builds():
    params = model_params(plain())
    assert params.city.n_agents == 5000 and params.steps == 52


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c["city"].pop("segregation"), "city.segregation: missing value"),
    (lambda c: c["city"]["groups"].pop("arriving"), "city.groups: must define exactly"),
    (lambda c: c["contact"]["update"].update(negativity_weight=0), "contact.update.negativity_weight: must be greater than 0"),
    (lambda c: c["city"].update(n_agents=True), "city.n_agents: must be an integer"),
    (lambda c: c["city"]["layers"]["neighbourhood"].update(extra=1), "city.layers.neighbourhood.extra: unknown config key"),
])
def test_validation_names_the_key(mutate, message):
    config = plain()
    mutate(config)
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        model_params(config)


def test_run_options_are_checked():
    assert run_options(plain())["progress"] == "auto"
    with pytest.raises(InputError, match="run.progress"):
        run_options(plain("run.progress=sometimes"))
    assert run_options(plain("run.progress=false"))["progress"] == "off"  # YAML's `off`
    with pytest.raises(InputError, match=r"run\.output_dir: must be a string, got 3"):
        run_options(plain("run.output_dir=3"))
    with pytest.raises(InputError, match=r"run\.colour: unknown config key"):
        run_options(plain("+run.colour=red"))


def test_beta_quantile_hits_mean_and_rejects_impossible_sd():
    u = np.random.default_rng(0).random(100_000)
    values = beta_quantile(u, Distribution(mean=60.0, sd=15.0), 100.0, "x")
    assert values.mean() == pytest.approx(60.0, abs=0.3) and values.std() == pytest.approx(15.0, abs=0.3)
    with pytest.raises(InputError, match="x.sd: too large"):
        beta_quantile(u, Distribution(mean=60.0, sd=60.0), 100.0, "x")


def test_build_rejects_non_mapping():
    with pytest.raises(InputError, match="config: must be a mapping"):
        build(Distribution, [1, 2])


def test_streams_depend_on_name_and_week_not_on_order():
    first = Streams(7)
    a = first.uniform("meet", 3, 5)
    first.uniform("valence.source", 3, 100)
    np.testing.assert_array_equal(a, Streams(7).uniform("meet", 3, 5))
    assert not np.array_equal(a, first.uniform("meet", 4, 5))
    assert not np.array_equal(a, first.uniform("other", 3, 5))
    assert not np.array_equal(a, Streams(8).uniform("meet", 3, 5))
