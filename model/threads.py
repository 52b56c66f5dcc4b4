"""The run's worker threads (`run.threads`): large array work split over the cores with results identical
to one thread.

numpy's and scipy's loops over large arrays release the GIL, so threads over contiguous blocks of
residents, ties or opportunities use both cores of a big city. Every use splits work whose result does not
depend on the split: elementwise rules, rows of a sparse product and random draws, which each block takes
from its own place in the one stream (`Streams.uniform` advances the bit generator to the block's first
draw). So one thread and many give byte-identical runs, and a small array is simply not split (below
`SPLIT_FROM` the threads' hand-over costs more than it saves).

One pool per model, started on first use and shut down when construction or `simulate` ends (a model
stepped on afterwards starts it again); worker threads do not receive signals, so Ctrl-C reaches the run's
main thread as usual.
"""

import ctypes
import ctypes.util
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
from scipy import sparse
from scipy.sparse import _sparsetools  # the CSR product loop `matrix @ vector` runs (RowRange)

from bridges.model.resources import available_cores

SPLIT_FROM = 250_000
"""Smallest array (elements) split over the threads: a block's hand-over costs tens of microseconds, which
pays only over a few hundred thousand elements (assumption, measured on 2 cores at 100k-1M residents)."""

ROW_BLOCK = 65_536
"""Most residents in one block of a step run in row blocks (`Threads.row_blocks`): a block's float64 arrays
(512 KB each) stay in a core's 2 MB L2 cache through a rule's chain of elementwise operations, where a
million-resident array (8 MB) goes to memory and back at every operation. Measured at 1M on the 2-core AMD
EPYC here (load ~10): 16,384 cost more CPU (more blocks, each with its own calls), 65,536 and 262,144 were
level within the load's noise (benchmarks/README.md, "A million residents' weeks on both cores")."""

_worker = threading.local()
"""`_worker.busy` is True in a worker thread while it runs a block: a map from inside a block runs in that
thread (the pool's threads are all busy with the outer map, so handing work to them could wait forever)."""


