"""Recovery study and simulation-based calibration (SBC): repeatedly draw known parameters from the prior,
make a synthetic survey from them with the model (sampling noise, response noise, nonresponse, weights),
write it to a file in a user's own column names and codes with a mapping file, read it back as a researcher
would, calibrate on it (the regression method by default, or ABC-SMC), and record for each parameter whether
the 90% and 50% credible intervals contain the truth (coverage), the 90% interval's width against the
prior's, and the truth's rank in the posterior. If the posterior is calibrated, the ranks are uniform (Talts
et al. 2018): a chi-square test on a rank histogram of 10 bins and a Kolmogorov-Smirnov test per parameter.
`make coverage` runs the study; tests run a tiny one.

    python -m bridges.calibration.coverage --site germany --datasets 50 --out outputs/coverage
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from bridges.calibration.abc import SAMPLERS, AbcOptions, fitted_summary, least_training, read_posterior, run_abc
from bridges.calibration.cli import (base_config, check_training, observed_statistics, simulate_many,
                                    simulate_seeded)
from bridges.calibration.make_example_data import RESPONDENTS, synthetic_survey
from bridges.calibration.parameters import apply_parameters, load_priors, prior_draws
from bridges.calibration.regression import fingerprint, posterior, read_reference, reference_draws
from bridges.calibration.report import INNER, INTERVAL, effective_sample_size, prior_width, weighted_quantile
from bridges.calibration.simulate import Simulator
from bridges.calibration.statistics import summarise, true_shares
from bridges.calibration.survey_io import load_survey
from bridges.model.errors import InputError

RANK_BINS = 10
"""Bins of the rank histogram: with 50 datasets, 5 expected per bin, the chi-square test's usual minimum."""
MISSING_CODE = -9
"""The code for a blank answer in the study's files, declared in their mapping."""
MAPPING = f"""# How the study's survey files (own column names, numeric community codes, {MISSING_CODE} = no answer)
# map onto the schema: read back like a researcher's file.
columns: {{site: SITE, step: WAVE, community: GROUP, contact_frequency: Q1, contact_quality: Q2,
          thermometer: Q3, anxiety: Q4, trust: Q5, belonging: Q6, distress: Q7, perceived_education: Q8,
          perceived_employment: Q9, perceived_welfare: Q10, experienced_discrimination: Q11,
          perceived_variability: Q12, weight: WGT}}
codes:
  community: {{1: receiving, 2: arriving}}
missing: [{MISSING_CODE}]
"""


def study_config(site: str, n_agents: int, steps: int) -> dict:
    """The city that makes the synthetic data and is simulated in calibration (the same, so the study
    measures the inference, not a mismatch of city sizes)."""
    plain = base_config(site, [f"city.n_agents={n_agents}", f"steps={steps}"])
    plain["survey"]["weeks"] = [steps]
    plain["survey"]["respondents"] = dict(RESPONDENTS)
    return plain


def write_as_user_file(survey: pd.DataFrame, path: Path) -> Path:
    """The survey in the study's own column names and codes (MAPPING), and the mapping file beside it."""
    import yaml

    columns = yaml.safe_load(MAPPING)["columns"]
    out = survey.copy()
    out["community"] = out.community.map({"receiving": 1, "arriving": 2})
    out = out.rename(columns=columns)
    items = [c for c in out.columns if c.startswith("Q")]
    out[items] = out[items].astype("Float64").fillna(MISSING_CODE).astype("int64")
    out.to_csv(path, index=False)
    mapping = path.with_suffix(".yaml")
    mapping.write_text(MAPPING)
    return mapping


def training_table(base: dict, parameters: list, count: int, workers: int, seed: int) -> pd.DataFrame:
    """`count` prior draws and the statistics they make at the study's city: the regression's training
    sample, shared by the datasets (it depends on the prior, not on the data)."""
    shares = true_shares(base["city"])
    pilot = summarise(synthetic_survey({**base, "seed": seed}, np.random.default_rng(seed)), shares).dropna()
    simulator = Simulator(base, tuple(parameters), tuple(pilot.index), shares)
    draws = prior_draws(parameters, count, np.random.default_rng(seed + 1))
    return pd.concat([pd.DataFrame(draws), simulate_many(simulator, draws, workers)], axis=1)


