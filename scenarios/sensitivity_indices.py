"""Morris and Sobol indices (SALib) of a study's outcomes over its design, with bootstrap intervals, the
direction of each parameter's effect against the directions table, and how the Morris ranking converges."""

import math

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats

from bridges.scenarios.directions import load_directions, table_sign
from bridges.scenarios.sensitivity_options import SensitivityOptions
from bridges.scenarios.sensitivity_study import Study

TOP = 3
"""Parameters named in the summary sentence of each outcome."""


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
