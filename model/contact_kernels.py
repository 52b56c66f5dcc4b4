"""How the contact phases (model/mechanisms/contact.py, partners.py, rejection.py) run their
compiled kernels (model/rules/contact_compiled.py: the kernels and why their numbers are the rules'): over blocks
on the model's worker threads when a pass is big (threads.SPLIT_FROM entries up), in one call otherwise.

A block of ties (`meet`, `judge_quality`, `judge_valence`) hands each kernel its range's slices or its range, and
draws its streams from its first tie on (`Streams.seeded_words` with `start`); a range of people
(`tally_contacts`) scans every tie and adds only its people's, so each person's sums keep their tie order. Every
block writes its own entries of the phase's arrays in place: the same numbers whatever the blocks.
"""

import weakref

import numpy as np

from bridges.model import kernels, threads
from bridges.model.mechanisms.base import ALL, PUBLIC, reusable, setting_kind, static_index
from bridges.model.ranges import GROUPS, THERMOMETER_MAX
from bridges.model.rules import selection as selection_rules

NO_TIES, NO_VALUES = np.zeros(0, dtype=bool), np.zeros(0)
"""Placeholders for a kernel's unused array arguments (no chosen ties; no sociability or choice factors)."""


def load(who, size: int):
    """The compiled contact kernels (model/rules/contact_compiled.py) when they run for this pass of `size`
    entries (every resident, the kernels on: model/kernels.py), else None."""
    return kernels.load("bridges.model.rules.contact_compiled", size) if who is ALL else None


def choice_factors(model, compiled) -> np.ndarray:
    """Each person's selection `choice_factor` this week (its exp in numpy; none when selection is off), for
    `encounters`, over ranges of people."""
    state, sel = model.state, model.params.contact.selection
    if not sel.enabled:
        return NO_VALUES
    factors = np.empty(state.n)

    def exponentiate(first: int, last: int) -> None:
        people = slice(first, last)
        compiled.choice_exponents(state.attitude[people], state.trust[people], model.choice_leverage[people],
                                  float(sel.attitude_weight), float(sel.trust_weight), THERMOMETER_MAX,
                                  factors[people])
        np.exp(factors[people], out=factors[people])

    model.threads.each_block(exponentiate, state.n)
    return factors


def encounters(model, compiled, block, choice: np.ndarray, willingness: np.ndarray) -> np.ndarray:
    """contact.py `tie_encounters` of every tie of `block`, over ranges of ties: a range's rates in one pass,
    numpy's exp of their negation, the Poisson counts in another, drawing the block's "meet" stream from the
    range's first tie on (the same draws); `willingness`: the weights of `contact.willingness` (anxiety, distress,
    responsibility, floor)."""
    state, p = model.state, model.params
    sel = p.contact.selection
    selection, chosen, every_tie_chosen = block.voluntary and sel.enabled, NO_TIES, False
    if selection and block.layer is None:  # public space: one kind of setting, chosen or not
        every_tie_chosen = selection = static_index(model, "chosen_public", lambda: bool(
            selection_rules.chosen_ties(np.array([PUBLIC]), sel)[0]))
    elif selection:
        chosen = static_index(model, "chosen_city_ties", lambda: selection_rules.chosen_ties(
            setting_kind(model, block), sel))
    settling = p.contact.settling.enabled
    sociability, multiplier = state.sociability if settling else NO_VALUES, float(p.dynamics.friendship.rate_multiplier)
    stream, counts = block.stream("meet"), rewritten(block.encounters, block.size, np.int64)

    def draw(start: int, end: int) -> None:
        rate, pmf = np.empty(end - start), np.empty(end - start)
        compiled.tie_rates(block.rate, block.live, block.needs_employment, block.source, block.target, state.employed,
                           block.voluntary, state.anxiety, state.distress, state.responsibility, willingness, settling,
                           sociability, block.friend, multiplier, selection, chosen, every_tie_chosen, choice, rate, pmf,
                           start, end)
        words = model.streams.seeded_words(stream, model.steps, compiled.streams_compiled, start)
        compiled.poisson_counts(words, rate, np.exp(pmf, out=pmf), counts[start:end])

    model.threads.each_block(draw, block.size)
    return counts


