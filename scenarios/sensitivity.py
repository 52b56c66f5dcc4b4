"""Global sensitivity analysis with SALib: Morris screening and Sobol indices of any declared outcome to
any parameters with ranges declared in a study (conf/sensitivity/<study>.yaml).

    python run.py --config-name sensitivity                                  # Morris, default study
    python run.py --config-name sensitivity sensitivity.method=sobol sensitivity.samples=256
    python run.py --config-name sensitivity sensitivity.study=volunteering_effect

Each parameter varies over [low, high] (uniformly, or uniformly in its logarithm); SALib's design lives in
the unit cube and each unit coordinate is mapped onto its range, so a Morris mu* is the outcome's change
over a parameter's whole range (on average, across the other parameters' values). Every design point
runs with the same seeds (seed, seed + 1, ...: common random numbers), so two points differ by their
parameters, not by chance, and the same study twice gives identical indices. An outcome with
`effect_of: SCENARIO` in the study is that scenario minus baseline on the same seeds.

The evaluation step is pluggable (`Launcher`): a function that maps the evaluator over a list of
points and returns the results in order; joblib with a progress bar is the local default. With
`sensitivity.launcher=sweep` every simulation is instead a run of a resumable sweep (bridges.sweep), through
the same Hydra launchers as `bridges -m` (joblib, submitit_local, submitit_slurm): complete runs survive a
failed analysis and are reused by the next one.

Not to be confused with calibration/sensitivity.py: a one-at-a-time check of which survey statistics
constrain which calibration parameters.
"""

import copy
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from SALib.analyze import morris as morris_analyze  # noqa: E402
from SALib.analyze import sobol as sobol_analyze  # noqa: E402
from SALib.sample import morris as morris_sample  # noqa: E402
from SALib.sample import sobol as sobol_sample  # noqa: E402
from scipy import stats  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bridges.model import BridgesModel  # noqa: E402
from bridges.model.config import (PROGRESS_DISABLE, compose_config, config_groups, model_params,  # noqa: E402
                                  group_file, matching_paths, run_options, to_plain,
                                  whole_number)
from bridges.model.outputs import OUTPUTS_ROOT, StagedFolder, check_output_folder, default_run_dir, write_config  # noqa: E402
from bridges.model.errors import InputError  # noqa: E402
from bridges.model.input_files import read_yaml  # noqa: E402
from bridges.model.params import MAX_SEED  # noqa: E402
from bridges.model.resources import available_cores  # noqa: E402
from bridges.scenarios.directions import table_sign, load_directions  # noqa: E402
from bridges.sweep import LAUNCHERS as SWEEP_LAUNCHERS  # noqa: E402
from bridges.sweep import check_sweep_dir, run_points  # noqa: E402

METHODS = ("morris", "sobol")
MEASURES = ("change", "final", "mean")
"""How an outcome reads a metric's weekly series: last week minus the first recorded week (week 0; week 1
for contact metrics), last week, or the mean over the weeks it is recorded."""
OUTCOME_GROUPS = ("arriving", "receiving", "all")
"""Groups an outcome can read: either community, or everyone ("all")."""
BASELINE = "baseline"
OPTION_KEYS = {"study", "method", "trajectories", "levels", "samples", "second_order", "replicates",
               "resamples", "confidence", "jobs", "launcher", "sweep_launcher", "sweep_settings", "sweep_dir"}
PARAMETER_KEYS = {"key", "low", "high", "log", "multiply", "integer", "unit", "meaning", "source"}
OUTCOME_KEYS = {"group", "metric", "measure", "effect_of", "unit", "meaning"}
MAX_POINTS = 1_000_000
"""Most design points a study may ask for (a million simulations is beyond any laptop or cluster budget)."""
TOP = 3
"""Parameters named in the summary sentence of each outcome."""
SWEEP = "sweep"
"""The launcher that runs every simulation as a run of a resumable sweep (SweepLauncher)."""
DEFAULT_SWEEP_DIR = OUTPUTS_ROOT / "sensitivity" / "sweep"
"""Where sweep runs go unless sensitivity.sweep_dir says: one pool for every analysis, each run in
runs/<config hash>, so a rerun, or another study sharing configurations, computes nothing twice."""


