"""Compiled kernels of the contact phases' rules (model/kernels.py: the switch): `meet`'s encounter rates
(contact.py `live_rate`, `willingness`, `encounter_rate`; selection.py `chosen_rate`; friendship.py
`meeting_factor`), `judge_quality`'s score and logistic, `judge_valence`'s chance of a positive experience
(`positive_probability`, partner.py `partner_shift`, `spare_negative`) and its binomial split, and
`tally_contacts`' per-person sums (`tally`, friendship.py `contact_weight`, generalisation.py
`generalisation_weight`, people.py `running_average`), for the vectorised week (model/mechanisms/contact.py).

Every formula is the rule's, term by term in its order, so the numbers are the same bit for bit. exp, log and
pow stay in numpy between the kernels (numpy's vectorised versions and the C library's may differ in the last
bit), on the arrays the rules compute them on (elementwise loops: an entry's result does not depend on where it
sits in the array); so does the matrix product of the Allport conditions (BLAS adds the four terms in its own
order). The uniforms come from the stream's kept state stepped in the kernel (model/streams_compiled.py: the
doubles `Streams.uniform` draws). A person's sum adds the same terms in the same order as `np.bincount` (ties in
index order from 0.0) and then adds it to the running total, as the phase does.

Every kernel releases the GIL and the phases run them over blocks on the worker threads (model/contact_kernels.py;
one block below threads.SPLIT_FROM entries), with the same numbers whatever the blocks: `meet`, `judge_quality`
and (on a big city) `judge_valence` over ranges of a block's ties, each taking the range's slices or the range,
with the block's streams advanced to the range's first tie (`Streams.seeded_words` with `start`); numpy's exp,
log, pow and the conditions' product on a range's own arrays (an entry's result does not depend on where it sits:
tests/test_kernels_fuse_a.py, test_kernels_blocked_blk_a.py). `tally_contacts` over ranges of people: each range
scans every tie and adds only its people's, so each person's sums keep their tie order.
"""

import numba
import numpy as np

from bridges.model import streams_compiled
from bridges.model.rules.norms_compiled import clip_one, minimum_one
from bridges.model.sampling_compiled import binomial_one, poisson_one
from bridges.model.streams_compiled import lcg_step, to_double

BLOCKED = True
"""The contact phases run these kernels over blocks on the worker threads at every size (model/kernels.py: `auto`
runs them on a big city's passes too)."""


@numba.njit(cache=True, nogil=True)
def choice_exponents(attitude, trust, leverage, attitude_weight, trust_weight, top, out) -> None:
    """Per person, the exponent of selection.py `choice_factor` (numpy takes its exp)."""
    for person in range(len(attitude)):
        out[person] = leverage[person] * (attitude_weight * (attitude[person] / top - 0.5)
                                          + trust_weight * (trust[person] - 0.5))


@numba.njit(cache=True, nogil=True)
def tie_rates(rate, live, needs_employment, source, target, employed, voluntary, anxiety, distress, responsibility,
              willingness, settling, sociability, friend, friend_multiplier, selection, chosen, every_tie_chosen,
              choice, out_rate, out_negated, first, last) -> None:
    """Each tie's expected encounters this week (contact.py `tie_encounters`: `live_rate`; on a voluntary block
    both people's `willingness`, times their sociability with settling on, `encounter_rate` with the friendship
    `meeting_factor`, and with selection on `chosen_rate` by the people's choice factors `choice`), into
    `out_rate`, and its negation into `out_negated` (numpy's exp of it is the Poisson's first term), for the ties
    first..last-1 (entry 0 of the outputs is tie `first`). `willingness` holds (anxiety, distress, responsibility,
    floor) weights; `chosen` the chosen ties unless `every_tie_chosen`."""
    w_anxiety, w_distress, w_responsibility, floor = willingness[0], willingness[1], willingness[2], willingness[3]
    offset = np.uint64(first)
    for tie in range(offset, np.uint64(last)):  # unsigned: no negative-index wraparound
        source_person, target_person = source[tie], target[tie]
        on = live[tie] and (not needs_employment[tie] or (employed[source_person] and employed[target_person]))
        value = rate[tie] * (1.0 if on else 0.0)
        if voluntary:
            ready_source = clip_one(1.0 - w_anxiety * anxiety[source_person] - w_distress * distress[source_person]
                                    - w_responsibility * (1.0 - responsibility[source_person]), floor, 1.0)
            ready_target = clip_one(1.0 - w_anxiety * anxiety[target_person] - w_distress * distress[target_person]
                                    - w_responsibility * (1.0 - responsibility[target_person]), floor, 1.0)
            if settling:
                ready_source, ready_target = (ready_source * sociability[source_person],
                                              ready_target * sociability[target_person])
            value = value * ready_source * ready_target * (friend_multiplier if friend[tie] else 1.0)
            if selection and (every_tie_chosen or chosen[tie]):
                value = value * choice[source_person] * choice[target_person]
        out_rate[tie - offset] = value
        out_negated[tie - offset] = -value


