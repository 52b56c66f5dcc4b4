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

The analysis is in five modules beside this one (the command itself): sensitivity_options (the
`sensitivity:` section), sensitivity_study (the study file), sensitivity_runs (configs, simulations,
launchers), sensitivity_indices (design, Morris and Sobol indices, directions) and sensitivity_report
(sentences, plots, report.md).

Not to be confused with calibration/sensitivity.py: a one-at-a-time check of which survey statistics
constrain which calibration parameters.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bridges.config import run_options
from bridges.model.errors import InputError
from bridges.outputs import OUTPUTS_ROOT, StagedFolder, check_output_folder, default_run_dir, write_config
from bridges.model.params import MAX_SEED
from bridges.scenarios.sensitivity_indices import design, design_size, morris_convergence, morris_indices, sobol_indices
from bridges.scenarios.sensitivity_options import MAX_POINTS, SWEEP, SensitivityOptions, sensitivity_options
from bridges.scenarios.sensitivity_report import plot_indices, report, sentences
from bridges.scenarios.sensitivity_runs import (LAUNCHERS, Evaluator, Launcher, SweepLauncher, check_study,
                                                scenario_configs, simulation_overrides)
from bridges.scenarios.sensitivity_study import Study, load_study
from bridges.sweep import check_sweep_dir


def choose_launcher(options: SensitivityOptions) -> Launcher:
    """The launcher sensitivity.launcher names (with launcher=sweep, set up by the sweep_* options)."""
    if options.launcher == SWEEP:
        return SweepLauncher(options.sweep_folder.absolute(), options.sweep_launcher, options.launcher_overrides)
    return LAUNCHERS[options.launcher]


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
        check_sweep_folder(prepared.options.sweep_folder, folder)
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
