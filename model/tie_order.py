"""The order of a generated city's ties (model/city.py `ContactNetwork.from_layers`): the order a networkx
MultiGraph built layer by layer reports them in, which every per-tie random stream follows, from flat sorts of
packed integer keys, in blocks of sources on the threads for a big city."""

import numpy as np

from bridges.model.threads import Threads

RESIDENT_ID = np.int32
"""Dtype of a generated city's tie ends (resident ids; `city.n_agents` is at most MAX_AGENTS): half the bytes of
int64 over ten million ties at a million residents."""

TIE_BLOCK = 262_144
"""Most ties in one block of a pass over a big city's ties (`place_ties`, `choose_friends`, the tie order, the tie
mixing): a block's int64 and float64 temporaries are 2 MB, which glibc's heap hands out again block after block,
where a pass over all ten million ties at a million residents took fresh pages for every temporary, each zeroed
and backed again by the host (~1-1.5 ms of system time per MB here). Assumption, measured at 1M on the 2-core
machine here (s25), these passes and the initial state's in blocks together: the world (before the history
weeks) 72-80k -> 56-66k minor faults, 0.5-4.0 -> 0.2-0.3 s of system time, peak 929-951 -> 696-716 MiB."""


def multigraph_order(layer_pairs: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source, target (RESIDENT_ID) and layer code of every tie, in the order a networkx MultiGraph reports them.

    The order is that of a MultiGraph built layer by layer from each layer's sorted pairs (how the city
    was once built, and what every per-tie random stream follows): by source; then by when the
    neighbour first joined the source's adjacency (the first layer holding the pair, then the target);
    then by layer. Each key packs into one int64, so two flat sorts replace the graph round trip.
    """
    n_layers = max(len(layer_pairs), 1)
    code = np.empty(sum(len(pairs) for pairs in layer_pairs), dtype=np.int64)  # (source * n + target) * L + layer
    end = 0
    for layer, pairs in enumerate(layer_pairs):
        part = code[end:end + len(pairs)]
        np.multiply(pairs[:, 0], n, out=part, dtype=np.int64)
        part += pairs[:, 1]
        part *= n_layers
        part += layer
        end += len(pairs)
    code.sort(kind="stable")  # by pair, then layer. Each layer's pairs are sorted already: timsort merges the
    # runs (about a tenth of quicksort's time at a million residents; a sort of integers has one result)
    key = np.remainder(code, n_layers)  # a work array of the ties' length, then the second sort's key
    first_layer = key.astype(np.int16)  # each tie's layer, then the first layer holding its pair
    np.floor_divide(code, n_layers, out=key)  # the pair: source * n + target
    repeated = np.flatnonzero(key[1:] == key[:-1]) + 1  # ties whose pair the tie before holds too (a few)
    for _ in range(n_layers - 1):  # a pair's layers are consecutive and ascending: carry its first one along
        first_layer[repeated] = first_layer[repeated - 1]
    del repeated
    key //= n  # the source
    # key = ((source * L + first_layer) * n + target) * L + layer = code + (source * (L - 1) + first_layer) * n * L
    key *= n_layers - 1
    key += first_layer
    del first_layer
    key *= n * n_layers
    key += code
    del code
    key.sort(kind="stable")  # each source's ties are in runs already (as above)
    part = np.empty_like(key)  # every division in place: ~4 arrays of the ties' length fewer than divmod's results
    np.divmod(key, n_layers, out=(key, part))
    layer = part.astype(np.int16)
    np.divmod(key, n, out=(key, part))
    target = part.astype(RESIDENT_ID)
    del part
    key //= n_layers
    return key.astype(RESIDENT_ID), target, layer


def multigraph_order_by_sources(layer_pairs: list[np.ndarray], n: int,
                                threads: Threads) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`multigraph_order` of layers whose pairs are sorted (i < j, by i then j, as `unique_pairs` gives them),
    in blocks of sources on the threads: the order sorts by source first, and a pair's layers share its
    source, so each block of sources is ordered on its own and the blocks follow one another (integers: the
    same arrays). The blocks split the largest layer's ties evenly (a low id is the source of more ties), into
    about TIE_BLOCK ties each, and each writes its ties into its place in the three arrays: a block's work
    arrays are 2 MB each, which the heap hands out again, where two halves of ten million ties took a hundred
    MB of fresh pages each, and the halves' concatenation as much again (1M: blocks of 2**20 ties, 8 MB work
    arrays, still cost 0.26-0.55 s of system time against 0.02-0.04 s)."""
    total = sum(len(pairs) for pairs in layer_pairs)
    parts = len(threads.blocks(total, TIE_BLOCK))
    largest = max(layer_pairs, key=len, default=np.empty((0, 2), dtype=RESIDENT_ID))
    if parts == 1 or len(largest) < parts:
        return multigraph_order(layer_pairs, n)
    edges = [0, *(int(largest[len(largest) * k // parts, 0]) for k in range(1, parts)), n]
    bounds = [np.searchsorted(pairs[:, 0], edges) for pairs in layer_pairs]
    first = np.cumsum([0, *(sum(int(at[k + 1] - at[k]) for at in bounds) for k in range(parts))])  # block starts
    source, target = np.empty(total, dtype=RESIDENT_ID), np.empty(total, dtype=RESIDENT_ID)
    layer = np.empty(total, dtype=np.int16)

    def block(index: int) -> None:
        ordered = multigraph_order([pairs[at[index]:at[index + 1]] for pairs, at in zip(layer_pairs, bounds)], n)
        for column, values in zip((source, target, layer), ordered):
            column[first[index]:first[index + 1]] = values

    threads.map(block, range(parts))
    return source, target, layer
