"""Inverse-transform samplers: one uniform in, one count out.

Drawing counts from fixed-size arrays of uniforms (instead of numpy's rejection samplers, which use a
variable number of draws) keeps every other draw unchanged when one rate changes: the basis of common
random numbers between scenarios.

Each sampler's loop also has a compiled form (model/sampling_compiled.py), which runs instead when the
kernels run (model/kernels.py) and gives the same counts bit for bit.
"""

import numpy as np

from bridges.model import kernels


def poisson_quantile(u: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Smallest k with P(K <= k) >= u for K ~ Poisson(rate), elementwise."""
    u = np.asarray(u, dtype=float)
    rate = np.broadcast_to(np.asarray(rate, dtype=float), u.shape)
    count = np.zeros(u.shape, dtype=np.int64)
    pmf = np.exp(-rate)
    compiled = kernels.load("bridges.model.sampling_compiled", u.size)
    if compiled is not None:
        return compiled.poisson_counts(u, rate, pmf)
    cdf = pmf.copy()
    pending = np.flatnonzero(u > cdf)
    while pending.size:
        count[pending] += 1
        pmf[pending] *= rate[pending] / count[pending]
        cdf[pending] += pmf[pending]
        # Stop once past the mode with nothing left to add (rounding can leave cdf just below u).
        exhausted = (pmf[pending] == 0.0) & (count[pending] > rate[pending])
        pending = pending[(u[pending] > cdf[pending]) & ~exhausted]
    return count


def binomial_quantile(u: np.ndarray, trials: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Smallest k with P(K <= k) >= u for K ~ Binomial(trials, p), elementwise."""
    u = np.asarray(u, dtype=float)
    trials = np.broadcast_to(np.asarray(trials, dtype=np.int64), u.shape)
    p = np.clip(np.broadcast_to(np.asarray(p, dtype=float), u.shape), 0.0, 1.0)
    q = 1.0 - p
    pmf = np.where(p >= 1.0, 0.0, q**trials)
    with np.errstate(divide="ignore"):
        odds = np.where(p >= 1.0, 0.0, p / np.where(q > 0, q, 1.0))
    compiled = kernels.load("bridges.model.sampling_compiled", u.size)
    if compiled is not None:
        return compiled.binomial_counts(u, trials, p, pmf, odds)
    count = np.where(p >= 1.0, trials, 0).astype(np.int64)
    cdf = pmf.copy()
    pending = np.flatnonzero((u > cdf) & (count < trials) & (p < 1.0))
    while pending.size:
        k = count[pending]
        pmf[pending] *= (trials[pending] - k) / (k + 1) * odds[pending]
        count[pending] = k + 1
        cdf[pending] += pmf[pending]
        pending = pending[(u[pending] > cdf[pending]) & (count[pending] < trials[pending])]
    return count