@numba.njit(cache=True, nogil=True)
def poisson_counts(words, rate, pmf, out) -> None:
    """Each tie's encounters into `out`, Poisson(rate) from its uniform (`poisson_one`; pmf = exp(-rate)), the
    uniforms the first of the stream in `words` (model/streams_compiled.py: the same as `Streams.uniform` draws;
    a block of ties passes the stream advanced to its first tie)."""
    high, low, increment_high, increment_low = words[0], words[1], words[2], words[3]
    for tie in range(len(rate)):
        high, low = lcg_step(high, low, increment_high, increment_low)
        out[tie] = poisson_one(to_double(high, low), rate[tie], pmf[tie])


@numba.njit(cache=True, nogil=True)
def encountered(encounters, conditions):
    """The ties with encounters (`np.flatnonzero`) and their rows of the Allport conditions, in tie order."""
    met = np.flatnonzero(encounters)
    rows = np.empty((len(met), conditions.shape[1]))
    for at in range(len(met)):
        rows[at] = conditions[met[at]]
    return met, rows


@numba.njit(cache=True, nogil=True)
def with_encounters(encounters):
    """The ties with encounters (`np.flatnonzero`), in tie order."""
    return np.flatnonzero(encounters)


@numba.njit(cache=True, nogil=True)
def quality_scores(met, source, target, language, anxiety, distress, weighted_conditions, intercept,
                   language_weight, anxiety_weight, distress_weight):
    """The negated score of contact.py `contact_quality` for each tie with encounters (`met`), given its
    conditions' weighted sum (numpy's exp of it is the logistic's)."""
    out = np.empty(len(met))
    for at in range(len(met)):
        tie = met[at]
        source_person, target_person = source[tie], target[tie]
        shared = minimum_one(language[source_person], language[target_person])
        pair_anxiety = 0.5 * (anxiety[source_person] + anxiety[target_person])
        pair_distress = 0.5 * (distress[source_person] + distress[target_person])
        out[at] = -(intercept + weighted_conditions[at] + language_weight * shared - anxiety_weight * pair_anxiety
                    - distress_weight * pair_distress)
    return out


@numba.njit(cache=True, nogil=True)
def quality_values(met, exp_negated, out) -> None:
    """Every tie's quality into `out`: the logistic 1 / (1 + exp(-score)) on ties with encounters, NaN elsewhere."""
    out[:] = np.nan
    for at in range(len(met)):
        out[met[at]] = 1.0 / (1.0 + exp_negated[at])


@numba.njit(cache=True, nogil=True)
def valence_inputs(met, source, target, group, attitude, group_offset, partner, prejudice_weight, top, quality,
                   reduction, encounters, words_source, words_target, start, odds_ratio, offset, cut, trials,
                   u) -> None:
    """One block's entries of `judge_valence`'s joined arrays from `start`: its ties with encounters (`met`, in
    tie order), source side then target side; each entry's q / (1 - q) of its clipped quality (numpy takes the
    log), its person's log-odds offset (the group's, plus with `partner` on `partner_shift` by the other's
    attitude), the tie's negative cut, its encounters and its side's uniform: the tie's of the side's stream
    (`words_source`, `words_target`; the stream stepped to it, the others' doubles not made)."""
    count = len(met)
    for side in range(2):
        first = start + side * count
        words = words_source if side == 0 else words_target
        high, low, increment_high, increment_low = words[0], words[1], words[2], words[3]
        drawn = 0  # uniforms of the stream passed so far
        for at in range(count):
            tie = met[at]
            person, other = (source[tie], target[tie]) if side == 0 else (target[tie], source[tie])
            shift = group_offset[group[person]]
            if partner:
                shift = shift + -prejudice_weight * (1.0 - attitude[other] / top)
            q = clip_one(quality[tie], 1e-12, 1.0 - 1e-12)
            odds_ratio[first + at] = q / (1.0 - q)
            offset[first + at] = shift
            cut[first + at] = reduction[tie]
            trials[first + at] = encounters[tie]
            while drawn <= tie:
                high, low = lcg_step(high, low, increment_high, increment_low)
                drawn += 1
            u[first + at] = to_double(high, low)


