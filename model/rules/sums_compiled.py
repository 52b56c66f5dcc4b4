"""numpy's pairwise summation compiled (model/kernels.py: the switch), so that a kernel's means of float arrays
are `np.add.reduce` bit for bit: record's group means (model/metrics.py `group_means`).

numpy sums a contiguous float64 array from the reduction's identity 0.0 plus `pairwise_sum`: under 8 values one
by one; up to PW_BLOCKSIZE values in 8 interleaved accumulators, combined as ((r0 + r1) + (r2 + r3)) +
((r4 + r5) + (r6 + r7)), then the rest one by one; longer runs split in two halves (the first a multiple of 8)
summed apiece (numpy/_core/src/umath/loops_utils.h.src). A plain loop adds in another order and differs in the
last bits; tests/test_kernels_fuse_c.py compares this one with np.add.reduce on every length 0..1,000 and
larger ones.

Blocked: numpy's pairwise sum of a run longer than PW_BLOCKSIZE is the sum of its two halves' pairwise sums, the
first half's length n / 2 rounded down to a multiple of 8. So a big group's sum splits exactly there: each
half (or quarter, ...) is summed apiece by `group_partials` on a worker thread, and the halves' sums are added in
the tree's order afterwards (`pairwise_tree`, `tree_sum`; model/metrics.py), the same additions numpy makes.
"""

import numba
import numpy as np
from numba import literal_unroll

BLOCKED = True
"""A big city's group means run over subtrees of numpy's pairwise sums on the worker threads (`group_partials`,
model/metrics.py); `setting_counts` runs serially, a few ms at 1M residents, less than numpy's serial bincounts
it replaces (model/kernels.py)."""

PW_BLOCKSIZE = 128
"""numpy's block of the pairwise sum (loops_utils.h.src): runs up to this length are summed with 8 accumulators."""


