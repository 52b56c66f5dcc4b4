"""Compiled kernels of the settling rules (model/mechanisms/settling.py: `time_together` and
`people_rules.running_average` in `spend_time`; `move_house` and `cut_ties` in `change_housing`; model/kernels.py:
the switch), for the vectorised week.

Encounter counts are whole numbers, so their per-person float sums are exact in any order (the rule's float
bincounts give the same numbers); every other formula is the rule's, term by term in its order.
"""

import numba


@numba.njit(cache=True)
def add_encounters(source, target, encounters, total) -> None:
    """Add each tie's encounters this week to both its ends' `total` (`time_together` for one block)."""
    for tie in range(len(encounters)):
        count = float(encounters[tie])
        total[source[tie]] += count
        total[target[tie]] += count


@numba.njit(cache=True)
def average_time(recent, total, weight, arrival_week, group, week, arriving) -> None:
    """`running_average(recent, total, weight)` in place, newcomers of this week (members of group `arriving`
    who arrived in `week`) starting from none."""
    for person in range(len(recent)):
        if arrival_week[person] == week and group[person] == arriving:
            recent[person] = 0.0
        else:
            recent[person] = (1.0 - weight) * recent[person] + weight * total[person]


@numba.njit(cache=True)
def move_and_cut(shared_housing, arrival_week, arriving, u, week, newcomer_share, leave_rate, source, target,
                 cut_kind, live) -> None:
    """`move_house` for the arriving members (`arriving`, rows; `u` one uniform per resident), then `cut_ties`
    for every tie of the city, in place."""
    for person in arriving:
        chance = u[person]
        if arrival_week[person] == week:
            shared_housing[person] = chance < newcomer_share
        else:
            shared_housing[person] = shared_housing[person] and chance >= leave_rate
    for tie in range(len(live)):
        live[tie] = not (cut_kind[tie] and (shared_housing[source[tie]] or shared_housing[target[tie]]))
