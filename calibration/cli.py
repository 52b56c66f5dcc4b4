"""`python run.py --config-name calibrate calibration.data=PATH calibration.site=SITE`: read and check
the survey, fit the free parameters (reference-table ABC with a learned summary and a regression
adjustment, calibration/regression.py; or ABC-SMC, `calibration.method=smc`), and write the posterior, its checks and the calibrated
config into a run folder (only aggregates)."""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bridges.calibration.abc import (SAMPLERS, AbcOptions, AbcRun, latest_run, least_training, read_posterior,
                                     run_abc)
from bridges.calibration.parameters import FreeParameter, check_keys, load_priors
from bridges.calibration.report import (ROUGH_BELOW, calibrated_config, effective_sample_size, plot_posterior,
                                        plot_predictive, plot_progress, posterior_summary, predictive_table,
                                        synthetic_truth, write_posterior)
from bridges.calibration.regression import FOLDS, fingerprint, read_reference, reference_draws, write_reference
from bridges.calibration.regression import posterior as regression_posterior
from bridges.calibration.simulate import SEED_LIMIT, Simulator, simulate_at
from bridges.invocation import command
from bridges.calibration.statistics import respondent_counts, summarise, true_shares
from bridges.calibration.survey_io import load_survey
from bridges.config import (CONF_DIR, compose_config, config_groups, model_params, one_of, option_section,
                            run_options, to_plain, whole)
from bridges.model.errors import InputError
from bridges.model.survey import SURVEY_ITEMS
from bridges.outputs import OUTPUTS_ROOT, StagedFolder, check_output_folder, write_config
from bridges.workers import exit_with_parent, interrupts_for_this_process_only, mark_driver

ROOT = OUTPUTS_ROOT / "calibrate"
METHODS = ("regression", "smc")
"""regression: reference-table ABC with a learned summary and a local-linear adjustment (the default);
smc: pyabc's ABC-SMC on the learned summary."""


def calibration_sites() -> list[str]:
    """The FOCUS sites a survey can be fitted to: the city presets other than the default city."""
    return [site for site in config_groups().get("city", []) if site != "default"]


@dataclass(frozen=True)
class CalibrationSection:
    """The `calibration:` section as written (conf/calibrate.yaml, every key given there), built by the
    schema's `build`: types, ranges and choices, one line naming the first bad key."""

    data: str | None  # required: None says how to give it
    mapping: str | None
    site: str | None = field(metadata=one_of(calibration_sites))  # required: None lists the sites
    priors: str
    method: str = field(metadata=one_of(METHODS))
    population: int = field(metadata=whole(2))
    training: int = field(metadata=whole(2))
    generations: int = field(metadata=whole(1))
    max_simulations: int = field(metadata=whole(1))
    min_acceptance: float = field(metadata={"check": lambda value: None if 0 <= value < 1 else
                                            "must be a share in [0, 1)"})
    predictive: int = field(metadata=whole(2))
    min_cell: int = field(metadata=whole(1))
    sampler: str = field(metadata=one_of(SAMPLERS))
    workers: int = field(metadata=whole(1))
    dask_address: str | None
    database: str | None
    reference: str | None
    resume: bool
    analyse: bool
    install: bool

    def __post_init__(self):
        if self.site is None:
            raise InputError(f"calibration.site: must be one of {', '.join(calibration_sites())}, got None")
        if self.data is None:
            raise InputError("calibration.data: give the survey file, e.g. calibration.data=survey.csv")
        for key in ("resume", "analyse"):
            if self.method == "regression" and getattr(self, key):
                raise InputError(f"calibration.{key}: only for calibration.method=smc; the regression method reuses "
                                 "a stored table with calibration.reference=<run folder>/reference_table.parquet")


@dataclass(frozen=True)
class CalibrationOptions:
    """The validated section as the calibration uses it: the ABC settings together, the database's path."""

    data: str
    mapping: str | None
    site: str
    priors: str
    predictive: int
    min_cell: int
    database: Path
    resume: bool
    analyse: bool
    install: bool
    abc: AbcOptions
    method: str
    reference: str | None
    seed: int


def calibration_options(plain: dict) -> CalibrationOptions:
    """The validated `calibration:` section."""
    section = option_section(CalibrationSection, plain, "calibration")
    abc = AbcOptions(section.population, section.training, section.generations, section.max_simulations,
                     section.min_acceptance, section.sampler, section.workers, section.dask_address)
    database = Path(section.database) if section.database else ROOT / f"{section.site}.db"
    return CalibrationOptions(section.data, section.mapping, section.site, section.priors, section.predictive,
                              section.min_cell, database, section.resume, section.analyse, section.install, abc,
                              section.method, section.reference, int(plain["seed"]))