def rewritten(kept: np.ndarray | None, size: int, dtype) -> np.ndarray:
    """An array of `size` entries of `dtype` for a pass that writes every entry: last week's (`kept`) where it
    fits (base.py `reusable`), else a new one."""
    found = reusable(kept, size, dtype)
    return np.empty(size, dtype) if found is None else found


def zeroed(kept: np.ndarray | None, size: int) -> np.ndarray:
    """`size` whole-number zeros: last week's array (`kept`) cleared where it fits (`rewritten`), else new ones."""
    counts = rewritten(kept, size, np.int64)
    counts.fill(0)
    return counts


def quality(model, compiled, blocks: list) -> None:
    """contact.py `judge_quality` of every tie, over ranges of ties: a range's ties with encounters and their
    Allport conditions, numpy's product of those with the weights, the score in one pass, numpy's exp, the logistic
    in another (NaN on ties without encounters)."""
    state, q = model.state, model.params.contact.quality
    weights = q.condition_weights()
    for block in blocks:
        values = rewritten(block.quality, block.size, np.float64)

        def judge(start: int, end: int, block=block, values=values) -> None:
            ties = slice(start, end)  # the kernels take the range's slices: tie indices within the range
            met, conditions = compiled.encountered(block.encounters[ties], block.conditions[ties])
            negated = compiled.quality_scores(met, block.source[ties], block.target[ties], state.language,
                                              state.anxiety, state.distress, conditions @ weights, float(q.intercept),
                                              float(q.shared_language), float(q.anxiety), float(q.distress))
            compiled.quality_values(met, np.exp(negated, out=negated), values[ties])

        model.threads.each_block(judge, block.size)
        block.quality = values


def valence(model, compiled, blocks: list) -> None:
    """contact.py `judge_valence` of every tie: a small city's blocks on joined arrays (`joined_valence`), a big
    one's each over ranges of its ties (`blocked_valence`); the same numbers."""
    if all(block.size < threads.SPLIT_FROM for block in blocks):
        joined_valence(model, compiled, blocks)
        return
    for block in blocks:
        blocked_valence(model, compiled, block)


def joined_valence(model, compiled, blocks: list) -> None:
    """`judge_valence` over every tie by the compiled kernels, on the same joined arrays (every block's ties with
    encounters, source side then target side): their inputs gathered per block, numpy's log, exp and pow on the
    joined arrays between the kernels, and each block's binomial counts; the same draws (each side's stream stepped
    in the kernel to the ties with encounters)."""
    state, partner = model.state, model.params.contact.partner
    met = [np.flatnonzero(block.encounters) for block in blocks]
    size = 2 * sum(ties.size for ties in met)
    odds_ratio, offset, cut, u, p, q = np.empty((6, size))  # rows: every numpy loop used here is elementwise
    trials = np.empty(size, dtype=np.int64)
    group_offset = np.array([model.params.contact.valence_offset[label] for label in GROUPS], dtype=float)
    start = 0
    for block, ties in zip(blocks, met):
        compiled.valence_inputs(ties, block.source, block.target, state.group, state.attitude, group_offset,
                                partner.enabled, float(partner.prejudice_weight), THERMOMETER_MAX, block.quality,
                                block.negative_reduction, block.encounters,
                                *(model.streams.seeded_words(block.stream(f"valence.{side}"), model.steps,
                                                             compiled.streams_compiled) for side in ("source", "target")),
                                start, odds_ratio, offset, cut, trials, u)
        start += 2 * ties.size
    compiled.negated_logits(np.log(odds_ratio, out=odds_ratio), offset)
    compiled.positive_chances(np.exp(offset, out=offset), cut, p, q)
    q_power = q**trials
    start = 0
    for block, ties in zip(blocks, met):
        compiled.valence_counts(ties, start, u, trials, p, q, q_power, *new_counts(block))
        start += 2 * ties.size


def new_counts(block) -> tuple[np.ndarray, ...]:
    """`block`'s positive and negative counts per side, zero: four arrays over its ties (positive source, positive
    target, negative source, negative target), put on the block; last week's arrays zeroed where the block has
    them (`rewritten`)."""
    counts = tuple(zeroed(sides.get(side), block.size)
                   for sides in (block.positive, block.negative) for side in ("source", "target"))
    block.positive["source"], block.positive["target"], block.negative["source"], block.negative["target"] = counts
    return counts