class Threads:
    """`count` worker threads (None: the cores this process may use) that map functions over blocks."""

    def __init__(self, count: int | None = None):
        self.count = available_cores() if count is None else max(1, int(count))
        self._pool: ThreadPoolExecutor | None = None

    def map(self, function: Callable, items: Sequence, size: int | None = None) -> list:
        """`[function(item) for item in items]`, the items run on the threads when there are several of both
        (and each handles `size` elements, if given, of at least SPLIT_FROM)."""
        if self.count == 1 or len(items) < 2 or (size is not None and size < SPLIT_FROM) or in_block():
            return [function(item) for item in items]
        if self._pool is None:
            one_heap()
            self._pool = ThreadPoolExecutor(self.count, thread_name_prefix="bridges-threads")

        def in_worker(item):
            _worker.busy = True
            try:
                return function(item)
            finally:
                _worker.busy = False

        return list(self._pool.map(in_worker, items))

    def blocks(self, size: int, most: int | None = None) -> list[tuple[int, int]]:
        """[start, end) ranges covering 0..size: one per thread from SPLIT_FROM elements up, else one; more
        (a multiple of the threads) where a block would exceed `most` elements."""
        parts = min(self.count, size) if size >= SPLIT_FROM else 1
        if most is not None and size > parts * most:
            parts *= -(-size // (parts * most))
        edges = [size * k // parts for k in range(parts + 1)]
        return list(zip(edges[:-1], edges[1:]))

    def over_blocks(self, function: Callable[[int, int], np.ndarray | tuple], size: int,
                    most: int | None = None) -> np.ndarray | tuple:
        """`function(start, end)` over the blocks of 0..size (`blocks`), concatenated in block order (a function
        that returns a tuple of arrays: each concatenated)."""
        parts = self.map(lambda block: function(*block), self.blocks(size, most))
        if len(parts) == 1:
            return parts[0]
        if isinstance(parts[0], tuple):
            return tuple(np.concatenate(column) for column in zip(*parts))
        return np.concatenate(parts)

    def each_block(self, function: Callable[[int, int], None], size: int, most: int | None = None) -> None:
        """`function(start, end)` over the blocks of 0..size (`blocks`), for a function that writes its rows'
        results in place (a compiled kernel over a range of rows that releases the GIL, model/kernels.py). A pass
        that is one block (`one_block`) is called directly, without the hand-over's 1.5-2.5 us (measured), which a
        small city's week would pay in tens of calls and calibration's thousands of runs in every one."""
        if one_block(size, most):
            function(0, size)
        else:
            self.map(lambda block: function(*block), self.blocks(size, most))

    def row_blocks(self, step: Callable[[slice], None], size: int) -> None:
        """`step(rows)` for every row of 0..size: `step(slice(None))` once below SPLIT_FROM rows, else over row
        blocks of at most ROW_BLOCK on the threads. For a step that writes each row's results in place from
        elementwise rules (and rows of sparse products) without random draws: the same numbers whatever the
        blocks, and each block's temporaries stay in the cache."""
        if size < SPLIT_FROM:
            step(slice(None))
            return
        self.map(lambda block: step(slice(*block)), self.blocks(size, ROW_BLOCK))

    def matvec(self, matrix: "sparse.csr_matrix | RowRange", vector: np.ndarray) -> np.ndarray:
        """`matrix @ vector`, rows in blocks: each row's sum adds the same terms in the same order."""
        if isinstance(matrix, RowRange) or len(self.blocks(matrix.nnz)) == 1 or in_block():
            return matrix @ vector
        return self.over_blocks(lambda start, end: RowRange(matrix, start, end) @ vector, matrix.shape[0])

    def rows(self, matrix: sparse.csr_matrix) -> "BlockedRows":
        """`matrix` for a rule's `matrix @ vector`, the product taken in row blocks (`matvec`)."""
        return BlockedRows(matrix, self)

    def close(self) -> None:
        """Shut the pool down (waits for running blocks); the next `map` starts a new one."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class BlockedRows:
    """A CSR matrix whose `@ vector` runs in row blocks on the threads: a pure rule written as
    `friends @ value` takes it unchanged."""

    def __init__(self, matrix: sparse.csr_matrix, threads: Threads):
        self.matrix, self.threads = matrix, threads

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return self.threads.matvec(self.matrix, vector)


def in_block() -> bool:
    """Whether this thread is a worker running a block of a map (`Threads.map`)."""
    return getattr(_worker, "busy", False)


class RowRange:
    """Rows start..end of a CSR matrix for `rows @ vector`, computed by scipy's own CSR product loop (the one
    `matrix @ vector` runs) over those rows, so each row adds the same terms in the same order as the whole
    product. Nothing is copied: `matrix[start:end]` copies the rows' entries, and even a CSR matrix over
    slices of them costs about 0.5 ms to build (scipy's checks), more than the product of a 65,536-row block."""

    def __init__(self, matrix: sparse.csr_matrix, start: int, end: int):
        self.matrix, self.start, self.end = matrix, start, end

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        matrix, start, end = self.matrix, self.start, self.end
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        if (vector.ndim != 1 or vector.dtype != data.dtype or indices.dtype != indptr.dtype
                or not vector.flags.c_contiguous):  # not the loop's types: a CSR matrix over the rows' entries
            first, last = indptr[start], indptr[end]
            return sparse.csr_matrix((data[first:last], indices[first:last], indptr[start:end + 1] - first),
                                     shape=(end - start, matrix.shape[1])) @ vector
        result = np.zeros(end - start, dtype=data.dtype)  # the loop adds each row's terms to its entry here
        _sparsetools.csr_matvec(end - start, matrix.shape[1], indptr[start:end + 1], indices, data, vector, result)
        return result


@cache
def _libc_function(name: str):
    """A function of glibc's malloc, or None where the C library has none (macOS, musl)."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c")), name)
    except (OSError, AttributeError, TypeError):
        return None


M_ARENA_MAX = -8
"""glibc's mallopt parameter: the most heaps (arenas) threads allocate from."""


@cache
def one_block(size: int, most: int | None = None) -> bool:
    """Whether a pass of `size` rows is one block on any threads (`Threads.blocks`: below SPLIT_FROM and `most`)."""
    return size < SPLIT_FROM and (most is None or size <= most)


def one_heap() -> None:
    """Every thread of the process allocates from one heap from now on, set just before the run's first pool
    of worker threads starts (only a big city starts one; glibc makes a thread's own heap when it first
    allocates). By default glibc gives each thread its own, so a block's temporaries freed in a worker stayed
    resident in its heap beside the main one's (1M residents x 4 weeks through run.py: peak 1,450 MB,
    1,337 MB with one heap, the same CPU time: numpy allocates with the GIL held, so threads hardly ever wait
    on the heap's lock). Not set at import: a program that imports the model and never runs a big city keeps
    glibc's default."""
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)


def release_free_memory(n_residents: int) -> None:
    """Hand the heap's free pages back to the system (glibc `malloc_trim`) after each week of a big city (the
    history weeks too), its construction and its run. numpy's per-resident arrays (8 MB at a million) come from
    the heap, and the pages of freed temporaries stayed resident: the heap grew week after week and the output
    tables came on top (1M residents x 4 weeks through run.py: peak 1,547 MB without, 1,450 MB after the run
    only; in process, 13 history weeks + 4: 1,445 MB after the run only, 1,298-1,313 MB after every week).
    Nothing to do below SPLIT_FROM residents."""
    trim = _libc_function("malloc_trim") if n_residents >= SPLIT_FROM else None
    if trim is not None:
        trim(0)


SERIAL = Threads(1)
"""No worker threads: what a caller without a model's pool uses."""