@dataclass(frozen=True)
class Parameter:
    """One uncertain input: `key` in the config (a `*` matches one level); with `multiply`, the value
    multiplies every matched key instead of replacing it; with `log`, it is uniform in its logarithm;
    with `integer`, it is rounded (counts such as a programme's capacity)."""

    name: str
    key: str
    low: float
    high: float
    log: bool = False
    multiply: bool = False
    unit: str = ""
    meaning: str = ""
    source: str = ""
    integer: bool = False

    def value(self, unit: float) -> float | int:
        """The parameter's value at `unit` in [0, 1] along its range (rounded to a whole number if integer)."""
        if self.log:
            value = math.exp(math.log(self.low) + unit * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + unit * (self.high - self.low)
        return round(value) if self.integer else float(value)


@dataclass(frozen=True)
class Outcome:
    """One quantity read from a run's weekly metrics; with `effect_of`, that scenario minus baseline."""

    name: str
    group: str
    metric: str
    measure: str
    effect_of: str | None = None
    unit: str = ""
    meaning: str = ""

    def read(self, series: dict[tuple[str, str], np.ndarray]) -> float:
        """The outcome from a run's weekly series (`weekly_series`)."""
        values = series[(self.group, self.metric)]
        if self.measure == "change":
            return float(values[-1] - values[0])
        if self.measure == "final":
            return float(values[-1])
        return float(values.mean())


@dataclass(frozen=True)
class Study:
    name: str
    description: str
    parameters: tuple[Parameter, ...]
    outcomes: tuple[Outcome, ...]

    def problem(self) -> dict:
        """SALib's problem: the unit cube, one axis per parameter (Parameter.value maps it onto the range)."""
        return {"num_vars": len(self.parameters), "names": [p.name for p in self.parameters],
                "bounds": [[0.0, 1.0]] * len(self.parameters)}


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


def _number(spec: dict, key: str, where: str) -> float:
    value = spec.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise InputError(f"{where}.{key}: must be a number, got {value!r}")
    return float(value)


def _documented(spec: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise InputError(f"{where}.{key}: say it in words (every range states its meaning, unit and source, "
                             f"or 'assumption')")


def _parameter(name: str, spec, where: str) -> Parameter:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: must be a mapping with key, low, high, unit, meaning and source")
    unknown = sorted(set(spec) - PARAMETER_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(PARAMETER_KEYS))})")
    if not isinstance(spec.get("key"), str) or not spec["key"]:
        raise InputError(f"{where}.key: must be a config key such as contact.update.attitude_step")
    low, high = _number(spec, "low", where), _number(spec, "high", where)
    if not low < high:
        raise InputError(f"{where}: low ({low:g}) must be below high ({high:g})")
    for flag in ("log", "multiply", "integer"):
        if not isinstance(spec.get(flag, False), bool):
            raise InputError(f"{where}.{flag}: must be true or false, got {spec[flag]!r}")
    if spec.get("log", False) and low <= 0:
        raise InputError(f"{where}.low: a log range needs low > 0, got {low:g}")
    _documented(spec, ("unit", "meaning", "source"), where)
    return Parameter(name, spec["key"], low, high, spec.get("log", False), spec.get("multiply", False),
                     spec["unit"], spec["meaning"], spec["source"], spec.get("integer", False))


def _outcome(name: str, spec, where: str) -> Outcome:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: must be a mapping with group, metric and measure")
    unknown = sorted(set(spec) - OUTCOME_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(OUTCOME_KEYS))})")
    if spec.get("group") not in OUTCOME_GROUPS:
        raise InputError(f"{where}.group: must be one of {', '.join(OUTCOME_GROUPS)}, got {spec.get('group')!r}")
    if not isinstance(spec.get("metric"), str):
        raise InputError(f"{where}.metric: must name a metric of timeseries.parquet (model/metrics.py)")
    if spec.get("measure") not in MEASURES:
        raise InputError(f"{where}.measure: must be one of {', '.join(MEASURES)}, got {spec.get('measure')!r}")
    scenario = spec.get("effect_of")
    if scenario is not None and scenario not in config_groups().get("scenario", []):
        raise InputError(f"{where}.effect_of: no scenario {scenario!r} in conf/scenario/")
    _documented(spec, ("unit", "meaning"), where)
    return Outcome(name, spec["group"], spec["metric"], spec["measure"], scenario, spec["unit"], spec["meaning"])


def load_study(choice: str) -> Study:
    """The declared parameters and outcomes of a study, checked; InputError names the file and key."""
    path = group_file("sensitivity", choice, "sensitivity.study")
    content = read_yaml(path)
    if not isinstance(content, dict):
        raise InputError(f"{path}: must be a mapping with description, parameters and outcomes")
    unknown = sorted(set(content) - {"description", "parameters", "outcomes"})
    if unknown:
        raise InputError(f"{path}, key {unknown[0]}: unknown key (known: description, parameters, outcomes)")
    sections = {}
    for section in ("parameters", "outcomes"):
        declared = content.get(section)
        if not isinstance(declared, dict) or not declared:
            raise InputError(f"{path}, key {section}: must map each name to its declaration")
        sections[section] = declared
    parameters = tuple(_parameter(str(name), spec, f"{path}, key parameters.{name}")
                       for name, spec in sections["parameters"].items())
    if len(parameters) < 2:
        raise InputError(f"{path}, key parameters: a sensitivity analysis needs two parameters or more")
    outcomes = tuple(_outcome(str(name), spec, f"{path}, key outcomes.{name}")
                     for name, spec in sections["outcomes"].items())
    return Study(path.stem, str(content.get("description") or ""), parameters, outcomes)




def _get(plain: dict, path: tuple):
    for key in path:
        plain = plain[key]
    return plain


def apply_point(plain: dict, parameters: tuple[Parameter, ...], values: dict[str, float]) -> dict:
    """A copy of the plain config with each parameter set (or its matched keys multiplied). A key absent
    from this config (an intervention's, in the baseline) is left out: that scenario does not use it."""
    out = copy.deepcopy(plain)
    for parameter in parameters:
        for path in matching_paths(out, parameter.key.split(".")):
            parent = _get(out, path[:-1])
            parent[path[-1]] = parent[path[-1]] * values[parameter.name] if parameter.multiply else values[parameter.name]
    return out


def model_overrides(overrides: list[str]) -> list[str]:
    """The user's overrides that reach the model (sensitivity.* choose the analysis)."""
    return [o for o in overrides if not o.lstrip("+~").startswith("sensitivity.")]


def simulation_overrides(overrides: list[str]) -> list[str]:
    """The user's overrides every simulation shares: the model's, without run.* (the analysis's folder and
    progress bar are no simulation's)."""
    return [o for o in model_overrides(overrides) if not o.lstrip("+~").startswith("run.")]


