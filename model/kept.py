"""What this process keeps from one run for the next run of the same city and seed (a comparison's arms, a
sweep's points, a design search's candidates, calibration draws on one seed, repeats): each a bounded table,
least recently used first out, of results that are a pure function of their key, so a run that finds its key
computes nothing and produces the same bytes.

    generated cities (model.py make_city), exact Beta quantiles (state.py exact_quantiles), seeded generator
    states (streams.py), spin-ups (reference.py: a site's reference world, a run's own contact history)

`forget()` empties them all (tests, a benchmark's first run); a forked process starts with them empty, since
mutation testing (mutmut) forks its workers from one warmed-up process and a kept result of the unmutated
code would hide a mutant.
"""

import os
from collections import OrderedDict

_tables: list[OrderedDict] = []


def table() -> OrderedDict:
    """A new kept table (emptied by `forget`)."""
    kept = OrderedDict()
    _tables.append(kept)
    return kept


def find(kept: OrderedDict, key):
    """The value kept under `key` (now the most recently used), or None (also when another thread drops it
    meanwhile: worker threads draw random numbers)."""
    if key is None:
        return None
    try:
        kept.move_to_end(key)
        return kept[key]
    except KeyError:
        return None


def keep(kept: OrderedDict, key, value, slots: int):
    """Keep `value` under `key` (None: not kept), dropping the least recently used beyond `slots`; returns it."""
    if key is not None:
        kept[key] = value
        while len(kept) > slots:
            kept.popitem(last=False)
    return value


def forget() -> None:
    """Empty every kept table."""
    for kept in _tables:
        kept.clear()


os.register_at_fork(after_in_child=forget)
