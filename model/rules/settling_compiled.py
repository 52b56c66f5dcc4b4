"""Compiled kernels of the settling rules (model/mechanisms/settling.py: `time_together` and
`people_rules.running_average` in `spend_time`; `move_house` and `cut_ties` in `change_housing`; model/kernels.py:
the switch), for the vectorised week.

Encounter counts are whole numbers, so their per-person float sums are exact in any order (the rule's float
bincounts give the same numbers); every other formula is the rule's, term by term in its order.

Blocked: every kernel takes a range start..end of residents (or of ties, for `cut`) and writes only those rows,
the GIL released, so a big city's go in blocks on the worker threads. A block of residents scans every tie and
adds the encounters of its own residents only (in tie order, as the whole pass); a resident's move draws its own
uniform, the block's stream started from the state advanced to its first resident (encounters_compiled.py
`advanced_words`); a tie's cut reads both ends' housing after every move. The same numbers whatever the blocks.
"""

import numba

from bridges.model import streams_compiled
from bridges.model.rules.encounters_compiled import advanced_words
from bridges.model.streams_compiled import lcg_step, to_double

BLOCKED = True
"""`add_encounters`, `average_time`, `move` and `cut` run over blocks of rows on the worker threads
(model/kernels.py)."""


@numba.njit(cache=True, nogil=True)
def add_encounters(source, target, encounters, total, start, end) -> None:
    """Add each tie's encounters this week to those of its ends among residents start..end-1, into `total`
    (their rows from 0; `time_together` for one block)."""
    for tie in range(len(encounters)):
        count = float(encounters[tie])
        if start <= source[tie] < end:
            total[source[tie] - start] += count
        if start <= target[tie] < end:
            total[target[tie] - start] += count


@numba.njit(cache=True, nogil=True)
def average_time(recent, total, weight, arrival_week, group, week, arriving, start, end) -> None:
    """`running_average(recent, total, weight)` in place for residents start..end-1 (`total` their rows from
    0), newcomers of this week (members of group `arriving` who arrived in `week`) starting from none."""
    for person in range(start, end):
        if arrival_week[person] == week and group[person] == arriving:
            recent[person] = 0.0
        else:
            recent[person] = (1.0 - weight) * recent[person] + weight * total[person - start]


@numba.njit(cache=True, nogil=True)
def move(shared_housing, arrival_week, group, arriving, words, week, newcomer_share, leave_rate, start, end) -> None:
    """`move_house` for the members of group `arriving` among residents start..end-1, in place; each resident's
    uniform the stream's in `words` advanced to `start` (one per resident, used by the arriving)."""
    high, low, increment_high, increment_low = words[0], words[1], words[2], words[3]
    for person in range(start, end):
        high, low = lcg_step(high, low, increment_high, increment_low)
        if group[person] != arriving:
            continue
        chance = to_double(high, low)
        if arrival_week[person] == week:
            shared_housing[person] = chance < newcomer_share
        else:
            shared_housing[person] = shared_housing[person] and chance >= leave_rate


@numba.njit(cache=True, nogil=True)
def cut(shared_housing, source, target, cut_kind, live, start, end) -> None:
    """`cut_ties` for the city's ties start..end-1, in place."""
    for tie in range(start, end):
        live[tie] = not (cut_kind[tie] and (shared_housing[source[tie]] or shared_housing[target[tie]]))
