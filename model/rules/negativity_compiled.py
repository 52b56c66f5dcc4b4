"""Compiled kernels of model/rules/negativity.py (model/kernels.py: the switch): attitude, anxiety and trust of
every resident after the week's contact on the log-odds (`log_odds_views`, `buffered_weight`,
`log_odds_update`) for the vectorised week (model/mechanisms/attitudes.py).

log and exp stay in numpy (its vectorised versions and the C library's may differ in the last bit), so the rule
runs in three passes over the people with contact this week: the odds x / (1 - x) of each view's position
(`odds`), then, from numpy's log of them, each view's -logit after the week's contact (`exponents`), then, from
numpy's exp of those, the views (`views`). Every formula is the rule's, term by term in its order; `clip_one` is
numpy's clip. Every number is a resident's own, so the passes run over any range of residents: a big city's
over the phase's row blocks on the worker threads.
"""

import numba
import numpy as np

from bridges.model.rules.negativity import EDGE
from bridges.model.rules.norms_compiled import clip_one

BLOCKED = True
"""Its kernels run over the row ranges the phase's row blocks give them (`Rows.blocks`), the GIL released, on
the worker threads (model/kernels.py)."""


@numba.njit(cache=True)
def position(value, good_end, bad_end) -> float:
    """A view's position on its scale, x = (value - bad) / (good - bad), held EDGE from its ends."""
    return clip_one((value - bad_end) / (good_end - bad_end), EDGE, 1.0 - EDGE)


@numba.njit(cache=True, nogil=True)
def odds(attitude, anxiety, trust, positive, negative, top, start, end) -> tuple:
    """The people among start..end with contact this week (positive or negative not 0), and each view's odds
    x / (1 - x) for them (rows: attitude toward `top`, anxiety toward 0, trust toward 1)."""
    moving = np.empty(end - start, dtype=np.int64)
    count = 0
    mine_positive, mine_negative = positive[start:end], negative[start:end]
    for row in range(len(moving)):
        if mine_positive[row] != 0 or mine_negative[row] != 0:
            moving[count] = start + row
            count += 1
    ratios = np.empty((3, count))
    for at in range(count):
        person = moving[at]
        x = position(attitude[person], top, 0.0)
        ratios[0, at] = x / (1.0 - x)
        x = position(anxiety[person], 0.0, 1.0)
        ratios[1, at] = x / (1.0 - x)
        x = position(trust[person], 1.0, 0.0)
        ratios[2, at] = x / (1.0 - x)
    return moving[:count], ratios


@numba.njit(cache=True, nogil=True)
def exponents(logs, moving, positive, negative, positive_history, group, susceptibility, attitude_step, anxiety_step,
              trust_step, negativity_weight, buffer_half) -> None:
    """Each view's -logit' = -(log odds + 2 s (P - k N)) in place of its log odds: s the view's step times the
    person's susceptibility, k the negativity weight buffered by recent positive contact (`buffered_weight`)."""
    excess = negativity_weight - 1.0
    for at in range(len(moving)):
        person = moving[at]
        weight = 1.0 + excess / (1.0 + positive_history[person] / buffer_half)
        balance = positive[person] - weight * negative[person]
        scale = susceptibility[group[person]]
        logs[0, at] = -(logs[0, at] + 2.0 * (attitude_step * scale) * balance)
        logs[1, at] = -(logs[1, at] + 2.0 * (anxiety_step * scale) * balance)
        logs[2, at] = -(logs[2, at] + 2.0 * (trust_step * scale) * balance)


@numba.njit(cache=True, nogil=True)
def views(powers, moving, attitude, anxiety, trust, top) -> None:
    """Each moving person's views from exp(-logit') (`powers`): bad + (good - bad) / (1 + exp(-logit'))."""
    for at in range(len(moving)):
        person = moving[at]
        attitude[person] = 0.0 + (top - 0.0) / (1.0 + powers[0, at])
        anxiety[person] = 1.0 + (0.0 - 1.0) / (1.0 + powers[1, at])
        trust[person] = 0.0 + (1.0 - 0.0) / (1.0 + powers[2, at])


def update(state, positive: np.ndarray, negative: np.ndarray, susceptibility: tuple, u, n, top: float, start: int,
           end: int) -> None:
    """The residents start..end's views after the week's `positive` and `negative` contact on the log-odds (the
    mechanism's `update_attitudes` over a range of rows, negativity on): `susceptibility` per group code, `u`
    UpdateParams, `n` NegativityParams."""
    moving, ratios = odds(state.attitude, state.anxiety, state.trust, positive, negative, top, start, end)
    logs = np.log(ratios)
    exponents(logs, moving, positive, negative, state.positive_history, state.group, susceptibility, u.attitude_step,
              u.anxiety_step, u.trust_step, u.negativity_weight, n.buffer_half)
    views(np.exp(logs), moving, state.attitude, state.anxiety, state.trust, top)
