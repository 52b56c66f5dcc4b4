"""Robustness and scenario discovery for a design study.

States of the world are draws from a calibration posterior (weighted resampling) and/or a Latin
hypercube of declared ranges, crossed with city presets. Each Pareto candidate is evaluated in every
world on the same seeds; its *regret* in a world is how far it falls short of the best candidate there
on the robustness outcome. The robust choice minimises the largest regret (minimax) or a stated
percentile of it, with a bootstrap interval over worlds. Scenario discovery (PRIM, from the EMA
Workbench) then finds boxes of uncertain values where the chosen design fails (its outcome on the wrong
side of the user's threshold), each with its coverage (share of all failures inside the box) and
density (share of the box's worlds that fail).
"""

import logging
import warnings

import numpy as np
import pandas as pd
from scipy.stats import qmc

from bridges.calibration.parameters import apply_parameters
from bridges.calibration.report import read_posterior_file
from bridges.config import compose_config, matching_paths, to_plain
from bridges.scenarios.design import Study
from bridges.scenarios.design_search import World, with_choice


def _get(plain: dict, path: tuple):
    for key in path:
        plain = plain[key]
    return plain


def uncertain_draws(study: Study, seed: int) -> tuple[list[dict], list]:
    """`robustness.draws` joint draws of the uncertain values (posterior rows resampled by weight, ranges
    by a Latin hypercube, both seeded by the study's seed), and the posterior's parameters (scale or set)."""
    rob = study.robustness
    count, draws, parameters = rob["draws"], None, []
    rng = np.random.default_rng([seed, 31_415])
    if rob["posterior"]:
        sample, parameters = read_posterior_file(rob["posterior"])
        rows = rng.choice(len(sample), size=count, p=sample.weight.to_numpy() / sample.weight.sum())
        draws = [{p.name: float(sample.iloc[row][p.name]) for p in parameters} for row in rows]
    ranges = rob["ranges"]
    if ranges:
        unit = qmc.LatinHypercube(d=len(ranges), rng=rng).random(count)
        lhs = [{name: spec["low"] + u * (spec["high"] - spec["low"]) for (name, spec), u in zip(ranges.items(), row)}
               for row in unit]
        draws = [{**(draws[i] if draws else {}), **lhs[i]} for i in range(count)]
    return draws or [{}], parameters


def make_worlds(study: Study, shared: list[str], seed: int) -> list[World]:
    """Every state of the world: each preset (or the study's own city) with each draw, as overrides."""
    draws, posterior = uncertain_draws(study, seed)
    presets = study.robustness["presets"] or [None]
    worlds = []
    for preset in presets:
        overrides = with_choice(shared, "city", preset) if preset else list(shared)
        # a posterior's scale multiplies the preset's own values, not a calibrated set's (which the
        # draw replaces: a calibrated file holds the same parameters)
        plain = to_plain(compose_config([o for o in overrides if o.lstrip("+~").split("=", 1)[0] != "calibrated"]))
        for index, draw in enumerate(draws):
            drawn = apply_parameters(plain, draw, posterior) if posterior else plain
            settings = [f"city={preset}"] if preset else []
            for parameter in posterior:
                settings += [f"{'.'.join(path)}={float(_get(drawn, path))!r}"
                             for path in matching_paths(drawn, parameter.key.split("."))]
            for name, spec in study.robustness["ranges"].items():
                settings += [f"{'.'.join(path)}={float(draw[name])!r}" for path in matching_paths(plain, spec["key"].split("."))]
            values = {**draw, **({"preset": preset} if len(presets) > 1 else {})}
            worlds.append(World(f"{preset or 'site'}-{index}", tuple(settings), values))
    return worlds


def world_outcomes(study: Study, table: pd.DataFrame, outcome: str, worlds: list[World]) -> pd.DataFrame:
    """candidate x world: the outcome's mean over replicates, signed so that more is better."""
    sign = next(o.sign for o in study.outcomes if o.name == outcome)
    ids = [w.id for w in worlds]
    part = table[(table.outcome == outcome) & table.world.isin(ids)]
    return sign * part.pivot_table(index="candidate", columns="world", values="value", aggfunc="mean")[ids]