def scenario_configs(plain: dict, overrides: list[str], study: Study) -> dict[str, dict]:
    """Each scenario's plain model config: the chosen scenario (scenario=..., baseline by default) for
    plain outcomes, and baseline plus each scenario an effect outcome needs. The user's overrides apply
    to all; sensitivity.* are not the model's."""
    base = model_overrides(overrides)
    model_plain = {key: value for key, value in plain.items() if key != "sensitivity"}
    effects = sorted({o.effect_of for o in study.outcomes if o.effect_of})
    needed = ([plain["scenario_name"]] if any(not o.effect_of for o in study.outcomes) else []) + (
        [BASELINE, *effects] if effects else [])
    configs = {}
    for scenario in dict.fromkeys(needed):
        configs[scenario] = model_plain if scenario == plain["scenario_name"] else {
            key: value for key, value in to_plain(compose_config([*base, f"scenario={scenario}"])).items()
            if key != "sensitivity"}
    return configs


def check_study(configs: dict[str, dict], study: Study) -> None:
    """Before any work: every key exists and is numeric in some scenario, the model accepts every
    parameter at both ends of its range, and every outcome's metric is recorded for its group."""
    for parameter in study.parameters:
        paths = [(name, p) for name, plain in configs.items() for p in matching_paths(plain, parameter.key.split("."))]
        if not paths or any(not isinstance(_get(configs[name], p), (int, float)) or isinstance(_get(configs[name], p), bool)
                            for name, p in paths):
            raise InputError(f"study {study.name}, parameter {parameter.name}: {parameter.key} is not a numeric key "
                             f"of the model's config (scenarios {', '.join(configs)})")
    for corner in (0.0, 1.0):
        values = {p.name: p.value(corner) for p in study.parameters}
        for name, plain in configs.items():
            try:
                model_params(apply_point(plain, study.parameters, values))
            except InputError as error:
                end = "low" if corner == 0.0 else "high"
                raise InputError(f"study {study.name}: with every parameter at its {end} end, {error}") from None
    probe = {**next(iter(configs.values())), "steps": 1}
    model = BridgesModel(model_params(probe))
    model.step()
    recorded = set(weekly_series(model.timeseries()))
    for outcome in study.outcomes:
        if (outcome.group, outcome.metric) not in recorded:
            known = ", ".join(sorted({m for g, m in recorded if g == outcome.group}))
            raise InputError(f"study {study.name}, outcome {outcome.name}: metric {outcome.metric!r} is not recorded "
                             f"for group {outcome.group} (recorded: {known})")


def simulate(plain: dict) -> dict[tuple[str, str], np.ndarray]:
    """One run's weekly metrics: (group, metric) -> values in week order."""
    params = model_params(plain)
    model = BridgesModel(params)
    for _ in range(params.steps):
        model.step()
    return weekly_series(model.timeseries())