def blocked_valence(model, compiled, block) -> None:
    """`joined_valence` of one block over ranges of its ties: each range makes its own joined arrays (its ties with
    encounters, source side then target side), takes numpy's log, exp and pow on them (elementwise: an entry's
    result does not depend on where it sits) and draws each side's stream from the range's first tie on, so every
    tie gets the numbers of the whole pass."""
    state, partner = model.state, model.params.contact.partner
    group_offset = np.array([model.params.contact.valence_offset[label] for label in GROUPS], dtype=float)
    counts = new_counts(block)

    def judge(start: int, end: int) -> None:
        ties = slice(start, end)
        met = compiled.with_encounters(block.encounters[ties])
        size = 2 * met.size
        odds_ratio, offset, cut, u, p, q = np.empty((6, size))
        trials = np.empty(size, dtype=np.int64)
        compiled.valence_inputs(met, block.source[ties], block.target[ties], state.group, state.attitude, group_offset,
                                partner.enabled, float(partner.prejudice_weight), THERMOMETER_MAX, block.quality[ties],
                                block.negative_reduction[ties], block.encounters[ties],
                                *(model.streams.seeded_words(block.stream(f"valence.{side}"), model.steps,
                                                             compiled.streams_compiled, start)
                                  for side in ("source", "target")),
                                0, odds_ratio, offset, cut, trials, u)
        compiled.negated_logits(np.log(odds_ratio, out=odds_ratio), offset)
        compiled.positive_chances(np.exp(offset, out=offset), cut, p, q)
        compiled.valence_counts(met, 0, u, trials, p, q, q**trials, *(column[ties] for column in counts))

    model.threads.each_block(judge, block.size)


TALLY_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Each model's table of `tally` sums, all zero between weeks: the compiled pass's working memory, not the
model's state (it goes with the model)."""


def tally(model, compiled, blocks: list) -> None:
    """contact.py `tally_contacts` of every resident, over ranges of people: each block's sums in one pass over its
    ties (a range's people only), the week's counts and the running counters in another.

    The table of sums (one block side's sums per person: contact_compiled.tally_block, 32 MB at a million) is kept
    from week to week (`TALLY_TABLES`): the pass leaves it all zero. A fresh one each week cost more than the pass
    itself, in the system's time: every page of a new table is zeroed by the kernel on first touch, and on a
    virtual machine the host backs it again (1M residents, 13 history weeks: 1.7 s). The week's counts are written
    over last week's arrays for the same reason: each range of people clears its own, then the blocks add to them.
    A person's totals had sat in the table too (64 MB): the same sums, in the same order, now go straight to the
    week's arrays."""
    state, week, f, gen = model.state, model.week, model.params.dynamics.friendship, model.params.contact.generalisation
    sums = TALLY_TABLES.pop(model, None)  # taken until the pass has cleared it: an interrupted pass leaves none
    if sums is None or sums.shape != (state.n, 4):
        sums = np.zeros((state.n, 4))
    positive, negative, positive_weighted, negative_weighted = (
        rewritten(kept, state.n, dtype) for kept, dtype in ((week.positive, np.int64), (week.negative, np.int64),
                                                            (week.positive_weighted, np.float64),
                                                            (week.negative_weighted, np.float64)))

    def add(first: int, last: int) -> None:
        for total in (positive, negative, positive_weighted, negative_weighted):
            total[first:last] = 0
        for block in blocks:
            compiled.tally_block(block.encounters, block.source, block.target, block.friend,
                                 float(f.weight), gen.enabled, float(gen.salience_for(block.name == PUBLIC)),
                                 block.met, float(gen.half_familiar), block.positive["source"],
                                 block.positive["target"], block.negative["source"], block.negative["target"],
                                 sums, positive, negative, positive_weighted, negative_weighted, first, last)
        compiled.tally_people(state.positive_contacts, state.negative_contacts, state.intergroup_contacts,
                              state.recent_encounters, float(model.params.dynamics.recent_contact_weight),
                              positive, negative, first, last)

    model.threads.each_block(add, state.n)
    TALLY_TABLES[model] = sums
    week.positive, week.negative = positive, negative
    week.positive_weighted, week.negative_weighted = positive_weighted, negative_weighted
