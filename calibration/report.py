"""What a calibration writes: the posterior sample, its plots, the posterior predictive check and the
calibrated parameter set as a loadable config. Only aggregates: no survey row is written."""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import yaml  # noqa: E402

from bridges.calibration.parameters import FreeParameter, _get, apply_parameters  # noqa: E402
from bridges.config import matching_paths  # noqa: E402
from bridges.invocation import command  # noqa: E402
from bridges.model.input_files import read_yaml  # noqa: E402

METADATA_KEY = b"bridges_parameters"
"""posterior.parquet's schema metadata: each parameter's config key and whether it scales (JSON)."""
INTERVAL = 0.9
INNER = 0.5
"""A second, central credible interval whose coverage the recovery studies report: a posterior can cover
90% with tails of the right size and still be too wide or narrow in its middle."""
ROUGH_BELOW = 50
"""Effective sample size under which a posterior's 90% interval is a rough Monte Carlo estimate: measured
in the reduced recovery study, posteriors of 40 particles with a median effective size of 14 give 90%
intervals that contain a draw of the same distribution only ~83% of the time (docs/calibration.md)."""


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2: how many equally weighted draws a weighted
    sample is worth. ABC-SMC importance weights can make 40 particles worth a handful. Scaled by the
    largest weight first, so neither huge nor tiny weights overflow or underflow."""
    scaled = np.asarray(weights, dtype=np.float64) / np.max(weights)
    return float(np.sum(scaled) ** 2 / np.sum(np.square(scaled)))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def write_posterior(sample: pd.DataFrame, parameters: list[FreeParameter], path: Path) -> None:
    """One column per free parameter plus `weight`; the parameters' keys go in the file's metadata so a
    comparison can apply draws without the priors file."""
    table = pa.Table.from_pandas(sample, preserve_index=False)
    keys = {p.name: {"key": p.key, "scale": p.scale} for p in parameters}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: json.dumps(keys).encode()})
    pq.write_table(table, path)


def read_posterior_file(path: str) -> tuple[pd.DataFrame, list[FreeParameter]]:
    """A posterior.parquet and the parameters it sets (their priors are not needed to apply draws)."""
    table = pq.read_table(path)
    keys = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    parameters = [FreeParameter(name, spec["key"], "uniform", 0.0, 1.0, bool(spec["scale"])) for name, spec in keys.items()]
    return table.to_pandas(), parameters


def posterior_summary(sample: pd.DataFrame, parameters: list[FreeParameter]) -> pd.DataFrame:
    """Weighted mean, sd, median and 90% interval of each parameter, next to its prior range, and the
    interval's width over the prior's 90% interval (1 = no narrower than the prior)."""
    w = sample.weight.to_numpy()
    rows = []
    for p in parameters:
        x = sample[p.name].to_numpy()
        mean = float(np.sum(w * x))
        rows.append({"parameter": p.name, "key": p.key, "unit": p.unit, "prior": f"{p.distribution}({p.low:g}, {p.high:g})",
                     "mean": mean, "sd": float(np.sqrt(np.sum(w * (x - mean) ** 2))),
                     "median": weighted_quantile(x, w, 0.5), "ci_low": weighted_quantile(x, w, (1 - INTERVAL) / 2),
                     "ci_high": weighted_quantile(x, w, (1 + INTERVAL) / 2)})
        rows[-1]["width_ratio"] = (rows[-1]["ci_high"] - rows[-1]["ci_low"]) / prior_width(p)
    return pd.DataFrame(rows)


def prior_width(parameter: FreeParameter) -> float:
    """Width of the prior's central 90% interval."""
    return parameter.quantile((1 + INTERVAL) / 2) - parameter.quantile((1 - INTERVAL) / 2)