def weekly_series(timeseries: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """(group, metric) -> values in week order, from a tidy timeseries table."""
    ordered = timeseries.sort_values("step", kind="stable")
    return {key: part.value.to_numpy() for key, part in ordered.groupby(["group", "metric"], sort=False)}


@dataclass(frozen=True)
class Evaluator:
    """Design point (unit coordinates) -> outcome values, each the mean over the same seeds, and the CPU
    seconds it took. Picklable, so any launcher can ship it to worker processes or cluster jobs. A
    launcher that runs command lines instead (a sweep) uses `overrides` and `combine`."""

    configs: dict
    reference: str  # the scenario plain outcomes are read from
    parameters: tuple[Parameter, ...]
    outcomes: tuple[Outcome, ...]
    seeds: tuple[int, ...]
    base_overrides: tuple[str, ...] = ()  # the user's overrides, shared by every run

    def values(self, unit_point) -> dict[str, float | int]:
        return {p.name: p.value(float(u)) for p, u in zip(self.parameters, unit_point)}

    def __call__(self, unit_point) -> dict:
        cpu = time.process_time()
        values = self.values(unit_point)
        series = {(name, seed): simulate({**apply_point(plain, self.parameters, values), "seed": seed})
                  for seed in self.seeds for name, plain in self.configs.items()}
        return {"outcomes": self.combine(series), "cpu_seconds": time.process_time() - cpu}

    def combine(self, series: dict[tuple[str, int], dict]) -> list[float]:
        """Outcomes of one point from its runs' weekly series, keyed (scenario, seed): effects are
        paired differences on each seed, everything is averaged over the seeds."""
        sums = np.zeros(len(self.outcomes))
        for seed in self.seeds:
            sums += [outcome.read(series[outcome.effect_of, seed]) - outcome.read(series[BASELINE, seed])
                     if outcome.effect_of else outcome.read(series[self.reference, seed]) for outcome in self.outcomes]
        return (sums / len(self.seeds)).tolist()

    def overrides(self, unit_point) -> dict[tuple[str, int], list[str]]:
        """The command-line overrides of every run a point needs, keyed (scenario, seed): composing them
        gives exactly the config `__call__` simulates."""
        values = self.values(unit_point)
        runs = {}
        for name, plain in self.configs.items():
            changed = apply_point(plain, self.parameters, values)
            keys = [f"{'.'.join(path)}={_get(changed, path)!r}" for parameter in self.parameters
                    for path in matching_paths(plain, parameter.key.split("."))]
            for seed in self.seeds:
                runs[name, seed] = [*self.base_overrides, f"scenario={name}", *keys, f"seed={seed}"]
        return runs


Launcher = Callable[[Callable, list, int, str], list]
"""(function, items, jobs, progress) -> [function(item) for item in items], in order; any parallelism."""


def joblib_launcher(function: Callable, items: list, jobs: int, progress: str) -> list:
    """Local worker processes (joblib), with a tqdm progress bar over the points."""
    runs = Parallel(n_jobs=jobs, return_as="generator", max_nbytes=None)(delayed(function)(item) for item in items)
    return list(tqdm(runs, total=len(items), desc="design points", unit="pt", disable=PROGRESS_DISABLE[progress],
                     leave=False))


def serial_launcher(function: Callable, items: list, jobs: int, progress: str) -> list:
    """In this process, one point after the other (debugging, profiling)."""
    return [function(item) for item in tqdm(items, desc="design points", unit="pt",
                                            disable=PROGRESS_DISABLE[progress], leave=False)]


LAUNCHERS: dict[str, Launcher] = {"joblib": joblib_launcher, "serial": serial_launcher}


@dataclass(frozen=True)
class SweepLauncher:
    """A Launcher that runs every simulation of every point as a run of a resumable sweep
    (bridges.sweep.run_points: `sweep_dir/runs/<config hash>`, validated before launch, complete runs
    skipped, identical configurations run once) with one of the sweep's Hydra launchers, then reads each
    run's weekly series (timeseries.parquet, exact floats) and combines them into the point's outcomes.
    Each result also names the point's run folders, keyed (scenario, seed)."""

    sweep_dir: Path
    launcher: str = "joblib"
    settings: tuple[str, ...] = ()  # hydra.launcher.KEY=VALUE

    def __call__(self, evaluator: Evaluator, items: list, jobs: int, progress: str) -> list:
        runs = [evaluator.overrides(item) for item in items]
        settings = list(self.settings)
        if self.launcher == "joblib" and not any(s.startswith("hydra.launcher.n_jobs=") for s in settings):
            settings.append(f"hydra.launcher.n_jobs={jobs}")
        folders = iter(run_points([overrides for point in runs for overrides in point.values()], self.sweep_dir,
                                  self.launcher, settings, progress=progress))
        results = []
        for point in runs:
            located = {key: next(folders) for key in point}
            series = {key: weekly_series(pd.read_parquet(folder / "timeseries.parquet"))
                      for key, folder in located.items()}
            results.append({"outcomes": evaluator.combine(series), "runs": located})
        return results


def choose_launcher(options: SensitivityOptions) -> Launcher:
    """The launcher sensitivity.launcher names (with launcher=sweep, set up by the sweep_* options)."""
    if options.launcher == SWEEP:
        return SweepLauncher(options.sweep_dir.absolute(), options.sweep_launcher, options.sweep_settings)
    return LAUNCHERS[options.launcher]


def design(study: Study, options: SensitivityOptions, seed: int) -> np.ndarray:
    """SALib's seeded design in the unit cube: Morris trajectories, or Sobol's Saltelli-style sample."""
    problem = study.problem()
    if options.method == "morris":
        return morris_sample.sample(problem, options.trajectories, num_levels=options.levels, seed=seed)
    return sobol_sample.sample(problem, options.samples, calc_second_order=options.second_order, seed=seed)


def design_size(study: Study, options: SensitivityOptions) -> int:
    k = len(study.parameters)
    if options.method == "morris":
        return options.trajectories * (k + 1)
    return options.samples * (2 * k + 2 if options.second_order else k + 2)


def morris_indices(study: Study, unit: np.ndarray, outputs: np.ndarray, options: SensitivityOptions,
                   seed: int) -> pd.DataFrame:
    """mu* (with its bootstrap interval), mu and sigma per outcome and parameter, ranked by mu*; each
    parameter's direction is the sign of mu where every elementary effect has that sign (|mu| = mu*) or mu
    differs from 0 at the confidence level (|mu| > z sigma / sqrt(r), the r effects' standard error), else 0:
    an effect that goes both ways has none."""
    rows = []
    for j, outcome in enumerate(study.outcomes):
        result = morris_analyze.analyze(study.problem(), unit, outputs[:, j], num_resamples=options.resamples,
                                        conf_level=options.confidence, num_levels=options.levels, seed=seed)
        for i, parameter in enumerate(study.parameters):
            half = float(result["mu_star_conf"][i])
            rows += [(outcome.name, parameter.name, "mu_star", float(result["mu_star"][i]),
                      float(result["mu_star"][i]) - half, float(result["mu_star"][i]) + half),
                     (outcome.name, parameter.name, "mu", float(result["mu"][i]), np.nan, np.nan),
                     (outcome.name, parameter.name, "sigma", float(result["sigma"][i]), np.nan, np.nan)]
    values = {(o, p, index): value for o, p, index, value, _, _ in rows}
    signed = {(o, p): value for (o, p, index), value in values.items() if index == "mu"}
    z = stats.norm.ppf(0.5 + options.confidence / 2)
    directions = {key: int(np.sign(mu)) if abs(mu) > z * values[(*key, "sigma")] / math.sqrt(options.trajectories)
                  or np.isclose(abs(mu), values[(*key, "mu_star")], rtol=1e-9, atol=0.0) else 0
                  for key, mu in signed.items()}
    return with_directions(_tidy(rows, "mu_star", options), study, signed, directions)


def sobol_indices(study: Study, unit: np.ndarray, outputs: np.ndarray, options: SensitivityOptions,
                  seed: int) -> pd.DataFrame:
    """First-order (S1) and total (ST) indices, and S2 if asked, with bootstrap intervals, ranked by ST; each
    main effect's signed slope and direction (`main_effect_directions`)."""
    rows = []
    names = [p.name for p in study.parameters]
    for j, outcome in enumerate(study.outcomes):
        y = outputs[:, j]
        if np.var(y) == 0:  # SALib divides by the variance: an outcome no parameter moves has all indices 0
            rows += [(outcome.name, name, index, 0.0, 0.0, 0.0) for name in names for index in ("S1", "ST")]
            continue
        result = sobol_analyze.analyze(study.problem(), y, calc_second_order=options.second_order,
                                       num_resamples=options.resamples, conf_level=options.confidence, seed=seed)
        for i, name in enumerate(names):
            for index in ("S1", "ST"):
                value, half = float(result[index][i]), float(result[f"{index}_conf"][i])
                rows.append((outcome.name, name, index, value, value - half, value + half))
        if options.second_order:
            for a in range(len(names)):
                for b in range(a + 1, len(names)):
                    value, half = float(result["S2"][a, b]), float(result["S2_conf"][a, b])
                    rows.append((outcome.name, f"{names[a]}:{names[b]}", "S2", value, value - half, value + half))
    signed, directions = main_effect_directions(study, unit, outputs, options)
    return with_directions(_tidy(rows, "ST", options), study, signed, directions)


def main_effect_directions(study: Study, unit: np.ndarray, outputs: np.ndarray, options: SensitivityOptions
                           ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int]]:
    """The signed main effect of each parameter on each outcome from the Saltelli design (Sobol indices are
    variance shares, unsigned), and its direction. Each base row A has a row AB_j equal to it but for parameter
    j, taken from B: the least-squares slope of the outcome's change on the parameter's change over those
    pairs, b = sum(dy dx) / sum(dx^2), is the outcome's change over the parameter's whole range, others held
    (in the outcome's unit, like Morris mu); the direction is its sign where the mean of dy dx differs from 0
    at the `confidence` level (two-sided t-test over the N pairs), else 0."""
    k = len(study.parameters)
    step = 2 * k + 2 if options.second_order else k + 2  # SALib's rows per base sample: A, AB_1..AB_k, [BA_*,] B
    base = np.arange(0, len(unit), step)
    signed, directions = {}, {}
    for j, outcome in enumerate(study.outcomes):
        for i, parameter in enumerate(study.parameters):
            dx = unit[base + 1 + i, i] - unit[base, i]
            dy = outputs[base + 1 + i, j] - outputs[base, j]
            products = dx * dy
            key = outcome.name, parameter.name
            signed[key] = float(products.sum() / (dx * dx).sum()) if (dx != 0).any() else 0.0
            spread = products.std(ddof=1)
            if spread == 0:
                directions[key] = int(np.sign(products.mean()))
                continue
            p_value = stats.ttest_1samp(products, 0.0).pvalue
            directions[key] = int(np.sign(products.mean())) if p_value < 1.0 - options.confidence else 0
    return signed, directions


