"""Inverse-transform samplers agree exactly with scipy's quantile functions."""

import numpy as np
from scipy import stats

from bridges.model.sampling import binomial_quantile, poisson_quantile


def test_poisson_quantile_matches_scipy():
    rng = np.random.default_rng(1)
    u = rng.random(20_000)
    rate = rng.choice([0.0, 0.01, 0.3, 1.0, 2.5, 9.0, 40.0], size=u.size)
    expected = stats.poisson.ppf(u, rate)
    np.testing.assert_array_equal(poisson_quantile(u, rate), np.nan_to_num(expected, nan=0).astype(int))


def test_binomial_quantile_matches_scipy():
    rng = np.random.default_rng(2)
    u = rng.random(20_000)
    trials = rng.integers(0, 12, size=u.size)
    p = rng.choice([0.0, 0.05, 0.5, 0.93, 1.0], size=u.size)
    expected = stats.binom.ppf(u, trials, p)
    np.testing.assert_array_equal(binomial_quantile(u, trials, p), expected.astype(int))


def test_samplers_handle_edges():
    assert poisson_quantile(np.array([0.999999]), np.array([0.0]))[0] == 0
    assert binomial_quantile(np.array([0.0]), np.array([5]), np.array([1.0]))[0] == 5
    assert binomial_quantile(np.array([0.9]), np.array([0]), np.array([0.5]))[0] == 0
