"""Compiled kernel of model/mechanisms/rejection.py's rule `felt_contact` (model/kernels.py: the switch): every
resident's weighted encounters as felt when expecting rejection, in place, in one pass (the rule's formula, term
by term in its order), over ranges of people on the worker threads (it releases the GIL; elementwise, so the same
numbers whatever the ranges)."""

import numba

BLOCKED = True
"""`expect_rejection` runs this kernel over ranges of people on the worker threads at every size (model/kernels.py)."""


@numba.njit(cache=True, nogil=True)
def felt_all(positive, negative, expectation, discount) -> None:
    """P' = P (1 - d e), N' = N (1 - d e) for every resident, in place."""
    for person in range(len(positive)):
        generalised = 1.0 - discount * expectation[person]
        positive[person] = positive[person] * generalised
        negative[person] = negative[person] * generalised
