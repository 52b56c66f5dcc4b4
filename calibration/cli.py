"""`python run.py --config-name calibrate calibration.data=PATH calibration.site=SITE`: read and check
the survey, fit the free parameters by ABC-SMC, and write the posterior, its checks and the calibrated
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
from bridges.calibration.simulate import Simulator
from bridges.invocation import command
from bridges.calibration.statistics import respondent_counts, summarise, true_shares
from bridges.calibration.survey_io import load_survey
from bridges.config import (CONF_DIR, compose_config, config_groups, model_params, one_of, option_section,
                            run_options, to_plain, whole)
from bridges.model.errors import InputError
from bridges.model.survey import SURVEY_ITEMS
from bridges.outputs import OUTPUTS_ROOT, StagedFolder, check_output_folder, write_config

ROOT = OUTPUTS_ROOT / "calibrate"


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
    resume: bool
    analyse: bool
    install: bool

    def __post_init__(self):
        if self.site is None:
            raise InputError(f"calibration.site: must be one of {', '.join(calibration_sites())}, got None")
        if self.data is None:
            raise InputError("calibration.data: give the survey file, e.g. calibration.data=survey.csv")


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


def calibration_options(plain: dict) -> CalibrationOptions:
    """The validated `calibration:` section."""
    section = option_section(CalibrationSection, plain, "calibration")
    abc = AbcOptions(section.population, section.training, section.generations, section.max_simulations,
                     section.min_acceptance, section.sampler, section.workers, section.dask_address)
    database = Path(section.database) if section.database else ROOT / f"{section.site}.db"
    return CalibrationOptions(section.data, section.mapping, section.site, section.priors, section.predictive,
                              section.min_cell, database, section.resume, section.analyse, section.install, abc)


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
    never forks of this (possibly threaded) process."""
    from joblib import Parallel, delayed

    return pd.DataFrame(Parallel(n_jobs=workers)(delayed(simulator)(values) for values in draws))


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
    check_training(options.abc, len(observed), options.resume or options.analyse)
    simulator = Simulator(base, tuple(parameters), tuple(observed.index), truth)
    stamp = time.strftime("%Y-%m-%d/%H-%M-%S")
    folder = Path(folder_option) if folder_option else ROOT / f"{stamp}-{options.site}"
    check_output_folder(folder)
    start = time.perf_counter()
    if options.analyse:
        run = AbcRun(latest_run(options.database), 0, False)
    else:
        if options.resume:
            latest_run(options.database)
        run = run_abc(simulator, observed.to_dict(), options.abc, options.database, options.resume,
                      progress=run_options(plain)["progress"])
    abc_seconds = time.perf_counter() - start
    run_id = run.run_id
    posterior = read_posterior(options.database, run_id, parameters)
    predictive = _predictive(simulator, posterior.sample, options, run_id)
    with StagedFolder(folder, unique=not folder_option) as staged:
        write_config(staged.path, plain, overrides)
        text = _write(staged.path, options, parameters, posterior, predictive, base, run, abc_seconds)
    folder = staged.final
    if options.install:
        target = CONF_DIR / "calibrated" / f"{options.site}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text((folder / "calibrated.yaml").read_text())
    return folder, text


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


def _write(folder: Path, options: CalibrationOptions, parameters: list[FreeParameter], posterior, predictive,
           base: dict, run: AbcRun, abc_seconds: float) -> str:
    write_posterior(posterior.sample, parameters, folder / "posterior.parquet")
    summary = posterior_summary(posterior.sample, parameters)
    summary.to_csv(folder / "posterior_summary.csv", index=False)
    plot_posterior(posterior.sample, parameters, folder, synthetic_truth(options.data, options.site))
    plot_progress(posterior.progress, folder / "progress.png")
    table = predictive_table(posterior.observed, predictive)
    table.to_csv(folder / "predictive_check.csv", index=False)
    plot_predictive(posterior.observed, predictive, folder / "predictive_check.png")
    posterior.progress.to_csv(folder / "progress.csv", index=False)
    (folder / "calibrated.yaml").write_text(calibrated_config(base, summary, parameters, options.site,
                                                              Path(options.data).name, options.install))
    outside = table[(table.data_percentile < 5) | (table.data_percentile > 95)]
    ess = effective_sample_size(posterior.sample.weight.to_numpy())
    lines = [f"# Calibration: {options.site}", "",
             f"Data: `{Path(options.data).name}` (only its summary statistics are stored here). Database "
             f"`{options.database}`, run {run.run_id}. ABC-SMC: {len(posterior.progress)} generations, "
             f"{posterior.simulations} simulations stored in the run "
             + ("(re-analysed: none new)" if options.analyse else
                f"({run.simulations} started by this command against its budget of {options.abc.max_simulations}"
                f"{', which stopped it inside a generation' if run.stopped_by_budget else ''}; {abc_seconds:.0f} s)")
             + f", {len(predictive)} posterior predictive simulations.", "",
             "## Posterior (weighted; 90% credible interval)", "",
             f"{len(posterior.sample)} particles worth {ess:.0f} equally weighted draws (effective sample size)"
             + (f": below {ROUGH_BELOW} the interval ends are rough Monte Carlo estimates and the intervals "
                "tend to be too narrow; raise `calibration.population`." if ess < ROUGH_BELOW else "."), "",
             "| parameter | key | prior | median | 90% interval | width / prior's |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.parameter} | `{r.key}` | {r.prior} | {r.median:.4g} | {r.ci_low:.4g} to {r.ci_high:.4g} | "
              f"{r.width_ratio:.2f} |" for r in summary.itertuples()]
    lines += ["", "Width / prior's: the 90% interval's width over the prior's own 90% interval (1 = the data "
              "taught nothing about the parameter)."]
    lines += ["", "## Progress", "", "| generation | tolerance | simulations | acceptance rate |", "|---|---|---|---|"]
    lines += [f"| {r.generation} | {r.tolerance:.4g} | {r.simulations} | {r.acceptance_rate:.3f} |"
              for r in posterior.progress.itertuples()]
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
    lines += ["", "Files: `posterior.parquet` (one column per free parameter plus `weight`), `posterior_summary.csv`, "
              "`marginals.png` (with the prior, and the truth for the synthetic example data), `pairs.png`, "
              f"`predictive_check.csv`/`.png`, `progress.csv`/`.png`, `calibrated.yaml` ({load}).", ""]
    text = "\n".join(lines)
    (folder / "report.md").write_text(text)
    return text