def study_reference(base: dict, parameters: list, options: AbcOptions, seed: int, path: Path | None) -> pd.DataFrame:
    """The regression method's reference table shared by the datasets (prior draws do not depend on the
    data): `max_simulations` rows read from `path` (a reference_table.parquet made for this city by the
    command line, any seed) or simulated here with `seed`."""
    shares = true_shares(base["city"])
    if path is not None:
        table = pd.read_parquet(path)
        names = [c for c in table.columns if c not in {p.name for p in parameters}]
        read_reference(str(path), fingerprint(base, parameters, names), None)
        return table.iloc[:options.max_simulations].reset_index(drop=True)
    pilot = summarise(synthetic_survey({**base, "seed": seed}, np.random.default_rng(seed)), shares).dropna()
    simulator = Simulator(base, tuple(parameters), tuple(pilot.index), shares)
    draws, seeds = reference_draws(parameters, options.max_simulations, seed)
    simulated = simulate_seeded(simulator, draws, [int(s) for s in seeds], options.workers)
    return pd.concat([pd.DataFrame(draws), simulated], axis=1)


def run_study(site: str, datasets: int, options: AbcOptions, out: Path, n_agents: int, steps: int, seed: int,
              min_cell: int = 10, shared_training: int = 0, method: str = "smc",
              reference: Path | None = None) -> tuple[pd.DataFrame, str]:
    """Every dataset's truth, 90% interval, coverage, width against the prior and rank; and the summary
    text. method "smc": ABC-SMC per dataset; with `shared_training`, its regression is fitted once per
    dataset to that many prior simulations made before the first dataset, and each run's own `training`
    simulations only set the distance's first scales. method "regression": one reference table of
    `max_simulations` rows (`reference`, or simulated here) shared by the datasets, `population` particles."""
    parameters = load_priors("default")
    names = [p.name for p in parameters]
    base = study_config(site, n_agents, steps)
    out.mkdir(parents=True, exist_ok=True)
    truth_shares = true_shares(base["city"])
    training = training_table(base, parameters, shared_training, options.workers, seed) if shared_training else None
    shared = study_reference(base, parameters, options, seed, reference) if method == "regression" else None
    if shared is not None:
        shared_training = len(shared)
    rng = np.random.default_rng(seed)
    truths = prior_draws(parameters, datasets, rng)
    database = out / "coverage.db"
    rows, start = [], time.perf_counter()
    for index, truth in enumerate(truths):
        plain = apply_parameters(base, truth, parameters)
        plain["seed"] = seed * 1000 + index
        data = out / "data" / f"survey_{index:03d}.csv"
        data.parent.mkdir(exist_ok=True)
        mapping = write_as_user_file(synthetic_survey(plain, rng), data)
        survey = load_survey(str(data), str(mapping), site)
        observed = observed_statistics(survey, truth_shares, min_cell)
        predictor = None
        if shared is not None:
            observed = observed[observed.index.isin(shared.columns)]
            result = posterior(shared[names + list(observed.index)], parameters, observed, options.population,
                               seed * 1000 + index)
            sample, simulations, generations = result.sample, 0, 0
        elif training is not None:
            observed = observed[observed.index.isin(training.columns)]
            if shared_training < least_training(len(observed)):
                raise InputError(f"--shared-training: must be at least {least_training(len(observed))}")
            predictor = fitted_summary(training[observed.index], training[names])
        else:
            check_training(options, len(observed), continuing=False)
        if shared is None:
            # the simulated survey samples as many respondents as the data have (everyone if fewer)
            counts = survey.table.groupby("community").size()
            sim_base = {**base, "survey": {**base["survey"], "respondents": {c: int(n) for c, n in counts.items()}}}
            simulator = Simulator(sim_base, tuple(parameters), tuple(observed.index), truth_shares)
            run = run_abc(simulator, observed.to_dict(), options, database, resume=False, predictor=predictor)
            smc = read_posterior(database, run.run_id, parameters)
            sample, simulations, generations = smc.sample, run.simulations, len(smc.progress)
        w = sample.weight.to_numpy()
        ess = effective_sample_size(w)
        for p in parameters:
            x = sample[p.name].to_numpy()
            low, high = weighted_quantile(x, w, (1 - INTERVAL) / 2), weighted_quantile(x, w, (1 + INTERVAL) / 2)
            low50, high50 = weighted_quantile(x, w, (1 - INNER) / 2), weighted_quantile(x, w, (1 + INNER) / 2)
            rows.append({"dataset": index, "parameter": p.name, "truth": truth[p.name], "ci_low": low,
                         "ci_high": high, "covered": bool(low <= truth[p.name] <= high),
                         "covered_50": bool(low50 <= truth[p.name] <= high50),
                         "width_ratio": (high - low) / prior_width(p), "median": weighted_quantile(x, w, 0.5),
                         "rank": float(np.sum(w[x < truth[p.name]])), "simulations": simulations,
                         "particles": len(w), "ess": ess, "generations": generations,
                         "shared_training": shared_training, "method": method})
        # written after every dataset, so an interrupted study keeps what it has done
        table = pd.DataFrame(rows)
        table.to_csv(out / "coverage.csv", index=False)
        text = summary_text(table, site, index + 1, time.perf_counter() - start)
        (out / "coverage.md").write_text(text)
    return table, text