def with_directions(table: pd.DataFrame, study: Study, signed: dict[tuple[str, str], float],
                    directions: dict[tuple[str, str], int] | None = None) -> pd.DataFrame:
    """The indices with each parameter's signed effect on each outcome (Morris mu, or the Sobol design's slope),
    its direction (+1, -1, 0; the sign of the signed effect unless `directions` says), the directions table's
    sign for it (scenarios/directions.yaml; empty where the table has no such parameter or outcome) and
    whether the direction differs from the table: the opposite sign (a table sign of 0 claims no direction, and
    an effect without a clear direction contradicts none)."""
    entries = load_directions()
    outcomes = {o.name: o for o in study.outcomes}
    keys = {p.name: p.key for p in study.parameters}
    pairs = list(zip(table.outcome, table.parameter))
    effect = [signed.get(pair, np.nan) for pair in pairs]
    expected = [None if outcomes[o].effect_of or p not in keys else table_sign(keys[p], outcomes[o].group,
                                                                                 outcomes[o].metric, entries)
                for o, p in pairs]
    direction = [directions[pair] if directions is not None and pair in directions
                 else int(np.sign(value)) if value == value else pd.NA for pair, value in zip(pairs, effect)]
    return table.assign(
        signed_effect=effect, direction=pd.array(direction, dtype="Int64"),
        table_direction=pd.array(expected, dtype="Int64"),
        differs_from_table=[bool(e) and d is not pd.NA and d == -e for d, e in zip(direction, expected)])


def _tidy(rows: list[tuple], ranked_by: str, options: SensitivityOptions) -> pd.DataFrame:
    """One row per outcome, parameter and index, with its interval and the parameter's rank on `ranked_by`
    within the outcome (1 = most influential)."""
    table = pd.DataFrame(rows, columns=["outcome", "parameter", "index", "value", "ci_low", "ci_high"])
    table.insert(0, "method", options.method)
    table["confidence"] = options.confidence
    main = table[table["index"] == ranked_by]
    ranks = main.groupby("outcome")["value"].rank(ascending=False, method="first").astype(int)
    table["rank"] = pd.Series(ranks, index=main.index).reindex(table.index).astype("Int64")
    return table


