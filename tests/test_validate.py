"""`python run.py --config-name validate`: runs, writes the report next to published figures, and rejects
bad options with one line naming the key."""

import pandas as pd
import pytest

from bridges import cli
from bridges.config import compose_config, to_plain
from bridges.model.errors import InputError
from bridges.scenarios.validate import PUBLISHED, validate_options

TINY = ["validate.cities=[default,croatia]", "validate.seeds=1", "validate.weeks=6", "validate.programme_end=3",
        "validate.drift_weeks=4", "validate.jobs=1", "city.n_agents=600", "city.n_neighbourhoods=4"]


@pytest.mark.slow  # the validation report: every pattern run for two cities, end to end
def test_validate_writes_every_pattern_with_its_source(tmp_path, capsys):
    folder = tmp_path / "validation"
    assert cli.main(["--config-name", "validate", *TINY, f"run.output_dir={folder}"]) == 0
    assert f"wrote {folder}" in capsys.readouterr().out
    summary = pd.read_csv(folder / "summary.csv")
    assert set(summary.city) == {"default", "croatia"}
    assert set(PUBLISHED) <= set(summary.pattern)
    report = (folder / "report.md").read_text()
    assert "## croatia (mechanisms on)" in report and "Pettigrew & Tropp 2006" in report
    patterns = pd.read_csv(folder / "patterns.csv")
    ratio = patterns[patterns.pattern == "per_capita_ratio_vs_size_ratio"].value
    assert ratio.to_numpy() == pytest.approx(1.0)  # every intergroup encounter has one member of each group


@pytest.mark.parametrize("override, message", [
    ("validate.seeds=0", "validate.seeds: must be an integer 1 or more"),
    ("validate.cities=[atlantis]", "validate.cities: must list cities"),
    ("validate.programme_end=60", "validate.programme_end: must be before validate.weeks"),
    ("validate.jobs=0", "validate.jobs: must be a non-zero integer"),
    ("validate.include_all_off=3", "validate.include_all_off: must be true or false"),
    ("+validate.colour=red", "validate.colour: unknown config key"),
])
def test_bad_validate_options_name_the_key(override, message):
    plain = to_plain(compose_config([override], "validate"))
    with pytest.raises(InputError, match=message):
        validate_options(plain)


def test_bad_validate_option_exits_2_without_output(tmp_path, capsys):
    folder = tmp_path / "never"
    assert cli.main(["--config-name", "validate", "validate.seeds=0", f"run.output_dir={folder}"]) == 2
    assert "validate.seeds" in capsys.readouterr().err
    assert not folder.exists()