def rank_tests(ranks: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The rank histogram (RANK_BINS equal bins of the posterior CDF at the truth), the chi-square test's
    p-value of its uniformity and the Kolmogorov-Smirnov test's p-value."""
    counts = np.histogram(np.clip(ranks, 0, 1 - 1e-12), bins=RANK_BINS, range=(0, 1))[0]
    return counts, float(stats.chisquare(counts).pvalue), float(stats.kstest(ranks, "uniform").pvalue)


def summary_text(table: pd.DataFrame, site: str, datasets: int, seconds: float) -> str:
    """Coverage per parameter with a 95% Clopper-Pearson interval for the coverage rate itself, the
    interval width against the prior's, and the rank histogram with its uniformity tests."""
    per_dataset = table.drop_duplicates("dataset")
    simulations = int(per_dataset.simulations.sum() + per_dataset.shared_training.iloc[0])
    regression = per_dataset.method.iloc[0] == "regression"
    shared = "the shared reference table" if regression else "the shared training sample"
    lines = [f"# Coverage and simulation-based calibration of {INTERVAL:.0%} credible intervals: {site}", "",
             f"{datasets} synthetic datasets (truths drawn from the prior, each written to a file and read back "
             f"through a mapping), {simulations} simulations in all ({int(per_dataset.shared_training.iloc[0])} of them "
             f"{shared}; one more per dataset makes its survey), {seconds:.0f} s; "
             + ("method: regression (reference table, ridge learned summary, heteroscedastic local-linear adjustment). " if regression else
                f"method: ABC-SMC, generations per dataset: median {per_dataset.generations.median():.0f}. ")
             + "Effective sample size of "
             f"each posterior ({int(per_dataset.particles.iloc[0])} particles): median "
             f"{per_dataset.ess.median():.0f}, least {per_dataset.ess.min():.0f}.", "",
             "| parameter | covered | coverage | 95% interval of coverage | "
             f"{INNER:.0%} interval's coverage | median width / prior's | "
             f"rank histogram ({RANK_BINS} bins) | chi-square p | KS p |", "|---|---|---|---|---|---|---|---|---|"]
    for name, part in table.groupby("parameter", sort=False):
        k, n = int(part.covered.sum()), len(part)
        low = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
        high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        counts, chi_p, ks_p = rank_tests(part["rank"].to_numpy())
        lines.append(f"| {name} | {k} / {n} | {k / n:.0%} | {low:.0%} to {high:.0%} | {part.covered_50.mean():.0%} | "
                     f"{part.width_ratio.median():.2f} | "
                     f"{' '.join(map(str, counts))} | {chi_p:.2f} | {ks_p:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default="germany")
    parser.add_argument("--datasets", type=int, default=50)
    parser.add_argument("--population", type=int, default=360)
    parser.add_argument("--training", type=int, default=300)
    parser.add_argument("--shared-training", type=int, default=0,
                        help="fit the regression once to this many prior simulations shared by the datasets "
                             "(0: each run fits its own to --training simulations)")
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--method", default="regression", choices=("regression", "smc"))
    parser.add_argument("--reference", type=Path, default=None,
                        help="regression: a reference_table.parquet made for the study's city (else one is simulated)")
    parser.add_argument("--max-simulations", type=int, default=800)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sampler", default="dask", choices=SAMPLERS,
                        help="dask (default: a local cluster of spawned processes), multicore (forks), single")
    parser.add_argument("--n-agents", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=Path("outputs/coverage"))
    args = parser.parse_args(argv)
    options = AbcOptions(args.population, args.training, args.generations, args.max_simulations, 0.05,
                         args.sampler, args.workers, None)
    try:
        if args.reference is not None and not args.reference.is_file():
            raise InputError(f"--reference: {args.reference} does not exist")
        _, text = run_study(args.site, args.datasets, options, args.out, args.n_agents, args.steps, args.seed,
                            shared_training=args.shared_training, method=args.method, reference=args.reference)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(text)


if __name__ == "__main__":
    main()
