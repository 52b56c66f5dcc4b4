"""One simulation of a survey's statistics, and the quick sensitivity of each statistic to each free
parameter (which statistics constrain which parameters)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from bridges.calibration.parameters import FreeParameter, apply_parameters
from bridges.calibration.statistics import summarise
from bridges.model import run
from bridges.config import model_params
from bridges.model.params import Params
from bridges.workers import exit_with_parent, interrupts_for_this_process_only, mark_driver

SEED_LIMIT = 2**31
"""Fresh seeds are drawn below this bound (any non-negative integer is a valid model seed)."""


def fresh_seed() -> int:
    """A seed from the operating system's entropy: every simulation of a calibration differs, so the
    posterior includes the model's own randomness."""
    return int(np.random.SeedSequence().entropy % SEED_LIMIT)


def own_world_params(plain: dict) -> Params:
    """A calibration simulation's parameters: the configuration is its own reference world
    (`dynamics.reference: self`): each draw is a candidate for the world that produced the survey, so its
    people formed their views in it (docs/model.md 7.22)."""
    return model_params({**plain, "dynamics": {**plain["dynamics"], "reference": "self"}})


def survey_statistics(plain: dict, names: list[str], truth: dict[str, float]) -> dict[str, float]:
    """Run the model of a plain config and return the named statistics of its virtual survey; a
    statistic the run cannot compute (no answers) is 0, so distances stay defined."""
    values = summarise(run(own_world_params(plain), weekly_metrics=False).survey, truth).reindex(names).fillna(0.0)
    return {name: float(value) for name, value in values.items()}


@dataclass(frozen=True)
class Simulator:
    """The ABC model: free-parameter values -> statistics, each call with a fresh seed. Picklable, so it
    runs in local worker processes and on Dask workers alike."""

    base: dict
    parameters: tuple[FreeParameter, ...]
    names: tuple[str, ...]
    truth: dict

    def __call__(self, values) -> dict[str, float]:
        plain = apply_parameters(self.base, dict(values), list(self.parameters))
        plain["seed"] = fresh_seed()
        return survey_statistics(plain, list(self.names), self.truth)


def simulate_at(simulator: Simulator, values: dict[str, float], seed: int) -> dict[str, float]:
    """The statistics of one draw simulated with a given model seed."""
    plain = apply_parameters(simulator.base, values, list(simulator.parameters))
    plain["seed"] = seed
    return survey_statistics(plain, list(simulator.names), simulator.truth)


def sensitivity(simulator: Simulator, replicates: int = 4, jobs: int = -1, low: float = 0.1,
                high: float = 0.9) -> pd.DataFrame:
    """Standardised one-at-a-time effect of each parameter on each statistic: with the others at their
    prior medians, (mean at the prior's `high` quantile - mean at its `low` quantile) / the statistic's
    replicate sd (pooled over settings). Replicate r uses seed r at every setting (common random numbers).
    |effect| >= 2 means the statistic moves clearly beyond its own noise: it constrains the parameter."""
    parameters = list(simulator.parameters)
    centre = {p.name: p.quantile(0.5) for p in parameters}
    settings = [("centre", centre)]
    for p in parameters:
        settings += [(f"{p.name}:low", {**centre, p.name: p.quantile(low)}),
                     (f"{p.name}:high", {**centre, p.name: p.quantile(high)})]
    mark_driver()
    with interrupts_for_this_process_only():
        runs = Parallel(n_jobs=jobs, initializer=exit_with_parent)(
            delayed(simulate_at)(simulator, values, seed) for _, values in settings for seed in range(replicates))
    frame = pd.DataFrame(runs)
    frame["setting"] = [label for label, _ in settings for _ in range(replicates)]
    noise = frame.groupby("setting")[list(simulator.names)].var(ddof=1).mean().pow(0.5)
    means = frame.groupby("setting")[list(simulator.names)].mean()
    effects = {p.name: (means.loc[f"{p.name}:high"] - means.loc[f"{p.name}:low"]) / noise.replace(0.0, np.nan)
               for p in parameters}
    return pd.DataFrame(effects).fillna(0.0).rename_axis("statistic")