def observed_statistics(survey, truth: dict[str, float], min_cell: int) -> pd.Series:
    """The data's statistics, each computed from at least `min_cell` respondents (disclosure control:
    nothing in the outputs describes fewer people). A wave and community with fewer respondents, or
    whose survey weights rest on fewer (Kish's effective size), is one line; single statistics below
    the threshold (an item few answered) are left out with a warning on stderr."""
    table = survey.table
    for (step, community), part in table.groupby(["step", "community"], sort=True):
        where = f"{survey.source}, week {int(step)}, {community} respondents"
        if len(part) < min_cell:
            raise InputError(f"{where}: {len(part)}, fewer than calibration.min_cell={min_cell}; no statistic is "
                             "computed from so few people")
        effective = effective_sample_size(part.weight.to_numpy())
        if effective < min_cell:
            raise InputError(f"{where}: the survey weights make {len(part)} respondents worth {effective:.1f} "
                             f"(Kish's effective size), fewer than calibration.min_cell={min_cell}; check the "
                             "weight column")
    values, counts = summarise(table, truth), respondent_counts(table, truth)
    small = values.index[(counts < min_cell).to_numpy()]
    if len(small):
        warn(f"{len(small)} statistics left out: fewer than calibration.min_cell={min_cell} respondents answered "
             f"({', '.join(small[:4])}{', ...' if len(small) > 4 else ''})")
    values = values.drop(small).dropna()
    if values.empty:
        items = [column for column in SURVEY_ITEMS if column in table]
        raise InputError(f"{survey.source}: no summary statistic can be computed from its items ({', '.join(items)}); "
                         "calibration needs thermometer, contact_frequency, contact_quality, anxiety, trust, "
                         "belonging, distress or the perceived shares")
    return values


def check_training(abc: AbcOptions, statistics: int, continuing: bool) -> None:
    """Enough training simulations for the regression, and a budget for them plus one generation at the
    median tolerance (which accepts about half of its simulations)."""
    least = least_training(statistics)
    if abc.training < least:
        raise InputError(f"calibration.training: must be at least {least} (twice the regression's {2 * statistics} "
                         f"features: the data's {statistics} statistics and their squares), got {abc.training}")
    needed = abc.training + 2 * abc.population
    if not continuing and abc.max_simulations < needed:
        raise InputError(f"calibration.max_simulations: must be at least training + 2 x population = {needed} to "
                         f"finish one generation, got {abc.max_simulations}")


def warn(text: str) -> None:
    """A stated warning: one line on stderr, the run continues."""
    print(f"calibration: warning: {text}", file=sys.stderr)


def base_config(site: str, overrides: list[str]) -> dict:
    """The plain model config every calibration simulation (and the recovery study's data) starts from:
    the site preset and the model overrides, without the calibration and run sections. The one place
    where calibration's model settings are made. Each parameter draw is a candidate for the world that
    produced the survey, so it is its own reference world (`dynamics.reference=self`, last so it wins)."""
    plain = to_plain(compose_config([f"city={site}", *overrides, "dynamics.reference=self"], "calibrate"))
    return {key: value for key, value in plain.items() if key not in ("calibration", "run")}


def model_config(site: str, overrides: list[str], survey: pd.DataFrame) -> dict:
    """The simulated city's plain config: the site preset, the user's model overrides, and a virtual
    survey fielded at the data's weeks with as many respondents per community as the data has."""
    model_overrides = [o for o in overrides if not o.lstrip("+~").startswith(("calibration.", "run."))]
    plain = base_config(site, model_overrides)
    counts = survey.groupby(["step", "community"]).size().groupby("community").max()
    plain["survey"]["weeks"] = sorted(int(step) for step in survey.step.unique())
    plain["survey"]["respondents"] = {community: int(n) for community, n in counts.items()}
    model_params(plain)  # checked before any work
    return plain


def simulate_many(simulator: Simulator, draws: list[dict], workers: int) -> pd.DataFrame:
    """Simulate each draw on `workers` local processes: joblib's loky workers are fresh interpreters,
    never forks of this (possibly threaded) process, and Ctrl-C reaches this process only."""
    from joblib import Parallel, delayed

    mark_driver()
    with interrupts_for_this_process_only():
        return pd.DataFrame(Parallel(n_jobs=workers, initializer=exit_with_parent)(
            delayed(simulator)(values) for values in draws))


