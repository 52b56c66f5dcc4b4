"""The `sensitivity:` section of a sensitivity analysis (conf/sensitivity.yaml), validated into
`SensitivityOptions`, and a sweep launcher's settings in Hydra's override grammar."""

import re
from dataclasses import dataclass
from pathlib import Path

from bridges.config import whole_number
from bridges.model.errors import InputError
from bridges.outputs import OUTPUTS_ROOT
from bridges.model.resources import available_cores
from bridges.scenarios.sensitivity_runs import LAUNCHERS
from bridges.sweep import LAUNCHERS as SWEEP_LAUNCHERS

METHODS = ("morris", "sobol")
OPTION_KEYS = {"study", "method", "trajectories", "levels", "samples", "second_order", "replicates",
               "resamples", "confidence", "jobs", "launcher", "sweep_launcher", "sweep_settings", "sweep_dir"}
MAX_POINTS = 1_000_000
"""Most design points a study may ask for (a million simulations is beyond any laptop or cluster budget)."""
SWEEP = "sweep"
"""The launcher that runs every simulation as a run of a resumable sweep (SweepLauncher)."""
DEFAULT_SWEEP_DIR = OUTPUTS_ROOT / "sensitivity" / "sweep"
"""Where sweep runs go unless sensitivity.sweep_dir says: one pool for every analysis, each run in
runs/<config hash>, so a rerun, or another study sharing configurations, computes nothing twice."""


@dataclass(frozen=True)
class SensitivityOptions:
    study: str
    method: str
    trajectories: int  # Morris r
    levels: int  # Morris p (grid levels per axis)
    samples: int  # Sobol base sample N (a power of two)
    second_order: bool
    replicates: int  # seeds per design point, averaged
    resamples: int  # bootstrap resamples for confidence intervals
    confidence: float
    jobs: int
    launcher: str
    sweep_launcher: str  # with launcher=sweep: the sweep's Hydra launcher
    sweep_settings: tuple[str, ...]  # with launcher=sweep: hydra.launcher.KEY=VALUE overrides
    sweep_dir: Path  # with launcher=sweep: the sweep folder


def _whole(section: dict, key: str, least: int, most: int = MAX_POINTS) -> int:
    return whole_number(section.get(key), f"sensitivity.{key}", least, most)


def sensitivity_options(plain: dict) -> SensitivityOptions:
    """The validated `sensitivity:` section."""
    section = plain.get("sensitivity") or {}
    unknown = sorted(set(section) - OPTION_KEYS)
    if unknown:
        raise InputError(f"sensitivity.{unknown[0]}: unknown config key (known: {', '.join(sorted(OPTION_KEYS))})")
    missing = sorted(OPTION_KEYS - set(section))
    if missing:
        raise InputError(f"sensitivity.{missing[0]}: missing value")
    if not isinstance(section["study"], str) or not section["study"]:
        raise InputError(f"sensitivity.study: must name a study in conf/sensitivity/ or a .yaml path, got "
                         f"{section['study']!r}")
    if section["method"] not in METHODS:
        raise InputError(f"sensitivity.method: must be one of {', '.join(METHODS)}, got {section['method']!r}")
    samples = _whole(section, "samples", 2)
    if samples & (samples - 1):
        raise InputError(f"sensitivity.samples: must be a power of two (Sobol sequences balance only then), "
                         f"got {samples}")
    if not isinstance(section["second_order"], bool):
        raise InputError(f"sensitivity.second_order: must be true or false, got {section['second_order']!r}")
    levels = _whole(section, "levels", 2, 100)
    if levels % 2:
        raise InputError(f"sensitivity.levels: must be even (Morris steps of p / (2 (p - 1)) then reach every "
                         f"level equally often), got {levels}")
    confidence = section["confidence"]
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        raise InputError(f"sensitivity.confidence: must be a number from 0.5 to below 1, got {confidence!r}")
    jobs = section["jobs"]
    if not isinstance(jobs, int) or isinstance(jobs, bool) or not (jobs == -1 or 1 <= jobs <= 4096):
        raise InputError(f"sensitivity.jobs: must be -1 (all cores) or a whole number from 1 to 4,096, got {jobs!r}")
    if section["launcher"] not in (*LAUNCHERS, SWEEP):
        raise InputError(f"sensitivity.launcher: must be one of {', '.join((*LAUNCHERS, SWEEP))}, got "
                         f"{section['launcher']!r}")
    if section["sweep_launcher"] not in SWEEP_LAUNCHERS:
        raise InputError(f"sensitivity.sweep_launcher: must be one of {', '.join(SWEEP_LAUNCHERS)}, got "
                         f"{section['sweep_launcher']!r}")
    sweep_dir = section["sweep_dir"]
    if sweep_dir is not None and (not isinstance(sweep_dir, str) or not sweep_dir):
        raise InputError(f"sensitivity.sweep_dir: must be a folder or null, got {sweep_dir!r}")
    return SensitivityOptions(section["study"], section["method"], _whole(section, "trajectories", 2), levels,
                              samples, section["second_order"], _whole(section, "replicates", 1, 10_000),
                              _whole(section, "resamples", 10, 100_000), confidence,
                              min(jobs, available_cores()) if jobs > 0 else jobs, section["launcher"],
                              section["sweep_launcher"], launcher_settings(section["sweep_settings"]),
                              Path(sweep_dir) if sweep_dir else DEFAULT_SWEEP_DIR)


def _hydra_value(value, where: str) -> str:
    """A setting's value in Hydra's override grammar (strings quoted, so any text stays one value)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if "${" in value:
            raise InputError(f"{where}: {value!r}: a launcher setting cannot contain '${{'")
        # In Hydra's quoted strings a backslash is literal unless it precedes a quote (or the closing one)
        escaped = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", value)
        return "'" + re.sub(r"(\\+)$", lambda m: m.group(1) * 2, escaped) + "'"
    if isinstance(value, list):
        return "[" + ",".join(_hydra_value(item, where) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}:{_hydra_value(item, f'{where}.{key}')}" for key, item in value.items()) + "}"
    raise InputError(f"{where}: must be a number, text, true/false, a list or a mapping, got {value!r}")


def launcher_settings(settings) -> tuple[str, ...]:
    """sensitivity.sweep_settings ({KEY: VALUE}, or null: none) as the sweep launcher's hydra.launcher.KEY=VALUE
    overrides (the launcher itself checks that it knows each KEY)."""
    if settings is None:
        return ()
    if not isinstance(settings, dict):
        raise InputError(f"sensitivity.sweep_settings: must be a mapping such as {{partition:short,timeout_min:60}}, "
                         f"got {settings!r}")
    for key in settings:
        if not isinstance(key, str) or not key.isidentifier():
            raise InputError(f"sensitivity.sweep_settings.{key}: not a launcher setting's name")
    return tuple(f"hydra.launcher.{key}={_hydra_value(value, f'sensitivity.sweep_settings.{key}')}"
                 for key, value in settings.items())
