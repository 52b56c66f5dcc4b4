"""Recovery study: repeatedly draw known parameters from the prior, make a synthetic survey from them
with the model (sampling noise, response noise, nonresponse, weights), calibrate on it by ABC-SMC, and
count how often each parameter's 90% credible interval contains the truth (about 90% if the posterior
is calibrated). `make coverage` runs the full study; tests run a tiny one.

    python -m bridges.calibration.coverage --site germany --datasets 10 --out outputs/coverage
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from bridges.calibration.abc import SAMPLERS, AbcOptions, read_posterior, run_abc
from bridges.calibration.make_example_data import RESPONDENTS, synthetic_survey
from bridges.calibration.parameters import apply_parameters, load_priors, prior_draws
from bridges.calibration.report import INTERVAL, effective_sample_size, weighted_quantile
from bridges.calibration.simulate import Simulator
from bridges.calibration.statistics import summarise, true_shares
from bridges.model.config import compose_config, to_plain


def study_config(site: str, n_agents: int, steps: int) -> dict:
    """The city that makes the synthetic data and is simulated in calibration (the same, so coverage
    measures the inference, not a mismatch of city sizes)."""
    plain = to_plain(compose_config([f"city={site}", f"city.n_agents={n_agents}", f"steps={steps}"]))
    plain["survey"]["weeks"] = [steps]
    plain["survey"]["respondents"] = dict(RESPONDENTS)
    return plain


def run_study(site: str, datasets: int, options: AbcOptions, out: Path, n_agents: int, steps: int,
              seed: int) -> tuple[pd.DataFrame, str]:
    """Every dataset's truth, 90% interval and whether it covers; and the summary text."""
    out.mkdir(parents=True, exist_ok=True)
    parameters = load_priors("default")
    base = study_config(site, n_agents, steps)
    truth_shares = true_shares(base["city"])
    rng = np.random.default_rng(seed)
    truths = prior_draws(parameters, datasets, rng)
    database = out / "coverage.db"
    rows, start = [], time.perf_counter()
    for index, truth in enumerate(truths):
        plain = apply_parameters(base, truth, parameters)
        plain["seed"] = seed * 1000 + index
        survey = synthetic_survey(plain, rng)
        observed = summarise(survey, truth_shares).dropna()
        # the simulated survey samples as many respondents as the data have (everyone if fewer)
        counts = survey.groupby("community").size()
        sim_base = {**base, "survey": {**base["survey"], "respondents": {c: int(n) for c, n in counts.items()}}}
        simulator = Simulator(sim_base, tuple(parameters), tuple(observed.index), truth_shares)
        run_id = run_abc(simulator, observed.to_dict(), options, database, resume=False).run_id
        posterior = read_posterior(database, run_id, parameters)
        w = posterior.sample.weight.to_numpy()
        ess = effective_sample_size(w)
        for p in parameters:
            x = posterior.sample[p.name].to_numpy()
            low, high = weighted_quantile(x, w, (1 - INTERVAL) / 2), weighted_quantile(x, w, (1 + INTERVAL) / 2)
            rows.append({"dataset": index, "parameter": p.name, "truth": truth[p.name], "ci_low": low,
                         "ci_high": high, "covered": bool(low <= truth[p.name] <= high),
                         "simulations": posterior.simulations, "particles": len(w), "ess": ess})
        # written after every dataset, so an interrupted study keeps what it has done
        table = pd.DataFrame(rows)
        table.to_csv(out / "coverage.csv", index=False)
        text = summary_text(table, site, index + 1, time.perf_counter() - start)
        (out / "coverage.md").write_text(text)
    return table, text


def summary_text(table: pd.DataFrame, site: str, datasets: int, seconds: float) -> str:
    """Coverage per parameter with a 95% Clopper-Pearson interval for the coverage rate itself."""
    per_dataset = table.drop_duplicates("dataset")
    simulations = int(per_dataset.simulations.sum())
    lines = [f"# Coverage of {INTERVAL:.0%} credible intervals: {site}", "",
             f"{datasets} synthetic datasets (truths drawn from the prior), {simulations} ABC simulations in all, "
             f"{seconds:.0f} s. Effective sample size of each posterior (last generation, {int(per_dataset.particles.iloc[0])} "
             f"particles): median {per_dataset.ess.median():.0f}, least {per_dataset.ess.min():.0f}.", "",
             "| parameter | covered | coverage | 95% interval of coverage |", "|---|---|---|---|"]
    for name, part in table.groupby("parameter", sort=False):
        k, n = int(part.covered.sum()), len(part)
        low = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
        high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        lines.append(f"| {name} | {k} / {n} | {k / n:.0%} | {low:.0%} to {high:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default="germany")
    parser.add_argument("--datasets", type=int, default=10)
    parser.add_argument("--population", type=int, default=300)
    parser.add_argument("--training", type=int, default=300)
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--max-simulations", type=int, default=2400)
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
    _, text = run_study(args.site, args.datasets, options, args.out, args.n_agents, args.steps, args.seed)
    print(text)


if __name__ == "__main__":
    main()