def calibrate(plain: dict, overrides: list[str]) -> tuple[Path, str]:
    """Run or re-analyse a calibration into its own folder; returns the folder and a short summary."""
    options = calibration_options(plain)
    folder_option = run_options(plain)["output_dir"]
    survey = load_survey(options.data, options.mapping, options.site)
    base = model_config(options.site, overrides, survey.table)
    truth = true_shares(base["city"])
    observed = observed_statistics(survey, truth, options.min_cell)
    parameters = load_priors(options.priors)
    check_keys(base, parameters)
    if options.method == "regression":
        check_reference_size(options.abc, len(observed))
        stamp = fingerprint(base, parameters, list(observed.index))
        existing = read_reference(options.reference, stamp, options.seed) if options.reference else None
    else:
        check_training(options.abc, len(observed), options.resume or options.analyse)
    simulator = Simulator(base, tuple(parameters), tuple(observed.index), truth)
    folder = Path(folder_option) if folder_option else ROOT / f"{time.strftime('%Y-%m-%d/%H-%M-%S')}-{options.site}"
    check_output_folder(folder)
    start = time.perf_counter()
    if options.method == "regression":
        table, new = reference_table(simulator, options, existing)
        result = regression_posterior(table, parameters, observed, options.abc.population, options.seed)
        abc_seconds = time.perf_counter() - start
        predictive = seeded_predictive(simulator, result.sample, options.predictive, options.seed, options.abc.workers)
        with StagedFolder(folder, unique=not folder_option) as staged:
            write_config(staged.path, plain, overrides)
            write_reference(table, staged.path / "reference_table.parquet", stamp, options.seed)
            text = _write(staged.path, options, parameters, result.sample, observed.to_dict(), predictive, base,
                          _regression_lines(options, result, new, abc_seconds))
        folder = staged.final
    else:
        folder, text = _calibrate_smc(plain, overrides, options, simulator, observed.to_dict(), parameters, base, folder,
                                      folder_option)
    if options.install:
        target = CONF_DIR / "calibrated" / f"{options.site}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text((folder / "calibrated.yaml").read_text())
    return folder, text


