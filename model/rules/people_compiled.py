"""Compiled kernels of model/rules/people.py (model/kernels.py: the switch): a week's livelihoods in two passes
over residents (`livelihoods_before_exp`, then `find_work` once numpy has taken the exponential) and wellbeing in
one (`wellbeing`), for the vectorised week (model/mechanisms/livelihoods.py, wellbeing.py).

Blocked (model/kernels.py): every kernel takes a range of residents start..end and writes only their rows, the
GIL released, so a big city's residents go in blocks on the worker threads. Each resident's numbers are its own
row's (no sums over residents); the draws are each resident's own uniform, the block's stream started from the
state advanced to its first resident (encounters_compiled.py `advanced_words`), and numpy's exp between the two
livelihood passes is elementwise: the same numbers whatever the blocks.

Every formula is the rule's, term by term in its order. `power(base, count)` is looked up in a table of numpy's
`base ** 0..K` (`powers`), which holds the rule's numbers: numpy's vectorised power gives each exponent the same
number whatever the array's length (tests/test_kernels_fuse_c.py checks it on this machine), and the C library's
pow that numba would call does not always. A kernel that meets a count beyond its table returns that count
before writing anything; the caller grows the table and calls again. `clip_one` and `minimum_one` are numpy's
clip and minimum of one number.
"""

import numba
import numpy as np

from bridges.model import streams_compiled
from bridges.model.rules.encounters_compiled import advanced_words
from bridges.model.rules.norms_compiled import clip_one, minimum_one
from bridges.model.streams_compiled import lcg_step, to_double

BLOCKED = True
"""The livelihood and wellbeing kernels run over blocks of residents on the worker threads (model/kernels.py)."""


@numba.njit(cache=True, nogil=True)
def _largest(counts) -> int:
    """The largest of whole-number counts (flags as 0/1), or 0 for none."""
    largest = 0
    for count in counts:
        if np.int64(count) > largest:
            largest = np.int64(count)
    return largest


@numba.njit(cache=True, nogil=True)
def _largest_sum(first, second) -> int:
    """The largest of first + second (whole-number counts), or 0 for none."""
    largest = 0
    for at in range(len(first)):
        if first[at] + second[at] > largest:
            largest = first[at] + second[at]
    return largest


@numba.njit(cache=True, nogil=True)
def _next_uniform(high, low, increment_high, increment_low):
    """The stream's state one draw on, and that draw's uniform (model/streams_compiled.py)."""
    high, low = lcg_step(high, low, increment_high, increment_low)
    return high, low, to_double(high, low)


@numba.njit(cache=True, nogil=True)
def livelihoods_before_exp(legal_pending, family_pending, language, studying, positive, negative, words_legal,
                           words_family, words_courses, legal_hazard, family_hazard, course_exit_hazard, course_powers,
                           contact_powers, language_weight, exponent, start, end) -> int:
    """`resolve_pending` (legal decisions, family reunification), `improve_language` and `resolve_pending`
    (courses) for residents start..end-1, in place, and the job-finding hazard's exponent language_weight (L' - 1)
    into `exponent`; each resident's uniforms from the streams in `words_legal`, `words_family`, `words_courses`
    advanced to `start`. Returns -1, or (before writing anything) a count its table of powers lacks."""
    return _livelihood_rows(legal_pending[start:end], family_pending[start:end], language[start:end],
                            studying[start:end], positive[start:end], negative[start:end], words_legal, words_family,
                            words_courses, legal_hazard, family_hazard, course_exit_hazard, course_powers,
                            contact_powers, language_weight, exponent[start:end])


