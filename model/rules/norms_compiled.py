"""Compiled kernel of model/rules/norms.py's `friends_mean` (model/kernels.py: the switch).

Each person's sum over their friends adds the same products in the same order as scipy's sparse product (row
by row, in the matrix's stored order, from 0.0), then divides as the rule does, so the means are the same bit
for bit. People are independent, so a big pass splits its rows over both cores.
"""

import numba
import numpy as np

from bridges.model import kernels

PIECES = 16
"""Pieces a parallel pass is split into."""


@numba.njit(cache=True, nogil=True)
def mean_span(indptr, indices, data, value, friend_count, fallback, out, start, stop) -> None:
    """`friends_mean` for the people in rows [start, stop)."""
    for person in range(start, stop):
        total = 0.0
        for at in range(indptr[person], indptr[person + 1]):
            total += data[at] * value[indices[at]]
        out[person] = total / max(friend_count[person], 1) if friend_count[person] > 0 else fallback[person]


@numba.njit(cache=True, parallel=True)
def mean_pieces(indptr, indices, data, value, friend_count, fallback, out) -> None:
    rows = len(out)
    for piece in numba.prange(PIECES):
        mean_span(indptr, indices, data, value, friend_count, fallback, out, piece * rows // PIECES,
                  (piece + 1) * rows // PIECES)


def friends_mean(value: np.ndarray, friends, friend_count: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Mean of a view among each person's friends (rows of the CSR matrix `friends`), `fallback` without any."""
    rows = friends.shape[0]
    out = np.empty(rows)
    arguments = (friends.indptr, friends.indices, friends.data, np.ascontiguousarray(value, dtype=np.float64),
                 np.ascontiguousarray(friend_count, dtype=np.int64),
                 np.ascontiguousarray(np.broadcast_to(fallback, rows), dtype=np.float64), out)
    if kernels.parallel(rows):
        mean_pieces(*arguments)
    else:
        mean_span(*arguments, 0, rows)
    return out