def regrets(values: pd.DataFrame) -> pd.DataFrame:
    """candidate x world: the best candidate's value in that world minus this one's (>= 0; 0 = best there)."""
    return values.max(axis=0) - values


def _statistic(regret: np.ndarray, rule: str, percentile: float) -> np.ndarray:
    """Per candidate (rows): the largest regret over worlds (minimax) or its percentile."""
    return regret.max(axis=1) if rule == "minimax" else np.percentile(regret, percentile, axis=1)


def robust_choice(values: pd.DataFrame, rule: str, percentile: float, resamples: int, seed: int) -> pd.DataFrame:
    """Per candidate: mean and largest regret, the rule's statistic with a 95% bootstrap interval over
    worlds, the (signed) outcome's median and 5-95% range over worlds, and how often the candidate is the
    choice when the worlds are resampled; sorted best first (the first row is the robust choice)."""
    regret = regrets(values).to_numpy()
    stat = _statistic(regret, rule, percentile)
    rng = np.random.default_rng([seed, 27_182])
    picks = rng.integers(0, regret.shape[1], size=(resamples, regret.shape[1]))
    boot = np.stack([_statistic(regret[:, pick], rule, percentile) for pick in picks])  # resamples x candidates
    chosen_share = np.bincount(boot.argmin(axis=1), minlength=len(values)) / resamples
    table = pd.DataFrame({"candidate": values.index, "mean_regret": regret.mean(axis=1),
                          "max_regret": regret.max(axis=1), "statistic": stat,
                          "statistic_low": np.percentile(boot, 2.5, axis=0),
                          "statistic_high": np.percentile(boot, 97.5, axis=0),
                          "outcome_median": values.median(axis=1).to_numpy(),
                          "outcome_p05": values.quantile(0.05, axis=1).to_numpy(),
                          "outcome_p95": values.quantile(0.95, axis=1).to_numpy(),
                          "chosen_share": chosen_share})
    return table.sort_values(["statistic", "mean_regret"], kind="stable").reset_index(drop=True)


def _prim():
    """PRIM from the EMA Workbench, imported quietly (it warns about optional parts it does not need)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def failure_boxes(x: pd.DataFrame, failed: np.ndarray, min_coverage: float, boxes: int) -> list[dict]:
    """PRIM boxes of the uncertain values (rows of `x`) where `failed` is True: for each box, the peel with
    the highest density among those covering at least `min_coverage` of the failures, as its coverage,
    density, mass (share of worlds inside), worlds inside and the restricted ranges."""
    x = x.loc[:, [c for c in x.columns if x[c].nunique() > 1]]
    if x.empty or failed.all() or not failed.any():
        return []
    for column in x.columns:
        if not pd.api.types.is_numeric_dtype(x[column]):
            x[column] = x[column].astype("category")
    prim = _prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x.reset_index(drop=True), failed.astype(bool), peel_alpha=0.1, mass_min=0.05)
        found = []
        for _ in range(boxes):
            box = finder.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory
            eligible = trajectory[trajectory.coverage >= min_coverage]
            if eligible.empty:
                break
            best = eligible.sort_values(["density", "coverage"], ascending=False).index[0]
            box.select(int(best))
            limits, initial = box.box_lims[int(best)], box.box_lims[0]
            restricted = [f"{column} in {_range(limits[column])}" for column in limits.columns
                          if not limits[column].equals(initial[column])]
            row = trajectory.loc[best]
            found.append({"box": len(found) + 1, "coverage": float(row.coverage), "density": float(row.density),
                          "mass": float(row.mass), "worlds": int(row.n), "failing": int(row.k),
                          "restrictions": "; ".join(restricted) or "none (every world)"})
    return found


def _range(limits: pd.Series) -> str:
    low, high = limits.iloc[0], limits.iloc[1]
    if isinstance(low, (set, frozenset)):
        return "{" + ", ".join(sorted(map(str, low))) + "}"
    return f"[{low:.4g}, {high:.4g}]"
