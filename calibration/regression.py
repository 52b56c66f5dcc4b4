"""Reference-table ABC with a learned summary and a local-linear regression adjustment: the default
calibration method (docs/calibration.md, "Method").

1. A reference table: `budget` parameter draws from the prior, each simulated once (seeded).
2. A learned summary (semi-automatic ABC, Fearnhead & Prangle 2012): a ridge regression of the
   transformed parameters on the statistics and their squares, its penalty chosen per parameter by
   generalised cross-validation, cross-fitted (each table row's summary comes from a fit that did not see
   it, so the summary of a simulation is as noisy as the data's). The penalty is what keeps a weakly
   identified parameter's summary at the data from moving with each table's luck.
3. Rejection: the `particles` table rows nearest the data in the summary (each summary scaled by its
   median absolute deviation over the table), weighted by the Epanechnikov kernel.
4. Beaumont, Zhang & Balding (2002) with Blum & François's (2010) heteroscedastic correction: a weighted
   local-linear regression of the transformed parameters on the summary among those rows, and one of the
   log squared residuals (the residuals' spread); each particle is moved to the data's summary along the
   first and its residual rescaled to the spread at the data, then mapped back to the parameter's range.

Every piece is a pure function of arrays; the simulations are made by the caller."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bridges.calibration.parameters import FreeParameter
from bridges.calibration.simulate import SEED_LIMIT
from bridges.model.errors import InputError

EDGE = 1e-9
"""Prior draws are clipped this far (as a share of the range) inside the prior's ends before the logit."""
FOLDS = 5
"""Cross-fitting folds of the learned summary."""
PENALTIES = np.logspace(-6, 4, 41)
"""Candidate ridge penalties of the summary's regression, per row and relative to the standardised
features' unit variance. Generalised cross-validation picks one per parameter and fit: near the smallest
(least squares) for a parameter the statistics pin down, large for one they barely inform, whose
least-squares fit on ~60 features would otherwise chase the table's noise (docs/calibration.md,
"Why attitude_step's median moved")."""


SUMMARY_EDGE = 0.005
"""The learned summary predicts a parameter's share of its prior range; predictions are clipped this far
inside 0 and 1 before their logit (a linear prediction can overshoot the range)."""
INFORMATIVE = 3
"""Statistics listed per parameter in the report: those most correlated with it in the reference table."""


def to_share(values: np.ndarray, parameter: FreeParameter) -> np.ndarray:
    """A parameter's position within its prior's range, 0-1 (on the log scale for a loguniform prior)."""
    values = np.asarray(values, dtype=np.float64)
    if parameter.distribution == "loguniform":
        return (np.log(values) - np.log(parameter.low)) / (np.log(parameter.high) - np.log(parameter.low))
    return (values - parameter.low) / (parameter.high - parameter.low)


def logit(share: np.ndarray, edge: float = EDGE) -> np.ndarray:
    share = np.clip(share, edge, 1 - edge)
    return np.log(share) - np.log1p(-share)


def to_unbounded(values: np.ndarray, parameter: FreeParameter) -> np.ndarray:
    """A parameter's values mapped onto the real line: the logit of `to_share`. The adjustment works
    there, so no adjusted particle can leave the prior's support."""
    return logit(to_share(values, parameter))


def from_unbounded(values: np.ndarray, parameter: FreeParameter) -> np.ndarray:
    """The inverse of `to_unbounded`."""
    share = 1.0 / (1.0 + np.exp(-np.asarray(values, dtype=np.float64)))
    if parameter.distribution == "loguniform":
        values = np.exp(np.log(parameter.low) + share * (np.log(parameter.high) - np.log(parameter.low)))
    else:
        values = parameter.low + share * (parameter.high - parameter.low)
    return np.clip(values, parameter.low, parameter.high)  # rounding at a share of exactly 0 or 1


def _features(statistics: np.ndarray) -> np.ndarray:
    """Each statistic and its square."""
    return np.hstack([statistics, statistics**2])


def _fit(x: np.ndarray, y: np.ndarray, penalties: np.ndarray = PENALTIES):
    """Ridge regression of each column of `y` on standardised `x` with an unpenalised intercept, each
    column's penalty the one of `penalties` with the least generalised cross-validation error (Golub, Heath
    & Wahba 1979; closed form through the singular value decomposition): (centre, scale, coefficients with
    the intercept first)."""
    centre, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # a constant statistic (e.g. a share that is 0) gets no weight
    z = (x - centre) / scale
    rows = len(z)
    u, d, vt = np.linalg.svd(z, full_matrices=False)
    mean = y.mean(axis=0)
    projected = u.T @ (y - mean)  # component x column
    shrink = d**2 / (d**2 + rows * np.asarray(penalties, dtype=np.float64)[:, None])  # penalty x component
    outside = ((y - mean) ** 2).sum(axis=0) - (projected**2).sum(axis=0)
    residual = outside + (1 - shrink) ** 2 @ projected**2  # penalty x column
    gcv = residual / (1 - (shrink.sum(axis=1, keepdims=True) + 1) / rows) ** 2
    chosen = shrink[np.argmin(gcv, axis=0)].T  # component x column
    slopes = vt.T @ (chosen / np.where(d > 0, d, 1.0)[:, None] * projected)
    return centre, scale, np.vstack([mean, slopes])