@numba.njit(cache=True, nogil=True)
def negated_logits(log_odds, offset) -> None:
    """-(log-odds + offset) in place of `offset` (numpy's exp of it is the logistic's)."""
    for at in range(len(offset)):
        offset[at] = -(log_odds[at] + offset[at])


@numba.njit(cache=True, nogil=True)
def positive_chances(exp_negated, cut, p, q) -> None:
    """The chance of a positive experience (`positive_probability`'s logistic, then `spare_negative`), clipped to
    [0, 1] as the binomial sampler clips it, into `p`, and 1 - p into `q` (numpy's q ** trials is its pmf)."""
    for at in range(len(cut)):
        chance = 1.0 - (1.0 - 1.0 / (1.0 + exp_negated[at])) * (1.0 - cut[at])
        p[at] = clip_one(chance, 0.0, 1.0)
        q[at] = 1.0 - p[at]


@numba.njit(cache=True, nogil=True)
def valence_counts(met, start, u, trials, p, q, q_power, positive_source, positive_target, negative_source,
                   negative_target) -> None:
    """One block's positive and negative counts per side (sampling.py `binomial_quantile` from the entries of
    `start`) into four arrays over its ties, all zero before: positive source, positive target, negative source,
    negative target (zero stays on ties without encounters)."""
    count = len(met)
    for side in range(2):
        first = start + side * count
        for at in range(count):
            entry = first + at
            chance, rest = p[entry], q[entry]
            pmf = 0.0 if chance >= 1.0 else q_power[entry]
            odds = 0.0 if chance >= 1.0 else chance / (rest if rest > 0 else 1.0)
            positive = binomial_one(u[entry], trials[entry], chance, pmf, odds)
            if side == 0:
                positive_source[met[at]], negative_source[met[at]] = positive, trials[entry] - positive
            else:
                positive_target[met[at]], negative_target[met[at]] = positive, trials[entry] - positive


@numba.njit(cache=True, nogil=True)
def tally_block(encounters, people_source, people_target, friend, friend_weight, generalisation, salience,
                met_before, half_familiar, positive_source, positive_target, negative_source, negative_target, sums,
                positive_total, negative_total, positive_weighted_total, negative_weighted_total, first, last):
    """Add one block's encounters to the week's totals of the people first..last-1 (`positive_total` and
    `negative_total` as whole numbers, the weighted ones as floats), source side then target side, as
    `tally_contacts` does: each side's `np.bincount` sums over the ties with encounters, added to the totals of the
    people it counts. A person's row of `sums` holds its side's sums of this block (positive, negative, positive
    weighted, negative weighted; all zero before and after). Each person's sum adds its ties in tie order whatever
    range it falls in, so ranges of people on different threads give the whole pass's numbers (every range scans
    every tie)."""
    for side in range(2):
        people = people_source if side == 0 else people_target
        positive = positive_source if side == 0 else positive_target
        negative = negative_source if side == 0 else negative_target
        for tie in range(len(encounters)):
            person = people[tie]
            if encounters[tie] == 0 or person < first or person >= last:
                continue
            weight = friend_weight if friend[tie] else 1.0
            if generalisation:
                weight = weight * (salience * (1.0 / (1.0 + met_before[tie] / half_familiar)))
            sums[person, 0] += positive[tie]
            sums[person, 1] += negative[tie]
            sums[person, 2] += positive[tie] * weight
            sums[person, 3] += negative[tie] * weight
        for tie in range(len(encounters)):  # one met on several ties adds 0 after the first: the total stays
            person = people[tie]
            if encounters[tie] == 0 or person < first or person >= last:
                continue
            positive_total[person] += np.int64(sums[person, 0])  # whole counts: exact as floats
            negative_total[person] += np.int64(sums[person, 1])
            positive_weighted_total[person] += sums[person, 2]
            negative_weighted_total[person] += sums[person, 3]
            for column in range(4):
                sums[person, column] = 0.0


@numba.njit(cache=True, nogil=True)
def tally_people(positive_contacts, negative_contacts, intergroup_contacts, recent_encounters, recent_weight,
                 positive, negative, first, last) -> None:
    """The running counters of the people first..last-1 from the week's counts (`tally_block`'s totals)."""
    for person in range(np.uint64(first), np.uint64(last)):  # unsigned: no negative-index wraparound
        encounters = positive[person] + negative[person]
        positive_contacts[person] += positive[person]
        negative_contacts[person] += negative[person]
        intergroup_contacts[person] += encounters
        recent_encounters[person] = (1.0 - recent_weight) * recent_encounters[person] + recent_weight * encounters