@numba.njit(cache=True, nogil=True)
def block_sum(values, rows, start, n) -> float:
    """numpy's `pairwise_sum` of a run of at most PW_BLOCKSIZE values, values[rows[start:start + n]], each as a
    float64 (flags and counts exactly): under 8 one by one, else 8 accumulators and the rest one by one."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += np.float64(values[rows[start + i]])
        return res
    r0 = np.float64(values[rows[start]])
    r1 = np.float64(values[rows[start + 1]])
    r2 = np.float64(values[rows[start + 2]])
    r3 = np.float64(values[rows[start + 3]])
    r4 = np.float64(values[rows[start + 4]])
    r5 = np.float64(values[rows[start + 5]])
    r6 = np.float64(values[rows[start + 6]])
    r7 = np.float64(values[rows[start + 7]])
    whole = n - n % 8
    i = 8
    while i < whole:
        r0 += np.float64(values[rows[start + i]])
        r1 += np.float64(values[rows[start + i + 1]])
        r2 += np.float64(values[rows[start + i + 2]])
        r3 += np.float64(values[rows[start + i + 3]])
        r4 += np.float64(values[rows[start + i + 4]])
        r5 += np.float64(values[rows[start + i + 5]])
        r6 += np.float64(values[rows[start + i + 6]])
        r7 += np.float64(values[rows[start + i + 7]])
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += np.float64(values[rows[start + i]])
        i += 1
    return res


SPLITS = 64
"""Deepest split of a pairwise sum (each halves the run: 64 covers any array length)."""


@numba.njit(cache=True, nogil=True)
def open_runs():
    """The stack `pairwise_gathered` walks its tree with: each open run's start, size and halves done (0:
    neither, 1: summing the first, 2: summing the second), and its first half's sum once known. Made once per
    kernel call, not per sum."""
    return np.empty((3, SPLITS), dtype=np.int64), np.empty(SPLITS)


@numba.njit(cache=True, nogil=True)
def pairwise_gathered(values, rows, start, n, runs, first_half) -> float:
    """numpy's `pairwise_sum` of values[rows[start:start + n]] (the array numpy would sum after the gather), each
    value as a float64. A run longer than PW_BLOCKSIZE is the sum of its two halves (the first a multiple of 8),
    first half first: numpy recurses; this walks the same tree with a stack of its open runs (`open_runs`;
    numba's cache cannot load a recursive function)."""
    run_start, run_size, halves_done = runs[0], runs[1], runs[2]
    top = 0
    run_start[0], run_size[0] = start, n
    while True:
        size = run_size[top]
        if size > PW_BLOCKSIZE:
            half = size // 2
            half -= half % 8
            halves_done[top] = 1
            top += 1
            run_start[top], run_size[top], halves_done[top] = run_start[top - 1], half, 0
            continue
        total = block_sum(values, rows, run_start[top], size)
        top -= 1
        while top >= 0 and halves_done[top] == 2:  # a second half done: its run's sum is first + second
            total = first_half[top] + total
            top -= 1
        if top < 0:
            return total
        first_half[top], halves_done[top] = total, 2  # a first half done: sum the second
        half = run_size[top] // 2
        half -= half % 8
        top += 1
        run_start[top], run_size[top], halves_done[top] = run_start[top - 1] + half, run_size[top - 1] - half, 0


@numba.njit(cache=True)
def pairwise_sum(values) -> float:
    """`np.add.reduce(values)` of a 1-D float64 array, bit for bit (the identity 0.0 plus numpy's pairwise sum)."""
    runs, first_half = open_runs()
    return 0.0 + pairwise_gathered(values, np.arange(len(values)), 0, len(values), runs, first_half)


@numba.njit(cache=True)
def group_means(values, members, starts, out) -> None:
    """out[metric, group] = np.add.reduce(values[metric][members of group]) / their number, for every array of
    the tuple `values` (per person: float64, or flags and counts, summed as float64: exact, as numpy's integer
    sums are) and every group, whose members are members[starts[g]:starts[g + 1]] (NaN for a group without)."""
    runs, first_half = open_runs()
    metric = 0
    for per_person in literal_unroll(values):
        for group in range(len(starts) - 1):
            start, size = starts[group], starts[group + 1] - starts[group]
            out[metric, group] = (0.0 + pairwise_gathered(per_person, members, start, size, runs, first_half)) / size if size else np.nan
        metric += 1


@numba.njit(cache=True, nogil=True)
def group_partials(values, members, leaves, out) -> None:
    """out[metric, leaf] = numpy's pairwise sum of values[metric][members[start:start + size]] for each leaf's
    (start, size) row of `leaves`: subtrees of a group's pairwise sum (`pairwise_tree`), each
    value as a float64, for every array of the tuple `values`."""
    runs, first_half = open_runs()
    metric = 0
    for per_person in literal_unroll(values):
        for leaf in range(len(leaves)):
            out[metric, leaf] = pairwise_gathered(per_person, members, leaves[leaf, 0], leaves[leaf, 1], runs,
                                                  first_half)
        metric += 1


def pairwise_tree(start: int, size: int, depth: int, leaves: list) -> int | tuple:
    """numpy's pairwise sum of the run start..start+size-1 cut `depth` levels down (runs of PW_BLOCKSIZE or
    fewer are not cut): a leaf's place in `leaves`, where its (start, size) is appended, or the (first half,
    second half) pair of subtrees."""
    if depth == 0 or size <= PW_BLOCKSIZE:
        leaves.append((start, size))
        return len(leaves) - 1
    half = size // 2
    half -= half % 8
    return (pairwise_tree(start, half, depth - 1, leaves),
            pairwise_tree(start + half, size - half, depth - 1, leaves))


def tree_sum(tree: int | tuple, sums: list[float]) -> float:
    """A `pairwise_tree`'s sum from its leaves' `sums`: each pair's first half plus its second, as numpy adds
    them (Python's float addition is the same IEEE double addition)."""
    if isinstance(tree, int):
        return sums[tree]
    return tree_sum(tree[0], sums) + tree_sum(tree[1], sums)


@numba.njit(cache=True)
def setting_counts(layer, whole, encounters, positive_source, positive_target, negative_source, negative_target,
                   out) -> None:
    """Add a contact block's week to `out` (3 x settings, int64): its encounters, positive and negative
    experiences (both sides), per tie's layer, or all in setting 0 when `whole` (public space, a programme).
    Whole-number sums: exact in any order, as the float bincount's they replace (model.py `tally_settings`)."""
    for tie in range(len(encounters)):
        setting = 0 if whole else layer[tie]
        out[0, setting] += encounters[tie]
        out[1, setting] += positive_source[tie] + positive_target[tie]
        out[2, setting] += negative_source[tie] + negative_target[tie]