def _predict(fit, x: np.ndarray) -> np.ndarray:
    centre, scale, coefficients = fit
    return np.hstack([np.ones((len(x), 1)), (x - centre) / scale]) @ coefficients


def learned_summary(statistics: np.ndarray, targets: np.ndarray, observed: np.ndarray,
                    rng: np.random.Generator, folds: int = FOLDS, penalties: np.ndarray = PENALTIES
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-fitted learned summary: the ridge regression of `targets` (rows: simulations; columns:
    transformed parameters) on the statistics and their squares, each column's penalty one of `penalties`
    (a single tiny one is least squares). Returns each row's out-of-fold prediction, the data's (the mean
    over the folds' fits) and the out-of-fold R² per column (how much of each parameter the statistics
    explain)."""
    x, x_observed = _features(statistics), _features(observed[None, :])
    fold = rng.permutation(len(x)) % folds
    summary = np.empty_like(targets, dtype=np.float64)
    at_data = np.zeros((1, targets.shape[1]))
    for k in range(folds):
        fit = _fit(x[fold != k], targets[fold != k], penalties)
        summary[fold == k] = _predict(fit, x[fold == k])
        at_data += _predict(fit, x_observed) / folds
    residual = ((targets - summary) ** 2).sum(axis=0)
    r2 = 1 - residual / ((targets - targets.mean(axis=0)) ** 2).sum(axis=0)
    return summary, at_data[0], r2


def mad(values: np.ndarray) -> np.ndarray:
    """Median absolute deviation of each column (scaled to a normal sd); 1 where a column does not vary."""
    spread = 1.4826 * np.median(np.abs(values - np.median(values, axis=0)), axis=0)
    return np.where(spread > 0, spread, 1.0)


@dataclass(frozen=True)
class Adjusted:
    """The posterior sample on the transformed scale: adjusted particles, their normalised kernel weights,
    which table rows they came from, the kernel's bandwidth, the local regression's slopes (of the mean)
    and those of the log squared residuals (of the spread)."""

    values: np.ndarray
    weights: np.ndarray
    rows: np.ndarray
    bandwidth: float
    slopes: np.ndarray
    spread_slopes: np.ndarray


def _weighted_linear(design: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    root = np.sqrt(weights)[:, None]
    coefficients, *_ = np.linalg.lstsq(design * root, y * root, rcond=None)
    return coefficients


def regression_adjust(summary: np.ndarray, targets: np.ndarray, at_data: np.ndarray, particles: int) -> Adjusted:
    """Rejection on the `particles` nearest rows in the scaled summary, Epanechnikov weights, then the
    heteroscedastic local-linear adjustment (Blum & François 2010): the weighted regressions of the targets
    (mean m) and of the log of their squared residuals (log variance) on the summary among those rows; each
    particle becomes m(data) + residual x sd(data) / sd(its summary). With a constant spread this is
    Beaumont's adjustment, targets - (summary - at_data) @ slopes; where the spread changes across the
    window (a parameter pinned more tightly in one region of the prior than another), the residuals take
    the spread at the data instead of the window's average. The bandwidth is the distance of the
    next-nearest row, so every kept row has a positive weight."""
    if not 0 < particles < len(summary):
        raise ValueError(f"particles must be between 1 and {len(summary) - 1}, got {particles}")
    scaled = (summary - at_data) / mad(summary)
    distance = np.sqrt((scaled**2).sum(axis=1))
    order = np.argsort(distance, kind="stable")
    rows, bandwidth = order[:particles], float(distance[order[particles]])
    weights = 1.0 - (distance[rows] / bandwidth) ** 2
    weights = weights / weights.sum()
    offset = summary[rows] - at_data
    design = np.hstack([np.ones((particles, 1)), offset])
    mean = _weighted_linear(design, targets[rows], weights)
    residuals = targets[rows] - design @ mean
    squared = residuals**2
    floor = 1e-12 * np.maximum(squared.mean(axis=0), np.finfo(np.float64).tiny)  # no log of an exact zero
    spread = _weighted_linear(design, np.log(squared + floor), weights)
    sd_ratio = np.exp(-0.5 * offset @ spread[1:])  # sd at the data over sd at each row's summary
    return Adjusted(mean[0] + residuals * sd_ratio, weights, rows, bandwidth, mean[1:], spread[1:])


def reference_draws(parameters: list[FreeParameter], count: int, seed: int) -> tuple[list[dict[str, float]], np.ndarray]:
    """The reference table's `count` prior draws and one model seed per draw, from `seed` alone. Row r
    does not depend on `count` (a smaller table is the first rows of a larger one with the same seed)."""
    shares = np.random.default_rng([seed, 0]).random((count, len(parameters)))
    columns = {p.name: p.frozen().ppf(shares[:, j]) for j, p in enumerate(parameters)}
    seeds = np.random.default_rng([seed, 1]).integers(0, SEED_LIMIT, size=count)
    return [{name: float(column[i]) for name, column in columns.items()} for i in range(count)], seeds


@dataclass(frozen=True)
class RegressionPosterior:
    """The posterior (parameter columns plus normalised `weight`), the learned summary's cross-validated R²
    per parameter, the statistics most correlated with each parameter in the table, and the size of the
    table it used."""

    sample: pd.DataFrame
    r2: dict[str, float]
    informative: dict[str, list[tuple[str, float]]]
    simulations: int


def posterior(table: pd.DataFrame, parameters: list[FreeParameter], observed: pd.Series, particles: int,
              seed: int, penalties: np.ndarray = PENALTIES) -> RegressionPosterior:
    """The method of this module on a reference table (parameter columns and the `observed` statistics'
    columns, one row per simulation): the learned summary predicts each parameter's share of its prior
    range (the regression fits best on that scale), its logit is the summary, so that summary and
    transformed parameters are on one scale and the local regression between them is close to linear.
    `seed` only assigns the cross-fitting folds; `penalties` are the summary regression's candidates."""
    names = [p.name for p in parameters]
    statistics = table[list(observed.index)].to_numpy(dtype=np.float64)
    targets = np.column_stack([to_unbounded(table[p.name].to_numpy(), p) for p in parameters])
    shares = np.column_stack([to_share(table[p.name].to_numpy(), p) for p in parameters])
    predicted, at_data, r2 = learned_summary(statistics, shares, observed.to_numpy(dtype=np.float64),
                                             np.random.default_rng([seed, 3]), penalties=penalties)
    adjusted = regression_adjust(logit(predicted, SUMMARY_EDGE), targets, logit(at_data, SUMMARY_EDGE), particles)
    sample = pd.DataFrame({p.name: from_unbounded(adjusted.values[:, j], p) for j, p in enumerate(parameters)})
    sample["weight"] = adjusted.weights
    with np.errstate(invalid="ignore", divide="ignore"):  # a statistic constant in the table: no correlation
        correlations = pd.DataFrame(np.corrcoef(shares.T, statistics.T)[:len(names), len(names):],
                                    index=names, columns=observed.index).fillna(0.0)
    informative = {name: [(statistic, float(correlations.loc[name, statistic]))
                          for statistic in correlations.loc[name].abs().sort_values(ascending=False).index[:INFORMATIVE]]
                   for name in names}
    return RegressionPosterior(sample, dict(zip(names, map(float, r2))), informative, len(table))


METADATA_KEY = b"bridges_reference"
"""reference_table.parquet's schema metadata: the fingerprint of what made it and its seed (JSON)."""


def fingerprint(base: dict, parameters: list[FreeParameter], names: list[str]) -> str:
    """What a reference table depends on: the simulated city's config (site, survey design, overrides),
    the priors and the statistics. A table made under another fingerprint must not be reused."""
    base = {key: value for key, value in base.items() if key != "seed"}  # each row has its own model seed
    content = json.dumps({"base": base, "parameters": [vars(p) for p in parameters], "statistics": names},
                         sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def write_reference(table: pd.DataFrame, path: Path, stamp: str, seed: int) -> None:
    """The reference table (prior draws and the statistics they made; no survey row) with its fingerprint
    and seed, so a later run can reuse it."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = json.dumps({"fingerprint": stamp, "seed": seed}).encode()
    pq.write_table(arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), METADATA_KEY: meta}), path)


def read_reference(path: str, stamp: str, seed: int | None) -> pd.DataFrame:
    """A stored reference table, if it was made with this fingerprint and seed (any seed: None); one line
    otherwise."""
    where = f"calibration.reference: {path}"
    if not Path(path).is_file():
        raise InputError(f"{where} does not exist")
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    except (pa.ArrowException, OSError, ValueError):
        raise InputError(f"{where} is not a reference table written by a calibration") from None
    if meta.get("fingerprint") != stamp:
        raise InputError(f"{where} was made for another city, survey design, priors or statistics; it cannot "
                         "be reused here")
    if seed is not None and meta.get("seed") != seed:
        raise InputError(f"{where} was made with seed={meta.get('seed')}, not seed={seed}; run with that seed")
    return table.to_pandas()