def plot_posterior(sample: pd.DataFrame, parameters: list[FreeParameter], folder: Path,
                   truth: dict[str, float] | None = None) -> None:
    """marginals.png (weighted histograms over the prior range, the prior's density as a line, and the
    value synthetic data were made from, `truth`, when known) and pairs.png (weighted scatter)."""
    names, w = [p.name for p in parameters], sample.weight.to_numpy()
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, p in zip(axes[0], parameters):
        ax.hist(sample[p.name], bins=20, range=(p.low, p.high), weights=w, density=True, color="tab:blue", alpha=0.7,
                label="posterior")
        grid = np.linspace(p.low, p.high, 200)
        ax.plot(grid, p.frozen().pdf(grid), color="0.3", lw=1.2, label="prior")
        if truth and p.name in truth:
            ax.axvline(truth[p.name], color="tab:red", ls="--", lw=1.2, label="truth (synthetic data)")
        ax.set_xlim(p.low, p.high)
        ax.set_title(p.name, fontsize=9)
        ax.set_yticks([])
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (bars) against the prior (line)" + (" and the truth the synthetic data were "
                                                                        "made from (red)" if truth else ""))
    fig.tight_layout()
    fig.savefig(folder / "marginals.png", dpi=90)
    plt.close(fig)
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(2.2 * n, 2.2 * n), squeeze=False)
    for i, pi in enumerate(parameters):
        for j, pj in enumerate(parameters):
            ax = axes[i, j]
            if i == j:
                ax.hist(sample[pi.name], bins=15, range=(pi.low, pi.high), weights=w, color="tab:blue", alpha=0.7)
            else:
                ax.scatter(sample[pj.name], sample[pi.name], s=6 + 300 * w, alpha=0.5)
                ax.set_xlim(pj.low, pj.high)
                ax.set_ylim(pi.low, pi.high)
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(pj.name, fontsize=7)
            if j == 0:
                ax.set_ylabel(pi.name, fontsize=7)
    fig.tight_layout()
    fig.savefig(folder / "pairs.png", dpi=80)
    plt.close(fig)


def plot_progress(progress: pd.DataFrame, path: Path) -> None:
    """progress.png: each generation's tolerance (falling as the posterior narrows) and acceptance rate
    (the share of simulations accepted; a collapse means more generations cost much and teach little)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot(progress.generation, progress.tolerance, marker="o")
    left.set(xlabel="generation", ylabel="tolerance (distance)", title="Tolerance")
    right.plot(progress.generation, progress.acceptance_rate, marker="o", color="tab:green")
    right.set(xlabel="generation", ylabel="accepted / simulated", title="Acceptance rate", ylim=(0, None))
    for ax in (left, right):
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    fig.suptitle("ABC-SMC progress across generations")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def synthetic_truth(data: str, site: str) -> dict[str, float] | None:
    """The parameters an example survey was made from (truth.yaml beside `<site>_synthetic.csv`, written by
    calibration/make_example_data.py); None for any other file, whose truth nobody knows."""
    path = Path(data)
    known = path.with_name("truth.yaml")
    if path.name != f"{site}_synthetic.csv" or not known.is_file():
        return None
    entry = (read_yaml(known) or {}).get(site)
    return {name: float(value) for name, value in entry["parameters"].items()} if isinstance(entry, dict) else None


def predictive_table(observed: dict[str, float], simulated: pd.DataFrame) -> pd.DataFrame:
    """Each statistic: the data's value, the posterior predictive mean and 90% interval, and the data's
    percentile among the simulated values (ties count half), so 50 is central and near 0 or 100 a misfit."""
    rows = []
    for name, value in observed.items():
        values = simulated[name].to_numpy()
        percentile = 100 * (np.mean(values < value) + 0.5 * np.mean(values == value))
        rows.append({"statistic": name, "data": value, "predictive_mean": float(values.mean()),
                     "predictive_low": float(np.quantile(values, 0.05)), "predictive_high": float(np.quantile(values, 0.95)),
                     "data_percentile": float(percentile)})
    return pd.DataFrame(rows)


def plot_predictive(observed: dict[str, float], simulated: pd.DataFrame, path: Path) -> None:
    """One panel per statistic: the posterior predictive distribution with the data as a red line."""
    names = list(observed)
    columns = 6
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.0 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        ax.hist(simulated[name], bins=15, color="tab:grey", alpha=0.7)
        ax.axvline(observed[name], color="tab:red", lw=1.5)
        ax.set_title(name, fontsize=6)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle("Posterior predictive check: simulated (grey) vs data (red)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def calibrated_config(base: dict, summary: pd.DataFrame, parameters: list[FreeParameter], site: str,
                      data: str, installed: bool = True) -> str:
    """A Hydra config (package _global_) setting every free parameter's key to its posterior median;
    a scaled key gets the site's value times the median multiplier. Load it with
    `python run.py city=<site> +calibrated=<site>`."""
    medians = dict(zip(summary.parameter, summary["median"]))
    applied = apply_parameters(base, medians, parameters)
    nested: dict = {}
    for p in parameters:
        for path in matching_paths(applied, p.key.split(".")):
            node = nested
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = round(float(_get(applied, path)), 6)
    header = (f"# @package _global_\n# Calibrated parameters for site {site}: posterior medians of a\n"
              f"# calibration (docs/calibration.md, \"Method\") to the survey file {data}.\n"
              + (f"# Use with the same city: {command()} city={site} +calibrated={site}\n" if installed else
                 f"# Use with the same city and this file's path: {command()} city={site} "
                 "+calibrated=<this folder>/calibrated.yaml\n"))
    return header + yaml.safe_dump(nested, sort_keys=False)
