"""The FOCUS site presets (conf/city/{germany,sweden,croatia,jordan}.yaml): they compose on top of the default,
validate, differ from one another where the evidence says they should, and run end to end."""

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model.params import GROUPS
from tests.conftest import in_one_worker, params_for
from tests.inprocess import run_main

pytestmark = in_one_worker(__name__)

PRESETS = ("germany", "sweden", "croatia", "jordan")
EUROPE = ("germany", "sweden", "croatia")
SMALL = ["city.n_agents=1500", "steps=4"]


@pytest.fixture(scope="module")
def cities():
    """Validated city parameters of every preset (default size), and of the default."""
    return {name: params_for(f"city={name}").city for name in (*PRESETS, "default")}


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_composes_validates_and_is_named(preset, cities):
    assert cities[preset].name == preset


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_keeps_the_defaults_it_does_not_override(preset, cities):
    city, default = cities[preset], cities["default"]
    assert city.n_agents == default.n_agents and city.custom == default.custom
    assert city.groups["receiving"].language == default.groups["receiving"].language
    for name, layer in default.layers.items():  # the Allport conditions of every setting are shared
        assert city.layers[name].kind == layer.kind
        assert city.layers[name].equal_status == layer.equal_status


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_has_enough_arriving_members(preset, cities):
    city = cities[preset]
    assert round(city.arriving_share * city.n_agents) >= 25


def test_croatia_has_the_smallest_arriving_share(cities):
    shares = {name: cities[name].arriving_share for name in PRESETS}
    assert min(shares, key=shares.get) == "croatia"
    assert shares["jordan"] > shares["germany"]


def test_only_jordan_shares_the_host_language(cities):
    jordan = cities["jordan"].groups
    assert jordan["arriving"].language.mean > 0.9
    assert abs(jordan["arriving"].language.mean - jordan["receiving"].language.mean) < 0.05
    for name in EUROPE:
        assert cities[name].groups["arriving"].language.mean < jordan["arriving"].language.mean - 0.3


def test_jordan_shares_religious_centres(cities):
    jordan, germany = cities["jordan"].layers["religious_centre"], cities["germany"].layers["religious_centre"]
    assert jordan.segregation < germany.segregation
    assert jordan.homophily < germany.homophily
    assert jordan.participation["arriving"] == jordan.participation["receiving"]


def test_receiving_employment_follows_the_sites(cities):
    employed = {name: cities[name].groups["receiving"].employed for name in PRESETS}
    assert employed["sweden"] > employed["germany"] > employed["croatia"] > employed["jordan"]


@pytest.mark.parametrize("preset", PRESETS)
def test_small_preset_city_builds_with_both_groups(preset):
    model = BridgesModel(params_for(f"city={preset}", *SMALL))
    assert model.state.n == 1500
    assert set(np.unique(model.state.group)) == set(range(len(GROUPS)))


def test_jordan_runs_end_to_end_and_reports_segregation(tmp_path, capsys):
    folder = tmp_path / "jordan"
    result = run_main(capsys, tmp_path, "city=jordan", *SMALL, "run.progress=off", f"run.output_dir={folder}")
    assert result.code == 0, result.stderr
    requested = params_for("city=jordan").city.segregation
    lines = [line for line in (folder / "report.md").read_text().splitlines()
             if line.startswith("| dissimilarity_neighbourhood | segregation=")]
    assert len(lines) == 1
    _, _, asked, measured, _ = lines[0].split("|")
    assert asked.strip() == f"segregation={requested:g}"
    assert 0.0 <= float(measured) <= 1.0
