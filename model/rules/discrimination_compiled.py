"""Compiled kernel of model/rules/partner.py's experienced discrimination (model/kernels.py: the switch):
`update_discrimination` for arriving members and `discrimination_toll` for everyone in one pass over residents,
for the vectorised week (model/mechanisms/discrimination.py `feel_discrimination`).

Every formula is the rule's, term by term in its order; (1 - gain) ** N is looked up in numpy's table of powers
(rules/people.py `powers`: numpy's vectorised power gives each whole-number exponent the same number in any
array), and `clip_one` is numpy's clip of one number. A count beyond the table returns before anything is
written; the caller grows the table and calls again.

Blocked: each resident's numbers are its own row's, so a big city's residents go in blocks on the worker threads
(the GIL released), each block checking and growing its own table: the same numbers whatever the blocks.
"""

import numba

from bridges.model.rules.norms_compiled import clip_one


BLOCKED = True
"""`feel_all` runs over blocks of residents on the worker threads (model/kernels.py)."""


@numba.njit(cache=True, nogil=True)
def feel_all(discrimination, distress, belonging, group, negative, arriving, gain_powers, decay, distress_rise,
             belonging_loss, start, end) -> int:
    """Discrimination of the members of group `arriving` among residents start..end-1 from their negative
    encounters, then its toll on those residents' distress and belonging, in place. Returns -1, or (before
    writing) a count its table lacks."""
    return _feel_rows(discrimination[start:end], distress[start:end], belonging[start:end], group[start:end],
                      negative[start:end], arriving, gain_powers, decay, distress_rise, belonging_loss)


@numba.njit(cache=True, nogil=True)
def _feel_rows(discrimination, distress, belonging, group, negative, arriving, gain_powers, decay, distress_rise,
               belonging_loss) -> int:
    """`feel_all` over views of a block's rows (a loop over a whole array, which LLVM compiles tighter than one
    over a range of a bigger one; people_compiled.py `_livelihood_rows`)."""
    for person in range(len(group)):
        if group[person] == arriving and negative[person] >= len(gain_powers):
            return negative[person]
    for person in range(len(group)):
        felt = discrimination[person]
        if group[person] == arriving:
            rise = (1.0 - gain_powers[negative[person]]) * (1.0 - felt)
            felt = clip_one(felt + rise - decay * felt, 0.0, 1.0)
            discrimination[person] = felt
        d, b = distress[person], belonging[person]
        distress[person] = d + distress_rise * felt * (1.0 - d)
        belonging[person] = b - belonging_loss * felt * b
    return -1
