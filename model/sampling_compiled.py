"""Compiled kernels of model/sampling.py's inverse-transform samplers (model/kernels.py: the switch).

Each count is the numpy rule's loop for one entry: the same products and sums in the same order, so the same
count bit for bit. The numpy rule computes what needs exp or pow first and passes it in.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def poisson_one(u: float, rate: float, pmf: float) -> int:
    """Smallest k with P(K <= k) >= u for K ~ Poisson(rate), given pmf = exp(-rate) (sampling.poisson_quantile)."""
    k, cdf = 0, pmf
    if u > cdf:
        while True:
            k += 1
            pmf *= rate / k
            cdf += pmf
            if not u > cdf or (pmf == 0.0 and k > rate):
                return k
    return k


@numba.njit(cache=True)
def binomial_one(u: float, trials: int, p: float, pmf: float, odds: float) -> int:
    """Smallest k with P(K <= k) >= u for K ~ Binomial(trials, p), given p clipped to [0, 1], pmf = (1 - p)^trials
    and odds = p / (1 - p) (sampling.binomial_quantile)."""
    if p >= 1.0:
        return trials
    k, cdf = 0, pmf
    if u > cdf and k < trials:
        while True:
            pmf *= (trials - k) / (k + 1) * odds
            k += 1
            cdf += pmf
            if not (u > cdf and k < trials):
                return k
    return k


@numba.njit(cache=True)
def poisson_all(u, rate, pmf, out) -> None:
    for i in range(len(u)):
        out[i] = poisson_one(u[i], rate[i], pmf[i])


@numba.njit(cache=True)
def binomial_all(u, trials, p, pmf, odds, out) -> None:
    for i in range(len(u)):
        out[i] = binomial_one(u[i], trials[i], p[i], pmf[i], odds[i])


def poisson_counts(u: np.ndarray, rate: np.ndarray, pmf: np.ndarray) -> np.ndarray:
    """Every entry's Poisson count (`poisson_one`)."""
    u, rate, pmf = (np.ascontiguousarray(array, dtype=np.float64) for array in (u, rate, pmf))
    out = np.empty(u.shape, dtype=np.int64)
    poisson_all(u.ravel(), rate.ravel(), pmf.ravel(), out.ravel())
    return out


def binomial_counts(u: np.ndarray, trials: np.ndarray, p: np.ndarray, pmf: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """Every entry's binomial count (`binomial_one`)."""
    u, p, pmf, odds = (np.ascontiguousarray(array, dtype=np.float64) for array in (u, p, pmf, odds))
    trials = np.ascontiguousarray(trials, dtype=np.int64)
    out = np.empty(u.shape, dtype=np.int64)
    binomial_all(u.ravel(), trials.ravel(), p.ravel(), pmf.ravel(), odds.ravel(), out.ravel())
    return out
