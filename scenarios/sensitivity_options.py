"""The `sensitivity:` section of a sensitivity analysis (conf/sensitivity.yaml), validated into
`SensitivityOptions`, and a sweep launcher's settings in Hydra's override grammar."""

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from bridges.config import JOBS, one_of, option_section, whole
from bridges.model.errors import InputError
from bridges.model.ranges import bounded
from bridges.outputs import OUTPUTS_ROOT
from bridges.model.resources import available_cores
from bridges.scenarios.sensitivity_runs import LAUNCHERS
from bridges.sweep import LAUNCHERS as SWEEP_LAUNCHERS

METHODS = ("morris", "sobol")
MAX_POINTS = 1_000_000
"""Most design points a study may ask for (a million simulations is beyond any laptop or cluster budget)."""
SWEEP = "sweep"
"""The launcher that runs every simulation as a run of a resumable sweep (SweepLauncher)."""
DEFAULT_SWEEP_DIR = OUTPUTS_ROOT / "sensitivity" / "sweep"
"""Where sweep runs go unless sensitivity.sweep_dir says: one pool for every analysis, each run in
runs/<config hash>, so a rerun, or another study sharing configurations, computes nothing twice."""
POINTS = whole(2, MAX_POINTS, "a million simulations is beyond any budget")


@dataclass(frozen=True)
class SensitivityOptions:
    """The `sensitivity:` section (conf/sensitivity.yaml), built by the schema's `build` (sensitivity_options):
    every key required, as the file gives them all."""

    study: str = field(metadata={"check": lambda value: None if value else
                                 "must name a study in conf/sensitivity/ or a .yaml path"})
    method: str = field(metadata=one_of(METHODS))
    trajectories: int = field(metadata=POINTS)  # Morris r
    levels: int = field(metadata=whole(2, 100))  # Morris p (grid levels per axis)
    samples: int = field(metadata=POINTS)  # Sobol base sample N (a power of two)
    second_order: bool
    replicates: int = field(metadata=whole(1, 10_000))  # seeds per design point, averaged
    resamples: int = field(metadata=whole(10, 100_000))  # bootstrap resamples for confidence intervals
    confidence: float = field(metadata=bounded(0.5, 1.0, "", "a share below 1"))
    jobs: int = field(metadata=JOBS)  # sensitivity_options caps them at the available cores
    launcher: str = field(metadata=one_of((*LAUNCHERS, SWEEP)))
    sweep_launcher: str = field(metadata=one_of(SWEEP_LAUNCHERS))  # with launcher=sweep: the sweep's Hydra launcher
    sweep_settings: dict | None  # with launcher=sweep: {KEY: VALUE} for hydra.launcher.KEY (launcher_overrides)
    sweep_dir: str | None  # with launcher=sweep: the sweep folder (sweep_folder)

    def __post_init__(self):
        if self.samples & (self.samples - 1):
            raise InputError(f"sensitivity.samples: must be a power of two (Sobol sequences balance only then), "
                             f"got {self.samples}")
        if self.levels % 2:
            raise InputError(f"sensitivity.levels: must be even (Morris steps of p / (2 (p - 1)) then reach every "
                             f"level equally often), got {self.levels}")
        if self.confidence == 1.0:
            raise InputError("sensitivity.confidence: must be a number from 0.5 to below 1, got 1.0")
        if self.sweep_dir == "":
            raise InputError("sensitivity.sweep_dir: must be a folder or null, got ''")
        launcher_settings(self.sweep_settings)  # checked before any work

    @property
    def launcher_overrides(self) -> tuple[str, ...]:
        """sweep_settings as the sweep launcher's hydra.launcher.KEY=VALUE overrides."""
        return launcher_settings(self.sweep_settings)

    @property
    def sweep_folder(self) -> Path:
        return Path(self.sweep_dir) if self.sweep_dir else DEFAULT_SWEEP_DIR


def sensitivity_options(plain: dict) -> SensitivityOptions:
    """The validated `sensitivity:` section, its jobs capped at the available cores."""
    options = option_section(SensitivityOptions, plain, "sensitivity")
    return replace(options, jobs=min(options.jobs, available_cores()) if options.jobs > 0 else options.jobs)


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
