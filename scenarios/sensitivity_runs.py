"""The simulations of a sensitivity analysis: each design point's configs (parameters applied to every
scenario an outcome needs), their runs on common seeds, and the launchers that run the points (local
processes, in this process, or as runs of a resumable sweep)."""

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from bridges.model import run
from bridges.config import PROGRESS_DISABLE, compose_config, matching_paths, model_params, to_plain
from bridges.model.errors import InputError
from bridges.scenarios.sensitivity_study import Outcome, Parameter, Study
from bridges.sweep import run_points

BASELINE = "baseline"


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
    recorded = set(weekly_series(run(model_params(probe)).timeseries))
    for outcome in study.outcomes:
        if (outcome.group, outcome.metric) not in recorded:
            known = ", ".join(sorted({m for g, m in recorded if g == outcome.group}))
            raise InputError(f"study {study.name}, outcome {outcome.name}: metric {outcome.metric!r} is not recorded "
                             f"for group {outcome.group} (recorded: {known})")


def simulate(plain: dict) -> dict[tuple[str, str], np.ndarray]:
    """One run's weekly metrics: (group, metric) -> values in week order."""
    return weekly_series(run(model_params(plain)).timeseries)


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
