"""Compiled kernels of model/rules/people.py (model/kernels.py: the switch): a week's livelihoods in two passes
over residents (`livelihoods_before_exp`, then `find_work` once numpy has taken the exponential) and wellbeing in
one (`wellbeing`), for the vectorised week (model/mechanisms/livelihoods.py, wellbeing.py).

Every formula is the rule's, term by term in its order. `power(base, count)` is looked up in a table of numpy's
`base ** 0..K` (`powers`), which holds the rule's numbers: numpy's vectorised power gives each exponent the same
number whatever the array's length (tests/test_kernels_fuse_c.py checks it on this machine), and the C library's
pow that numba would call does not always. A kernel that meets a count beyond its table returns that count
before writing anything; the caller grows the table and calls again. `clip_one` and `minimum_one` are numpy's
clip and minimum of one number.
"""

import numba
import numpy as np

from bridges.model.rules.norms_compiled import clip_one, minimum_one


@numba.njit(cache=True)
def _largest(counts) -> int:
    """The largest of whole-number counts (flags as 0/1), or 0 for none."""
    largest = 0
    for count in counts:
        if np.int64(count) > largest:
            largest = np.int64(count)
    return largest


@numba.njit(cache=True)
def _largest_sum(first, second) -> int:
    """The largest of first + second (whole-number counts), or 0 for none."""
    largest = 0
    for at in range(len(first)):
        if first[at] + second[at] > largest:
            largest = first[at] + second[at]
    return largest


@numba.njit(cache=True)
def livelihoods_before_exp(legal_pending, family_pending, language, studying, positive, negative, u_legal, u_family,
                           u_courses, legal_hazard, family_hazard, course_exit_hazard, course_powers, contact_powers,
                           language_weight, exponent) -> int:
    """`resolve_pending` (legal decisions, family reunification), `improve_language` and `resolve_pending`
    (courses) for every resident, in place, and the job-finding hazard's exponent language_weight (L' - 1) into
    `exponent`. Returns -1, or (before writing anything) a count its table of powers lacks."""
    most = max(_largest_sum(positive, negative), _largest(studying))
    if most >= len(contact_powers) or most >= len(course_powers):
        return most
    for person in range(len(language)):
        legal_pending[person] = legal_pending[person] and not (u_legal[person] < legal_hazard)
        family_pending[person] = family_pending[person] and not (u_family[person] < family_hazard)
        kept = course_powers[np.int64(studying[person])] * contact_powers[positive[person] + negative[person]]
        now = language[person] + (1.0 - language[person]) * (1.0 - kept)
        language[person] = now
        studying[person] = studying[person] and not (u_courses[person] < course_exit_hazard)
        exponent[person] = language_weight * (now - 1.0)
    return -1


@numba.njit(cache=True)
def find_work(employed, legal_pending, qualification_recognised, u_employment, growth, base_rate, pending_factor,
              unrecognised_factor, loss_rate) -> None:
    """`job_finding_hazard` from exp(language_weight (L' - 1)) (`growth`, numpy's exp) and `update_employment`
    for every resident, in place."""
    for person in range(len(employed)):
        hazard = base_rate * growth[person]
        hazard = (hazard * (pending_factor if legal_pending[person] else 1.0)
                  * (1.0 if qualification_recognised[person] else unrecognised_factor))
        hazard = minimum_one(hazard, 1.0)
        u = u_employment[person]
        employed[person] = u >= loss_rate if employed[person] else u < hazard


@numba.njit(cache=True)
def wellbeing(distress, belonging, group, legal_pending, family_pending, employed, positive, negative, legal_powers,
              family_powers, negative_powers, positive_powers, work_powers, distress_baseline, belonging_baseline,
              recovery, decay) -> int:
    """`update_distress` and `update_belonging` for every resident, in place (each baseline per group code).
    Returns -1, or (before writing anything) a count its tables of powers lack."""
    most = max(_largest(negative), _largest(positive), 1)
    if most >= min(len(negative_powers), len(positive_powers), len(legal_powers), len(family_powers),
                   len(work_powers)):
        return most
    for person in range(len(distress)):
        d, b = distress[person], belonging[person]
        kept = (legal_powers[np.int64(legal_pending[person])] * family_powers[np.int64(family_pending[person])]
                * negative_powers[negative[person]])
        distress[person] = clip_one(d + (1.0 - d) * (1.0 - kept) - recovery * (d - distress_baseline[group[person]]),
                                    0.0, 1.0)
        kept = positive_powers[positive[person]] * work_powers[np.int64(employed[person])]
        belonging[person] = clip_one(b + (1.0 - b) * (1.0 - kept) - decay * (b - belonging_baseline[group[person]]),
                                     0.0, 1.0)
    return -1
