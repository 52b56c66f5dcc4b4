"""`+calibrated=PATH`: load a calibrated parameter set from a file anywhere on disk (the `calibrated.yaml`
a calibration run writes), not only a named option in conf/calibrated/ (`+calibrated=germany`).

The file's values become ordinary `key=value` overrides placed before the user's own, which is what
Hydra does with a config group option: the group file overrides the defaults, and every command-line
`key=value` still overrides the group file. A run or comparison records the expanded overrides, so it
is reproducible even if the file later moves or changes."""

import re
from pathlib import Path


from bridges.model.errors import InputError
from bridges.model.input_files import read_yaml

PREFIXES = ("+calibrated=", "calibrated=")
SITE_LINE = re.compile(r"^# Calibrated parameters for site (\S+?):", re.MULTILINE)
"""The header line naming the site a calibrated file was fitted in (calibration/report.py calibrated_config)."""
DEFAULT_CITY = "default"


def names_a_file(value: str) -> bool:
    """A `calibrated` choice that is a path (a folder separator or a .yaml/.yml suffix), not an option name."""
    return "/" in value or "\\" in value or value.endswith((".yaml", ".yml"))


def _leaves(mapping: dict, prefix: str, path: Path):
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _leaves(value, f"{name}.", path)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield name, value
        else:
            raise InputError(f"{path}: {name}: a calibrated value must be a number, got {value!r}")


def calibrated_overrides(path: Path) -> list[str]:
    """The `key=value` overrides a calibrated config file sets (numbers only: a calibrated set holds
    parameter values, nothing else)."""
    if not path.is_file():
        raise InputError(f"calibrated={path}: file not found")
    content = read_yaml(path)  # the tool's one guarded YAML loader (size, encoding, aliases, depth, numbers)
    if not isinstance(content, dict) or not content:
        raise InputError(f"{path}: a calibrated config must map keys to values")
    if "defaults" in content:
        raise InputError(f"{path}: defaults: a calibrated config sets values only")
    return [f"{key}={value!r}" for key, value in _leaves(content, "", path)]


def calibrated_site(path: Path) -> str | None:
    """The site a calibrated file was fitted in, from its header; None if the file does not say."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            match = SITE_LINE.search(handle.read(4096))
    except OSError:
        return None
    return match.group(1) if match else None


def other_site_warning(overrides: list[str], conf_dir: Path) -> str | None:
    """One warning line when a calibrated set fitted in one site (`+calibrated=germany`, or a calibrated.yaml
    whose header names its site) is loaded into another site's city: its values fit that site's people."""
    city = next((o.split("=", 1)[1] for o in reversed(overrides) if o.startswith("city=")), DEFAULT_CITY)
    for override in overrides:
        prefix = next((p for p in PREFIXES if override.startswith(p)), None)
        if not prefix:
            continue
        choice = override[len(prefix):]
        path = Path(choice).expanduser() if names_a_file(choice) else conf_dir / "calibrated" / f"{choice}.yaml"
        site = calibrated_site(path)
        if site and site != city:
            return (f"warning: calibrated={choice} was fitted in site {site}, but the city is {city}: its values fit "
                    f"{site}'s people, not {city}'s (use city={site} with it)")
    return None


def expand_calibrated_files(overrides: list[str]) -> list[str]:
    """The overrides with each `+calibrated=PATH` replaced by the file's values, put first (so later
    `key=value` overrides win, as they do over `+calibrated=<name>`); option names stay as they are."""
    from_files, rest = [], []
    for override in overrides:
        prefix = next((p for p in PREFIXES if override.startswith(p)), None)
        if prefix and names_a_file(override[len(prefix):]):
            from_files += calibrated_overrides(Path(override[len(prefix):]).expanduser())
        else:
            rest.append(override)
    return [*from_files, *rest]
