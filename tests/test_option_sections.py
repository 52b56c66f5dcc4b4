"""The analyses' option sections (compare:, sensitivity:, calibration:, design:, validate:) are built by the
schema's `build` (issue 22), as Params and run: are: an unknown key, a wrong type or an out-of-range value
is one line naming the key."""

import pytest

from bridges.calibration.cli import calibration_options
from bridges.config import compose_config, to_plain
from bridges.model.errors import InputError
from bridges.scenarios.compare import compare_options
from bridges.scenarios.design_report import design_options
from bridges.scenarios.sensitivity_options import sensitivity_options
from bridges.scenarios.validate import validate_options

SECTIONS = [("compare", "compare", compare_options, "replicates"),
            ("sensitivity", "sensitivity", sensitivity_options, "trajectories"),
            ("calibrate", "calibration", calibration_options, "population"),
            ("design", "design", design_options, "jobs"),
            ("validate", "validate", validate_options, "seeds")]
"""(config name, section, reader, one of its whole-number keys)."""


def section_with(config_name: str, section: str, **changes) -> dict:
    plain = to_plain(compose_config([], config_name))
    return {**plain, section: {**plain[section], **changes}}


@pytest.mark.parametrize("config_name, section, read, number", SECTIONS)
def test_an_unknown_key_is_named_with_the_known_ones(config_name, section, read, number):
    with pytest.raises(InputError, match=rf"^{section}\.colour: unknown config key \(known: .*\b{number}\b"):
        read(section_with(config_name, section, colour="blue"))


@pytest.mark.parametrize("config_name, section, read, number", SECTIONS)
@pytest.mark.parametrize("value", ["many", 2.5, True, -7])
def test_a_bad_whole_number_is_one_line_naming_its_key(config_name, section, read, number, value):
    with pytest.raises(InputError, match=rf"^{section}\.{number}: must be ") as error:
        required = {"site": "germany", "data": "survey.csv"} if section == "calibration" else {}  # no default
        read(section_with(config_name, section, **{number: value}, **required))
    assert "\n" not in str(error.value) and repr(value) in str(error.value)
