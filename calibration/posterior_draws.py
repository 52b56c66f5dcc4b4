"""Parameter uncertainty in scenario comparisons: each replicate draws its free parameters from a
calibration's posterior (posterior.parquet), the same draw for every scenario of that replicate, so
effects stay paired on common random numbers while intervals include parameter uncertainty."""

from functools import partial

import numpy as np

from bridges.calibration.parameters import apply_parameters
from bridges.calibration.report import read_posterior_file


def _with(values: dict[str, float], parameters, plain: dict) -> dict:
    return apply_parameters(plain, values, parameters)


def posterior_draws(path: str, replicates: int, seed: int) -> list:
    """One config transformer per replicate: draw r is posterior row r resampled by weight, from a
    generator seeded by the comparison's seed (same seed, same draws)."""
    sample, parameters = read_posterior_file(path)
    rng = np.random.default_rng([seed, 2_718])
    rows = rng.choice(len(sample), size=replicates, p=sample.weight.to_numpy() / sample.weight.sum())
    names = [p.name for p in parameters]
    return [partial(_with, {n: float(sample.iloc[row][n]) for n in names}, parameters) for row in rows]