def morris_convergence(study: Study, unit: np.ndarray, outputs: np.ndarray, options: SensitivityOptions,
                       seed: int) -> pd.DataFrame:
    """mu* ranks from the first r trajectories, r = 2, 4, ... up to all: the design's first r trajectories
    are themselves a Morris design, so this shows whether more trajectories would change the ranking.
    Spearman correlation and top-3 agreement of each r's ranking with the full design's."""
    per_trajectory = len(study.parameters) + 1
    counts = sorted({r for r in (2, 4, 5, 10, 20, 40, 80, 160) if r < options.trajectories} | {options.trajectories})
    rows = []
    for j, outcome in enumerate(study.outcomes):
        ranks = {}
        for r in counts:
            rows_used = r * per_trajectory
            result = morris_analyze.analyze(study.problem(), unit[:rows_used], outputs[:rows_used, j],
                                            num_resamples=10, num_levels=options.levels, seed=seed)
            ranks[r] = stats.rankdata(-np.asarray(result["mu_star"]), method="ordinal")
        full = ranks[options.trajectories]
        top_full = set(np.flatnonzero(full <= TOP))
        for r in counts:
            rho = stats.spearmanr(ranks[r], full).statistic if len(full) > 2 else np.nan
            rows.append({"outcome": outcome.name, "trajectories": r, "spearman_vs_all": float(rho),
                         "top3_shared": len(top_full & set(np.flatnonzero(ranks[r] <= TOP)))})
    return pd.DataFrame(rows)


WORDS = {1: "raises", -1: "lowers", 0: "no clear direction"}
"""How a direction reads: raising the parameter raises or lowers the outcome, or moves it no clear way."""
EFFECTS = {1: "raising it raises it", -1: "raising it lowers it", 0: "no clear direction"}
SIGN_COLOURS = {1: "tab:blue", -1: "tab:red", 0: "tab:gray"}
"""Bar and point colours by the direction of a parameter's effect."""


def _direction_of(row) -> int:
    return 0 if row.direction is pd.NA else int(row.direction)


def sentences(indices: pd.DataFrame, study: Study, method: str) -> list[str]:
    """Per outcome, one sentence naming the most influential parameters, how much and which way they move it,
    and any parameter whose direction differs from the directions table (scenarios/directions.yaml)."""
    index = "mu_star" if method == "morris" else "ST"
    lines = []
    for outcome in study.outcomes:
        rows = indices[(indices.outcome == outcome.name) & (indices["index"] == index)].sort_values("rank")
        top = rows.head(TOP)
        if method == "morris":
            named = ", ".join(f"{r.parameter} (mu* {r.value:.3g} {outcome.unit}, mu {r.signed_effect:+.3g}: "
                              f"{EFFECTS[_direction_of(r)]})" for r in top.itertuples())
        else:
            named = ", ".join(f"{r.parameter} (ST {r.value:.2f}, slope {r.signed_effect:+.3g} {outcome.unit}: "
                              f"{EFFECTS[_direction_of(r)]})" for r in top.itertuples())
        if (rows.value <= 0).all():
            line = f"{outcome.name}: no parameter moves it over these ranges."
        else:
            line = f"{outcome.name} ({outcome.meaning}) depends most on {named}."
        differing = rows[rows.differs_from_table]
        if len(differing):
            line += " Direction differs from the table: " + ", ".join(
                f"{r.parameter} (table {WORDS[int(r.table_direction)]}, here {WORDS[_direction_of(r)]})"
                for r in differing.itertuples()) + "."
        lines.append(line)
    return lines


def plot_indices(indices: pd.DataFrame, study: Study, method: str, folder: Path) -> None:
    """Per outcome, horizontal bars of mu* (Morris) or S1 and ST (Sobol, ST lighter) with interval whiskers,
    coloured by the direction of the parameter's effect (blue raises, red lowers, grey neither) and marked
    "≠ table" where it differs from the directions table; for Morris also the mu*-sigma plane, points
    coloured the same way."""
    from matplotlib.patches import Patch

    shown = ("mu_star",) if method == "morris" else ("S1", "ST")
    legend = [Patch(color=SIGN_COLOURS[1], label="raising it raises the outcome"),
              Patch(color=SIGN_COLOURS[-1], label="raising it lowers the outcome"),
              Patch(color=SIGN_COLOURS[0], label="no clear direction")]
    for outcome in study.outcomes:
        rows = indices[(indices.outcome == outcome.name) & indices["index"].isin(shown)]
        order = rows[rows["index"] == shown[-1]].sort_values("value").parameter.tolist()
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(order) + 1.5))
        height = 0.8 / len(shown)
        for k, index in enumerate(shown):
            part = rows[rows["index"] == index].set_index("parameter").loc[order]
            positions = np.arange(len(order)) + (k - (len(shown) - 1) / 2) * height
            errors = np.vstack([(part.value - part.ci_low).clip(lower=0), (part.ci_high - part.value).clip(lower=0)])
            colours = [SIGN_COLOURS[_direction_of(r)] for r in part.itertuples()]
            ax.barh(positions, part.value, height=height, xerr=errors, color=colours, capsize=2,
                    alpha=1.0 if k == 0 else 0.45)
        flagged = rows[(rows["index"] == shown[-1]) & rows.differs_from_table].set_index("parameter")
        ax.set_yticks(np.arange(len(order)), [f"{name} ≠ table" if name in flagged.index else name for name in order])
        unit = f" [{outcome.unit}]" if method == "morris" else ""
        ax.set_xlabel(("mu* (mean |elementary effect| over the whole range)" if method == "morris"
                       else "Sobol index (share of variance; S1 dark, ST light)") + unit)
        ax.set_title(f"{outcome.name}: {method}", fontsize=10)
        ax.legend(handles=legend, loc="lower right", fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / f"indices_{outcome.name}.png", dpi=110)
        plt.close(fig)
        if method == "morris":
            plot_morris_plane(indices, outcome, folder, legend)