@numba.njit(cache=True, nogil=True)
def _livelihood_rows(legal_pending, family_pending, language, studying, positive, negative, words_legal,
                     words_family, words_courses, legal_hazard, family_hazard, course_exit_hazard, course_powers,
                     contact_powers, language_weight, exponent) -> int:
    """`livelihoods_before_exp` over views of a block's rows (a loop over a whole array, which LLVM compiles
    tighter than one over a range of a bigger one: 2,000 residents' wellbeing, 9.5 against 12.8 us)."""
    most = max(_largest_sum(positive, negative), _largest(studying))
    if most >= len(contact_powers) or most >= len(course_powers):
        return most
    legal_high, legal_low, legal_increment_high, legal_increment_low = (words_legal[0], words_legal[1],
                                                                        words_legal[2], words_legal[3])
    family_high, family_low, family_increment_high, family_increment_low = (words_family[0], words_family[1],
                                                                            words_family[2], words_family[3])
    courses_high, courses_low, courses_increment_high, courses_increment_low = (words_courses[0], words_courses[1],
                                                                                words_courses[2], words_courses[3])
    for person in range(len(language)):
        legal_high, legal_low, u_legal = _next_uniform(legal_high, legal_low, legal_increment_high,
                                                       legal_increment_low)
        family_high, family_low, u_family = _next_uniform(family_high, family_low, family_increment_high,
                                                          family_increment_low)
        courses_high, courses_low, u_courses = _next_uniform(courses_high, courses_low, courses_increment_high,
                                                             courses_increment_low)
        legal_pending[person] = legal_pending[person] and not (u_legal < legal_hazard)
        family_pending[person] = family_pending[person] and not (u_family < family_hazard)
        kept = course_powers[np.int64(studying[person])] * contact_powers[positive[person] + negative[person]]
        now = language[person] + (1.0 - language[person]) * (1.0 - kept)
        language[person] = now
        studying[person] = studying[person] and not (u_courses < course_exit_hazard)
        exponent[person] = language_weight * (now - 1.0)
    return -1


@numba.njit(cache=True, nogil=True)
def find_work(employed, legal_pending, qualification_recognised, words_employment, growth, base_rate, pending_factor,
              unrecognised_factor, loss_rate, start, end) -> None:
    """`job_finding_hazard` from exp(language_weight (L' - 1)) (`growth`, numpy's exp) and `update_employment`
    for residents start..end-1, in place; their uniforms from the stream in `words_employment` advanced to
    `start`."""
    _find_work_rows(employed[start:end], legal_pending[start:end], qualification_recognised[start:end],
                    words_employment, growth[start:end], base_rate, pending_factor, unrecognised_factor, loss_rate)


@numba.njit(cache=True, nogil=True)
def _find_work_rows(employed, legal_pending, qualification_recognised, words_employment, growth, base_rate,
                    pending_factor, unrecognised_factor, loss_rate) -> None:
    """`find_work` over views of a block's rows (as `_livelihood_rows`)."""
    high, low, increment_high, increment_low = (words_employment[0], words_employment[1], words_employment[2],
                                                words_employment[3])
    for person in range(len(employed)):
        high, low, u = _next_uniform(high, low, increment_high, increment_low)
        hazard = base_rate * growth[person]
        hazard = (hazard * (pending_factor if legal_pending[person] else 1.0)
                  * (1.0 if qualification_recognised[person] else unrecognised_factor))
        hazard = minimum_one(hazard, 1.0)
        employed[person] = u >= loss_rate if employed[person] else u < hazard


@numba.njit(cache=True, nogil=True)
def wellbeing(distress, belonging, group, legal_pending, family_pending, employed, positive, negative, legal_powers,
              family_powers, negative_powers, positive_powers, work_powers, distress_baseline, belonging_baseline,
              recovery, decay, start, end) -> int:
    """`update_distress` and `update_belonging` for residents start..end-1, in place (each baseline per group
    code). Returns -1, or (before writing anything) a count its tables of powers lack."""
    return _wellbeing_rows(distress[start:end], belonging[start:end], group[start:end], legal_pending[start:end],
                           family_pending[start:end], employed[start:end], positive[start:end], negative[start:end],
                           legal_powers, family_powers, negative_powers, positive_powers, work_powers,
                           distress_baseline, belonging_baseline, recovery, decay)


@numba.njit(cache=True, nogil=True)
def _wellbeing_rows(distress, belonging, group, legal_pending, family_pending, employed, positive, negative,
                    legal_powers, family_powers, negative_powers, positive_powers, work_powers, distress_baseline,
                    belonging_baseline, recovery, decay) -> int:
    """`wellbeing` over views of a block's rows (as `_livelihood_rows`)."""
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
