"""`+calibrated=PATH`: a calibrated.yaml anywhere on disk loads into runs and comparisons like
`+calibrated=<name>` does from conf/calibrated/."""

import pytest
import yaml

from bridges import cli
from bridges.calibration.calibrated_file import expand_calibrated_files
from bridges.config import compose_config, to_plain
from bridges.model.errors import InputError

CALIBRATED = """# @package _global_
# Calibrated parameters for site germany (a file a calibration run wrote)
contact:
  update:
    attitude_step: 0.0175
  quality:
    intercept: -0.25
city:
  layers:
    workplace:
      contact_rate: 2
"""


@pytest.fixture
def calibrated(tmp_path):
    path = tmp_path / "elsewhere" / "calibrated.yaml"
    path.parent.mkdir()
    path.write_text(CALIBRATED)
    return path


def test_file_values_come_first_so_later_overrides_win(calibrated):
    expanded = expand_calibrated_files(["city=germany", f"+calibrated={calibrated}", "contact.quality.intercept=1.5"])
    assert expanded == ["contact.update.attitude_step=0.0175", "contact.quality.intercept=-0.25",
                        "city.layers.workplace.contact_rate=2", "city=germany", "contact.quality.intercept=1.5"]
    plain = to_plain(compose_config(expanded))
    assert plain["contact"]["update"]["attitude_step"] == 0.0175
    assert plain["city"]["layers"]["workplace"]["contact_rate"] == 2
    assert plain["contact"]["quality"]["intercept"] == 1.5  # the user's own override wins, as over a group file
    assert expand_calibrated_files(["+calibrated=germany"]) == ["+calibrated=germany"]  # an option name stays


@pytest.mark.parametrize("text, message", [
    ("contact: {update: {attitude_step: fast}}\n", "contact.update.attitude_step: a calibrated value must be a number"),
    ("- 1\n- 2\n", "a calibrated config must map keys to values"),
    ("defaults: [config]\n", "defaults: a calibrated config sets values only"),
    ("contact: {update: [\n", "not valid YAML"),
])
def test_malformed_calibrated_file(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        expand_calibrated_files([f"+calibrated={path}"])


@pytest.mark.slow  # a whole calibration, then a run and a comparison that load its result
def test_run_and_comparison_load_a_calibrated_file(calibrated, tmp_path, capsys):
    tiny = ["city=germany", "city.n_agents=200", "city.n_neighbourhoods=4", "steps=4", "run.progress=off"]
    assert cli.main([*tiny, f"+calibrated={calibrated}", f"run.output_dir={tmp_path / 'run'}"]) == 0
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert config["contact"]["update"]["attitude_step"] == 0.0175
    # the run records the values, not the path: it stays reproducible if the file moves
    assert "contact.update.attitude_step=0.0175" in yaml.safe_load((tmp_path / "run" / "overrides.yaml").read_text())
    assert cli.main(["--config-name", "compare", *tiny, f"+calibrated={calibrated}", "compare.replicates=2",
                     "compare.scenarios=[baseline,co_creation]", f"run.output_dir={tmp_path / 'compare'}"]) == 0
    overrides = yaml.safe_load((tmp_path / "compare" / "overrides.yaml").read_text())
    assert "contact.quality.intercept=-0.25" in overrides
    assert cli.main([*tiny, f"+calibrated={tmp_path / 'missing.yaml'}", f"run.output_dir={tmp_path / 'no'}"]) == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_a_calibrated_set_for_another_site_warns(tmp_path, capsys):
    """conf/calibrated/germany.yaml (or a calibrated.yaml whose header names germany) loaded into the default
    city warns in one line, and the run goes on; with city=germany, no word."""
    from bridges.calibration.calibrated_file import other_site_warning
    from bridges.config import CONF_DIR

    assert other_site_warning(["+calibrated=germany"], CONF_DIR) == (
        "warning: calibrated=germany was fitted in site germany, but the city is default: its values fit "
        "germany's people, not default's (use city=germany with it)")
    assert other_site_warning(["city=germany", "+calibrated=germany"], CONF_DIR) is None
    own = tmp_path / "calibrated.yaml"
    own.write_text("# @package _global_\n# Calibrated parameters for site jordan: posterior medians\n"
                   "contact:\n  update:\n    attitude_step: 0.01\n")
    assert "fitted in site jordan, but the city is sweden" in other_site_warning(["city=sweden", f"+calibrated={own}"],
                                                                               CONF_DIR)
    unsaid = tmp_path / "unsaid.yaml"
    unsaid.write_text("contact:\n  update:\n    attitude_step: 0.01\n")
    assert other_site_warning([f"+calibrated={unsaid}"], CONF_DIR) is None  # a file that names no site
    assert cli.main(["+calibrated=germany", "city.n_agents=200", "city.n_neighbourhoods=4", "steps=2",
                     "run.progress=off", f"run.output_dir={tmp_path / 'run'}"]) == 0
    assert "warning: calibrated=germany was fitted in site germany" in capsys.readouterr().err
