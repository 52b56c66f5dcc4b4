"""Initial Beta draws: the fast quantile table agrees with scipy's exact inverse."""

import numpy as np
import pytest
from scipy import stats

from bridges.model.state import QUANTILE_INTERVALS, QUANTILE_TOLERANCE, beta_ppf

SHAPES = [(2.3, 5.1), (20.0, 3.0), (0.7, 0.9), (0.3, 8.0), (50.0, 60.0), (400.0, 30.0), (1.0, 1.0)]
"""Beta shapes from U-shaped (a, b < 1) through skewed to very concentrated (a + b = 430)."""


def uniforms(size: int, seed: int) -> np.ndarray:
    u = np.random.default_rng(seed).random(size)
    u[:3] = [0.0, 2.0**-53, 1.0 - 2.0**-53]  # the extremes numpy's random() can return
    return u


@pytest.mark.parametrize(("a", "b"), SHAPES)
def test_few_values_are_exactly_scipys(a, b):
    u = uniforms(2 * QUANTILE_INTERVALS, 0)
    np.testing.assert_array_equal(beta_ppf(u, a, b), stats.beta.ppf(u, a, b))


@pytest.mark.parametrize(("a", "b"), SHAPES)
def test_many_values_agree_with_scipy_within_the_tolerance(a, b):
    u = uniforms(200_000, 1)
    fast, exact = beta_ppf(u, a, b), stats.beta.ppf(u, a, b)
    # Each interval's error is checked at its midpoint, where a cubic Hermite interval's error peaks
    # (t^2 (1 - t)^2 is largest at t = 1/2); twice the tolerance leaves room for a peak slightly off centre.
    assert np.max(np.abs(fast - exact)) <= 2 * QUANTILE_TOLERANCE
    order = np.argsort(u)
    assert np.all(np.diff(fast[order]) >= -2 * QUANTILE_TOLERANCE)  # still a quantile function