def plot_morris_plane(indices: pd.DataFrame, outcome: Outcome, folder: Path, legend: list) -> None:
    """The usual Morris screening plot: mu* against sigma, each parameter a point coloured by the sign of mu."""
    rows = indices[indices.outcome == outcome.name].pivot(index="parameter", columns="index", values="value")
    signs = indices[(indices.outcome == outcome.name) & (indices["index"] == "mu")].set_index("parameter")
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, row in rows.iterrows():
        sign = _direction_of(next(signs.loc[[name]].itertuples()))
        ax.scatter(row.mu_star, row.sigma, color=SIGN_COLOURS[sign])
        ax.annotate(name, (row.mu_star, row.sigma), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel(f"mu* [{outcome.unit}]")
    ax.set_ylabel(f"sigma [{outcome.unit}] (interactions, non-linearity)")
    ax.set_title(f"{outcome.name}: Morris mu* and sigma", fontsize=10)
    ax.legend(handles=legend, loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / f"morris_{outcome.name}.png", dpi=110)
    plt.close(fig)


def directions_section(indices: pd.DataFrame, method: str) -> str:
    """report.md's table of every parameter's signed effect on every outcome, the directions table's sign, and
    the flag "direction differs from the table"."""
    index, signed = ("mu_star", "mu") if method == "morris" else ("S1", "slope")
    rows = indices[indices["index"] == index].sort_values(["outcome", "rank"])
    lines = [f"| outcome | parameter | {index} | {signed} | direction | table | |", "|---|---|---|---|---|---|---|"]
    for r in rows.itertuples():
        table = "" if r.table_direction is pd.NA else WORDS[int(r.table_direction)]
        flag = "direction differs from the table" if r.differs_from_table else ""
        lines.append(f"| {r.outcome} | {r.parameter} | {r.value:.3g} | {r.signed_effect:+.3g} | "
                     f"{WORDS[_direction_of(r)]} | {table} | {flag} |")
    return ("\n## Directions\n\nWhich way raising each parameter moves each outcome (" +
            ("Morris mu, the signed mean elementary effect" if method == "morris" else
             "the slope of the outcome on the parameter over the design's one-at-a-time pairs, over its whole "
             "range; its direction only where it differs from 0 at the confidence level") +
            "), against the directions table (scenarios/directions.yaml; empty: not in the table, or an effect of a "
            "scenario). Runs use the reference world (dynamics.reference=site), as the table does.\n\n"
            + "\n".join(lines) + "\n")


def report(study: Study, options: SensitivityOptions, lines: list[str], convergence: pd.DataFrame | None,
           runs: int, seconds: float, cpu_seconds: float | None, sweep_dir: Path | None = None,
           indices: pd.DataFrame | None = None) -> str:
    """The run's report.md: what was varied, over what, how, and the sentences. With `sweep_dir` the
    simulations ran as that sweep's runs (complete ones reused, so their CPU time is not this analysis's)."""
    ranges = "\n".join(f"| {p.name} | `{p.key}`{' (multiplier)' if p.multiply else ''} | {p.low:g} - {p.high:g}"
                       f"{' (log)' if p.log else ''} | {p.unit} | {p.source} |" for p in study.parameters)
    how = (f"Morris screening, r = {options.trajectories} trajectories on a {options.levels}-level grid"
           if options.method == "morris" else
           f"Sobol indices, N = {options.samples} base samples{' with second order' if options.second_order else ''}")
    text = (f"# Sensitivity: {study.name}\n\n{study.description}\n\n{how}; {runs:,} simulations "
            f"({options.replicates} seed(s) per point, common random numbers) in {seconds:.0f} s wall, "
            + (f"as runs of the sweep {sweep_dir} (complete runs reused; runs.csv names each point's run folders)"
               if sweep_dir else f"{cpu_seconds:.0f} s CPU in the simulations")
            + f"; intervals {options.confidence:.0%} bootstrap "
            f"({options.resamples} resamples).\n\n## Most influential\n\n" + "\n".join(f"- {line}" for line in lines)
            + "\n\n## Ranges\n\n| parameter | key | range | unit | source |\n|---|---|---|---|---|\n" + ranges + "\n")
    if indices is not None:
        text += directions_section(indices, options.method)
    if convergence is not None and (convergence.trajectories < options.trajectories).any():
        last = convergence[convergence.trajectories < options.trajectories].groupby("trajectories")
        summary = last.agg(spearman=("spearman_vs_all", "min"), top3=("top3_shared", "min"))
        rows = "\n".join(f"| {r} | {row.spearman:.2f} | {int(row.top3)} of {TOP} |" for r, row in summary.iterrows())
        text += ("\n## Convergence of the ranking\n\nmu* ranks from the first r trajectories against all of them "
                 "(worst outcome shown):\n\n| r | Spearman rho | top 3 shared |\n|---|---|---|\n" + rows + "\n")
    return text


@dataclass(frozen=True)
class Prepared:
    """A validated sensitivity run, ready to evaluate: nothing is written before this exists."""

    study: Study
    options: SensitivityOptions
    evaluator: Evaluator
    seed: int


def prepare(plain: dict, overrides: list[str]) -> Prepared:
    """Validate the options, the study and every scenario's config at both ends of every range."""
    options = sensitivity_options(plain)
    study = load_study(options.study)
    if plain["seed"] + options.replicates - 1 > MAX_SEED:
        raise InputError(f"seed: replicates use seeds {plain['seed']} to {plain['seed'] + options.replicates - 1}, "
                         f"past the largest seed {MAX_SEED:,}")
    configs = scenario_configs(plain, overrides, study)
    if design_size(study, options) * options.replicates * len(configs) > MAX_POINTS:
        raise InputError(f"sensitivity: {design_size(study, options):,} points x {options.replicates} seeds x "
                         f"{len(configs)} scenarios is over {MAX_POINTS:,} simulations; lower "
                         f"sensitivity.trajectories or sensitivity.samples")
    check_study(configs, study)
    evaluator = Evaluator(configs, plain["scenario_name"], study.parameters, study.outcomes,
                          tuple(range(plain["seed"], plain["seed"] + options.replicates)),
                          tuple(simulation_overrides(overrides)))
    return Prepared(study, options, evaluator, plain["seed"])


def sensitivity_cli(plain: dict, overrides: list[str], launcher: Launcher | None = None) -> tuple[Path, list[str]]:
    """`python run.py --config-name sensitivity`: validate, then evaluate and write into a run folder
    (outputs/sensitivity/<date>/<time>-seed<seed>, or run.output_dir) that exists only if all succeeds."""
    run = run_options(plain)
    prepared = prepare(plain, overrides)
    unique = not run["output_dir"]
    folder = default_run_dir(plain["seed"], OUTPUTS_ROOT / "sensitivity") if unique else Path(run["output_dir"])
    check_output_folder(folder, taken_is_fine=unique)
    if prepared.options.launcher == SWEEP and launcher is None:
        check_sweep_folder(prepared.options.sweep_dir, folder)
    with StagedFolder(folder, unique) as staged:
        write_config(staged.path, plain, overrides)
        lines = evaluate_and_write(prepared, staged.path, run["progress"],
                                   launcher or choose_launcher(prepared.options))
    return staged.final, lines


def check_sweep_folder(sweep_dir: Path, output: Path) -> None:
    """The sweep folder is new or a sweep's, and outside the analysis's folder (which exists only if the
    analysis succeeds, while the runs outlive a failure)."""
    check_sweep_dir(sweep_dir, "sensitivity.sweep_dir")
    inner, outer = sweep_dir.absolute(), output.absolute()
    if inner == outer or outer in inner.parents:
        raise InputError(f"sensitivity.sweep_dir: {sweep_dir} is inside the analysis's folder {output}; its runs "
                         f"must outlive a failed analysis: choose a folder outside it")


def evaluate_and_write(prepared: Prepared, folder: Path, progress: str, launcher: Launcher) -> list[str]:
    """Draw the seeded design, evaluate it through the launcher, and write indices.parquet/.csv,
    design.parquet, convergence.csv (Morris), runs.csv (a sweep's run folders), the bar plots and report.md
    into `folder`; returns the sentences naming the most influential parameters."""
    study, options, evaluator, seed = prepared.study, prepared.options, prepared.evaluator, prepared.seed
    start = time.perf_counter()
    unit = design(study, options, seed)
    results = launcher(evaluator, [row.tolist() for row in unit], options.jobs, progress)
    outputs = np.array([result["outcomes"] for result in results], dtype=float)
    seconds = time.perf_counter() - start
    swept = all("runs" in result for result in results)
    cpu_seconds = None if swept else sum(result["cpu_seconds"] for result in results)
    sweep_dir = next(iter(results[0]["runs"].values())).parent.parent if swept else None  # SWEEP/runs/<hash>
    if swept:
        pd.DataFrame([(point, scenario, seed, run.name, str(run)) for point, result in enumerate(results)
                      for (scenario, seed), run in result["runs"].items()],
                     columns=["point", "scenario", "seed", "config_hash", "folder"]).to_csv(folder / "runs.csv",
                                                                                            index=False)
    if options.method == "morris":
        indices = morris_indices(study, unit, outputs, options, seed)
        convergence = morris_convergence(study, unit, outputs, options, seed)
        convergence.to_csv(folder / "convergence.csv", index=False)
    else:
        indices, convergence = sobol_indices(study, unit, outputs, options, seed), None
    indices.to_parquet(folder / "indices.parquet", index=False)
    indices.to_csv(folder / "indices.csv", index=False)
    values = pd.DataFrame([[p.value(u) for p, u in zip(study.parameters, row)] for row in unit],
                          columns=[p.name for p in study.parameters])
    points = pd.concat([values, pd.DataFrame(outputs, columns=[o.name for o in study.outcomes])], axis=1)
    points.insert(0, "point", np.arange(len(points)))
    points.to_parquet(folder / "design.parquet", index=False)
    lines = sentences(indices, study, options.method)
    plot_indices(indices, study, options.method, folder)
    runs = len(unit) * options.replicates * len(evaluator.configs)
    (folder / "report.md").write_text(report(study, options, lines, convergence, runs, seconds, cpu_seconds,
                                             sweep_dir, indices), encoding="utf-8")
    return lines