def check_reference_size(abc: AbcOptions, statistics: int) -> None:
    """A reference table large enough for the learned summary's regression (twice its features in each
    cross-fitting fit) and for `population` particles with a row beyond them (the kernel's bandwidth)."""
    least = max(least_training(statistics) * FOLDS // (FOLDS - 1) + 1, abc.population + 1)
    if abc.max_simulations < least:
        raise InputError(f"calibration.max_simulations: must be at least {least} for the regression method (twice the "
                         f"summary's {2 * statistics} features per cross-fitting fold, and more than "
                         f"calibration.population={abc.population}), got {abc.max_simulations}")


def reference_table(simulator: Simulator, options: CalibrationOptions, existing: pd.DataFrame | None
                    ) -> tuple[pd.DataFrame, int]:
    """The reference table of `max_simulations` prior draws (seeded by the run's `seed`), reusing the rows
    of a stored table made with the same fingerprint and seed and simulating only the missing ones: the
    hard budget is exact. Returns the table and how many simulations this command ran."""
    budget = options.abc.max_simulations
    draws, seeds = reference_draws(list(simulator.parameters), budget, options.seed)
    names = [p.name for p in simulator.parameters]
    reused = existing.iloc[:budget].reset_index(drop=True) if existing is not None else pd.DataFrame()
    if len(reused) and not np.allclose(reused[names].to_numpy(), pd.DataFrame(draws[:len(reused)])[names].to_numpy()):
        raise InputError(f"calibration.reference: {options.reference} holds other parameter draws than seed="
                         f"{options.seed} makes; it cannot be reused")
    todo = range(len(reused), budget)
    simulated = simulate_seeded(simulator, [draws[i] for i in todo], [int(seeds[i]) for i in todo],
                                1 if options.abc.sampler == "single" else options.abc.workers)
    columns = names + list(simulator.names)
    fresh = pd.concat([pd.DataFrame([draws[i] for i in todo], columns=names), simulated], axis=1)[columns]
    parts = [part for part in (reused, fresh) if len(part)]
    table = pd.concat([part[columns] for part in parts], ignore_index=True) if len(parts) > 1 else parts[0][columns]
    return table, len(todo)


def simulate_seeded(simulator: Simulator, draws: list[dict], seeds: list[int], workers: int) -> pd.DataFrame:
    """Each draw simulated with its own model seed, on `workers` loky processes (fresh interpreters)."""
    from joblib import Parallel, delayed

    if not draws:
        return pd.DataFrame(columns=list(simulator.names))
    mark_driver()
    with interrupts_for_this_process_only():
        rows = Parallel(n_jobs=workers, initializer=exit_with_parent)(
            delayed(simulate_at)(simulator, d, s) for d, s in zip(draws, seeds))
    return pd.DataFrame(rows, columns=list(simulator.names))


def seeded_predictive(simulator: Simulator, sample: pd.DataFrame, count: int, seed: int, workers: int) -> pd.DataFrame:
    """Posterior predictive statistics: `count` draws from the posterior by weight, each simulated with a
    seed of its own, all from the run's `seed` (the same run gives the same check)."""
    rng = np.random.default_rng([seed, 2])
    rows = rng.choice(len(sample), size=count, p=sample.weight.to_numpy())
    names = [p.name for p in simulator.parameters]
    draws = [sample.iloc[row][names].to_dict() for row in rows]
    return simulate_seeded(simulator, draws, [int(s) for s in rng.integers(0, SEED_LIMIT, size=count)], workers)


def _regression_lines(options: CalibrationOptions, result, new: int, seconds: float) -> list[str]:
    """report.md's account of the regression method: the table, the particles, and what informs what."""
    abc = options.abc
    lines = [f"Method: reference-table ABC with a learned summary (ridge regression, its penalty by generalised "
             f"cross-validation) and a heteroscedastic local-linear regression adjustment "
             f"(docs/calibration.md, \"Method\"). Reference table: {result.simulations} prior simulations (seed="
             f"{options.seed}; {new} simulated by this command against its budget of {abc.max_simulations}"
             + (f", {result.simulations - new} reused from `{options.reference}`" if options.reference else "")
             + f"; {seconds:.0f} s), the "
             f"{abc.population} nearest the data in the learned summary kept and adjusted "
             f"(`reference_table.parquet` holds it, reusable with `calibration.reference`).", "",
             "## Which statistics inform which parameter", "",
             "R²: the share of the parameter's prior variance the learned summary explains across the table "
             "(cross-validated; near 0 = the statistics say little about it, and its posterior stays near the "
             "prior). Statistics: the three most correlated with the parameter in the table.", "",
             "| parameter | R² | most correlated statistics (r) |", "|---|---|---|"]
    lines += [f"| {name} | {result.r2[name]:.2f} | "
              + ", ".join(f"{statistic} ({r:+.2f})" for statistic, r in result.informative[name]) + " |"
              for name in result.r2]
    return lines


def _calibrate_smc(plain: dict, overrides: list[str], options: CalibrationOptions, simulator: Simulator,
                   observed: dict[str, float], parameters: list[FreeParameter], base: dict, folder: Path, folder_option) -> tuple[Path, str]:
    """ABC-SMC (`calibration.method=smc`): run, resume or re-analyse a run in the pyabc database."""
    start = time.perf_counter()
    if options.analyse:
        run = AbcRun(latest_run(options.database), 0, False)
    else:
        if options.resume:
            latest_run(options.database)
        run = run_abc(simulator, observed, options.abc, options.database, options.resume, progress=run_options(plain)["progress"])
    abc_seconds = time.perf_counter() - start
    posterior = read_posterior(options.database, run.run_id, parameters)
    predictive = _predictive(simulator, posterior.sample, options, run.run_id)
    with StagedFolder(folder, unique=not folder_option) as staged:
        write_config(staged.path, plain, overrides)
        plot_progress(posterior.progress, staged.path / "progress.png")
        posterior.progress.to_csv(staged.path / "progress.csv", index=False)
        text = _write(staged.path, options, parameters, posterior.sample, posterior.observed, predictive, base,
                      _smc_lines(options, posterior, run, abc_seconds))
    return staged.final, text
def _predictive(simulator: Simulator, sample: pd.DataFrame, options: CalibrationOptions, run_id: int) -> pd.DataFrame:
    """Posterior predictive statistics: `predictive` draws from the posterior, each simulated with a fresh
    seed; kept beside the database so a re-analysis reuses them instead of simulating again."""
    store = options.database.with_name(f"{options.database.stem}-run{run_id}-predictive.parquet")
    if store.is_file() and options.analyse:
        return pd.read_parquet(store)
    rng = np.random.default_rng()
    rows = rng.choice(len(sample), size=options.predictive, p=sample.weight.to_numpy())
    names = [p.name for p in simulator.parameters]
    draws = [sample.iloc[row][names].to_dict() for row in rows]
    simulated = simulate_many(simulator, draws, options.abc.workers)
    simulated.to_parquet(store)
    return simulated


def _smc_lines(options: CalibrationOptions, posterior, run: AbcRun, seconds: float) -> list[str]:
    """report.md's account of an ABC-SMC run: its database, simulations and generations."""
    lines = [f"Method: ABC-SMC (`calibration.method=smc`). Database `{options.database}`, run {run.run_id}: "
             f"{len(posterior.progress)} generations, {posterior.simulations} simulations stored in the run "
             + ("(re-analysed: none new)." if options.analyse else
                f"({run.simulations} started by this command against its budget of {options.abc.max_simulations}"
                f"{', which stopped it inside a generation' if run.stopped_by_budget else ''}; {seconds:.0f} s).")]
    lines += ["", "## Progress", "", "| generation | tolerance | simulations | acceptance rate |", "|---|---|---|---|"]
    lines += [f"| {r.generation} | {r.tolerance:.4g} | {r.simulations} | {r.acceptance_rate:.3f} |"
              for r in posterior.progress.itertuples()]
    return lines


def _write(folder: Path, options: CalibrationOptions, parameters: list[FreeParameter], sample: pd.DataFrame,
           observed: dict[str, float], predictive: pd.DataFrame, base: dict, method_lines: list[str]) -> str:
    """The run folder's files and report.md (`method_lines`: the method's own account)."""
    write_posterior(sample, parameters, folder / "posterior.parquet")
    summary = posterior_summary(sample, parameters)
    summary.to_csv(folder / "posterior_summary.csv", index=False)
    plot_posterior(sample, parameters, folder, synthetic_truth(options.data, options.site))
    table = predictive_table(observed, predictive)
    table.to_csv(folder / "predictive_check.csv", index=False)
    plot_predictive(observed, predictive, folder / "predictive_check.png")
    (folder / "calibrated.yaml").write_text(calibrated_config(base, summary, parameters, options.site,
                                                              Path(options.data).name, options.install))
    outside = table[(table.data_percentile < 5) | (table.data_percentile > 95)]
    ess = effective_sample_size(sample.weight.to_numpy())
    lines = [f"# Calibration: {options.site}", "",
             f"Data: `{Path(options.data).name}` (only its summary statistics are stored here). "
             f"{len(predictive)} posterior predictive simulations.", "", *method_lines, "",
             "## Posterior (weighted; 90% credible interval)", "",
             f"{len(sample)} particles worth {ess:.0f} equally weighted draws (effective sample size)"
             + (f": below {ROUGH_BELOW} the interval ends are rough Monte Carlo estimates and the intervals "
                "tend to be too narrow; raise `calibration.population`." if ess < ROUGH_BELOW else "."), "",
             "| parameter | key | prior | median | 90% interval | width / prior's |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.parameter} | `{r.key}` | {r.prior} | {r.median:.4g} | {r.ci_low:.4g} to {r.ci_high:.4g} | "
              f"{r.width_ratio:.2f} |" for r in summary.itertuples()]
    lines += ["", "Width / prior's: the 90% interval's width over the prior's own 90% interval (1 = the data "
              "taught nothing about the parameter)."]
    lines += ["", "## Posterior predictive check", "",
              f"{len(outside)} of {len(table)} statistics have the data outside the central 90% of the "
              "posterior's simulations (percentile below 5 or above 95).", "",
              "| statistic | data | predictive mean | 90% predictive interval | data percentile |", "|---|---|---|---|---|"]
    lines += [f"| {r.statistic} | {r.data:.3g} | {r.predictive_mean:.3g} | {r.predictive_low:.3g} to "
              f"{r.predictive_high:.3g} | {r.data_percentile:.0f} |" for r in table.itertuples()]
    load = (f"load with `{command()} city={options.site} +calibrated={options.site}`, installed as "
            f"conf/calibrated/{options.site}.yaml" if options.install else
            f"load this run's set by its path: `{command()} city={options.site} +calibrated=<this folder>/"
            f"calibrated.yaml`; calibration.install=false left conf/calibrated/{options.site}.yaml as it was, so "
            f"`+calibrated={options.site}` is not this run's set")
    extra = ("`progress.csv`/`.png`, " if options.method == "smc" else "`reference_table.parquet` (the prior "
             "simulations' parameters and statistics), ")
    lines += ["", "Files: `posterior.parquet` (one column per free parameter plus `weight`), `posterior_summary.csv`, "
              "`marginals.png` (with the prior, and the truth for the synthetic example data), `pairs.png`, "
              f"`predictive_check.csv`/`.png`, {extra}`calibrated.yaml` ({load}).", ""]
    text = "\n".join(lines)
    (folder / "report.md").write_text(text)
    return text
