"""Compiled kernels of `remember_partners`' rules (model/kernels.py: the switch): variability.py `new_partners`
and `perceived_variability`, negativity.py `remember_positive`, and the ties' meetings so far, for the vectorised
week (model/mechanisms/partners.py). Counts of partners are whole numbers (any order gives the same sum); every
formula is the rule's, term by term in its order, so the numbers are the same bit for bit.

The kernels release the GIL and run over blocks on the worker threads (model/threads.py): `remember_partners`
over ranges of people (each range scans every tie and counts only its people's new partners, so no two threads
write one person), `remember_meetings` over ranges of ties.
"""

import numba

BLOCKED = True
"""The partners' phases run these kernels over blocks on the worker threads at every size (model/kernels.py)."""


@numba.njit(cache=True, nogil=True)
def count_new_partners(met, encounters, source, target, distinct_partners, first, last) -> None:
    """Add to the distinct partners of the people first..last-1 the ties met for the first time this week
    (`new_partners`); every range scans every tie, so ranges of people on different threads never write the
    same person."""
    for tie in range(len(met)):
        if met[tie] == 0 and encounters[tie] > 0:
            if first <= source[tie] < last:
                distinct_partners[source[tie]] += 1
            if first <= target[tie] < last:
                distinct_partners[target[tie]] += 1


@numba.njit(cache=True, nogil=True)
def remember_people(positive_history, positive, memory, variability_on, group, distinct_partners, baseline_by_group,
                    half_partners, variability) -> None:
    """Each person's running average of positive encounters (`remember_positive`) and, with `variability_on`,
    their perceived outgroup variability from their group's baseline and distinct partners
    (`perceived_variability`), in place."""
    for person in range(len(positive_history)):
        positive_history[person] = (1.0 - memory) * positive_history[person] + memory * positive[person]
        if variability_on:
            baseline = baseline_by_group[group[person]]
            variability[person] = (baseline + (1.0 - baseline) * distinct_partners[person]
                                   / (distinct_partners[person] + half_partners))


@numba.njit(cache=True, nogil=True)
def add_meetings(met, encounters) -> None:
    """Each tie's meetings so far, in place (`remember_meetings`): met += encounters."""
    for tie in range(len(met)):
        met[tie] += encounters[tie]
