"""Direct intergroup contact (the contact hypothesis): how often people meet on every contact block
(quantity), how good their encounters are (Allport's conditions), whether each side experiences them as
positive or negative, and the week's totals (model/mechanisms/attitudes.py moves views with them).

Parameters: `contact.*` (conf/contact/default.yaml); rules in model/rules/contact.py, selection.py,
generalisation.py and partner.py.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import contact_kernels
from bridges.model.errors import InputError
from bridges.model.mechanisms.base import (ALL, PUBLIC, Key, Mechanism, Metric, Phase, Rows, Setup, StateVar, count,
                                           empty, fill, first_row, own_ties, setting_kind, static_index, uniform,
                                           with_encounters)
from bridges.model.ranges import (LAYER_KINDS, NON_NEGATIVE, NON_NEGATIVE_WEIGHT, POSITIVE,
                                  SELECTION_WEIGHT, THERMOMETER_MAX, UNIT, WEIGHT, per_group)
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import generalisation as generalisation_rules
from bridges.model.rules import partner as partner_rules
from bridges.model.rules import people as people_rules
from bridges.model.rules import selection as selection_rules


@dataclass(frozen=True)
class QualityParams:
    """Logistic weights turning setting and people into the quality of an intergroup encounter."""

    intercept: float = field(metadata=WEIGHT)
    equal_status: float = field(metadata=WEIGHT)
    common_goal: float = field(metadata=WEIGHT)
    cooperation: float = field(metadata=WEIGHT)
    institutional_support: float = field(metadata=WEIGHT)
    shared_language: float = field(metadata=WEIGHT)
    anxiety: float = field(metadata=WEIGHT)
    distress: float = field(metadata=WEIGHT)

    def condition_weights(self) -> np.ndarray:
        """Weights of the four Allport conditions, in ALLPORT_CONDITIONS order (model/city.py)."""
        return np.array([self.equal_status, self.common_goal, self.cooperation, self.institutional_support])


@dataclass(frozen=True)
class WillingnessParams:
    """How anxiety and distress lower, and responsibility raises, a person's readiness to meet."""

    anxiety: float = field(metadata=NON_NEGATIVE_WEIGHT)
    distress: float = field(metadata=NON_NEGATIVE_WEIGHT)
    responsibility: float = field(metadata=NON_NEGATIVE_WEIGHT)
    floor: float = field(metadata=UNIT)


@dataclass(frozen=True)
class PartnerParams:
    """How the partner's prejudice shifts one's chance of a positive experience."""

    enabled: bool
    prejudice_weight: float = field(metadata=NON_NEGATIVE)


@dataclass(frozen=True)
class SelectionParams:
    """Attitude and trust scaling encounter rates in settings people choose."""

    enabled: bool
    attitude_weight: float = field(metadata=SELECTION_WEIGHT)
    trust_weight: float = field(metadata=SELECTION_WEIGHT)
    chosen_kinds: list[str]

    def __post_init__(self):
        unknown = [kind for kind in self.chosen_kinds if kind not in LAYER_KINDS]
        if unknown:
            raise InputError(f"chosen_kinds: unknown layer kind {unknown[0]!r} (known: {', '.join(LAYER_KINDS)})")


@dataclass(frozen=True)
class GeneralisationParams:
    """Group salience and novelty: how far an encounter carries to the group."""

    enabled: bool
    salience: float = field(metadata=UNIT)
    incidental_salience: float = field(metadata=UNIT)
    half_familiar: float = field(metadata=POSITIVE)

    def salience_for(self, incidental: bool) -> float:
        """Group salience of a setting: brief public encounters (`incidental`) or ties."""
        return self.incidental_salience if incidental else self.salience


def meet(model, who=ALL) -> None:
    """Quantity: this week's encounters on every live intergroup tie of every contact block that the
    residents `who` start (every tie; a resident's own in the agents engine, so each tie is met once).

    On the city's ties and in public space the rate follows both people's willingness and friendship, and
    in chosen settings their attitude and trust (`contact.selection`, as far as their choice leverage lets them:
    model/mechanisms/wallpaper.py); programme meetings keep the
    programme's attendance.
    """
    blocks = model.contact_blocks()
    compiled = contact_kernels.load(who, sum(block.size for block in blocks))
    choice = None
    for block in blocks:
        mine = own_ties(model, block, "source", who)
        if empty(mine):
            continue
        if compiled is not None:  # the rules compiled, over blocks of ties on the worker threads
            if choice is None:
                choice = contact_kernels.choice_factors(model, compiled)
                w = model.params.contact.willingness
                willingness = np.array([w.anxiety, w.distress, w.responsibility, w.floor], dtype=float)
            block.encounters = contact_kernels.encounters(model, compiled, block, choice, willingness)
        elif who is ALL:  # every tie, in blocks of ties on the worker threads, each drawing its own share
            block.encounters = model.threads.over_blocks(lambda start, end, block=block: tie_encounters(
                model, block, slice(start, end), model.streams.uniform_range(block.stream("meet"), model.steps,
                                                                             start, end)), block.size)
        else:
            block.encounters = fill(block.encounters, mine, tie_encounters(
                model, block, mine, uniform(model, block.stream("meet"), block.size, who, mine)))


def tie_encounters(model, block, mine, u: np.ndarray) -> np.ndarray:
    """This week's encounters on the ties `mine` of `block` (`u`: their uniform draws)."""
    state, p = model.state, model.params
    sel, w = p.contact.selection, p.contact.willingness
    source, target = block.source[mine], block.target[mine]
    rate = contact_rules.live_rate(block.rate[mine], block.live[mine], block.needs_employment[mine],
                                   state.employed[source], state.employed[target])
    if block.voluntary:
        ready_source, ready_target = (contact_rules.willingness(state.anxiety[people], state.distress[people],
                                                                state.responsibility[people], w)
                                      for people in (source, target))
        if p.contact.settling.enabled:  # each person's sociability (model/mechanisms/settling.py)
            ready_source, ready_target = ready_source * state.sociability[source], ready_target * state.sociability[target]
        rate = contact_rules.encounter_rate(rate, ready_source, ready_target,
                                            friendship_rules.meeting_factor(block.friend[mine], p.dynamics.friendship))
        if sel.enabled:
            # Only the city's ties have layers; a voluntary block without them is public space (one kind).
            chosen = (selection_rules.chosen_ties(np.array([PUBLIC]), sel) if block.layer is None
                      else static_index(model, "chosen_city_ties", lambda: selection_rules.chosen_ties(
                          setting_kind(model, block), sel))[mine])
            rate = selection_rules.chosen_rate(
                rate, chosen, selection_rules.choice_factor(state.attitude[source], state.trust[source], sel,
                                                            THERMOMETER_MAX, model.choice_leverage[source]),
                selection_rules.choice_factor(state.attitude[target], state.trust[target], sel, THERMOMETER_MAX,
                                              model.choice_leverage[target]))
    return contact_rules.draw_encounters(rate, u)


def judge_quality(model, who=ALL) -> None:
    """Quality of the encounters this week on the ties the residents `who` start, from its setting and the
    two people; NaN on ties without encounters (nothing to judge, so nothing is computed there)."""
    state, q = model.state, model.params.contact.quality
    blocks = model.contact_blocks()
    compiled = contact_kernels.load(who, sum(block.size for block in blocks))
    if compiled is not None:  # the rules compiled, over blocks of ties on the worker threads
        contact_kernels.quality(model, compiled, blocks)
        return
    for block in blocks:
        mine = own_ties(model, block, "source", who)
        if empty(mine):
            continue
        met = with_encounters(block, mine)
        source, target = block.source[met], block.target[met]
        block.quality = fill(block.quality, mine, np.full(count(mine, block.size), np.nan))
        block.quality[met] = contact_rules.contact_quality(
            block.conditions[met],
            contact_rules.shared_language(state.language[source], state.language[target]),
            contact_rules.pair_mean(state.anxiety[source], state.anxiety[target]),
            contact_rules.pair_mean(state.distress[source], state.distress[target]),
            q)


def joined(arrays: list[np.ndarray], dtype=float) -> np.ndarray:
    """The arrays end to end (an empty array of `dtype` when there are none)."""
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


def judge_valence(model, who=ALL) -> None:
    """How the residents `who` experienced each of their encounters, positive or negative, on each side of
    each tie; with `contact.partner` on, the other side's prejudice counts too.

    Ties without encounters have nothing to judge (zero positive and negative), so only ties with encounters
    are computed; the rules are elementwise, so every block's and side's ties go through them together, in
    one call each."""
    state, partner = model.state, model.params.contact.partner
    blocks = model.contact_blocks()
    compiled = contact_kernels.load(who, sum(block.size for block in blocks))
    if compiled is not None:
        contact_kernels.valence(model, compiled, blocks)
        return
    sides = []  # (block, side, this side's ties, those with encounters, the person on this side, the other person)
    for block in model.contact_blocks():
        for side, other in (("source", "target"), ("target", "source")):
            mine = own_ties(model, block, side, who)
            if empty(mine):
                continue
            met = with_encounters(block, mine)
            sides.append((block, side, mine, met, getattr(block, side)[met], getattr(block, other)[met]))
    people, other = joined([side[4] for side in sides], np.int64), joined([side[5] for side in sides], np.int64)
    offset = per_group(model.params.contact.valence_offset, state.group[people])
    if partner.enabled:
        offset = offset + partner_rules.partner_shift(state.attitude[other], partner, THERMOMETER_MAX)
    quality = joined([block.quality[met] for block, _, _, met, _, _ in sides])
    reduction = joined([block.negative_reduction[met] for block, _, _, met, _, _ in sides])
    p_positive = contact_rules.spare_negative(contact_rules.positive_probability(quality, offset), reduction)
    u = joined([uniform(model, block.stream(f"valence.{side}"), block.size, who, met)
                for block, side, _, met, _, _ in sides])
    encounters = joined([block.encounters[met] for block, _, _, met, _, _ in sides], np.int64)
    positive, negative = contact_rules.draw_valence(encounters, p_positive, u)
    ends = np.cumsum([met.size for _, _, _, met, _, _ in sides])
    for (block, side, mine, met, _, _), end in zip(sides, ends):
        for counts, drawn in ((block.positive, positive), (block.negative, negative)):
            counts[side] = fill(counts.get(side), mine, np.zeros(count(mine, block.size), dtype=np.int64))
            counts[side][met] = drawn[end - met.size:end]


def tally_contacts(model, who=ALL) -> None:
    """The week's contact of the residents `who` (raw, and weighted: friend encounters count more, and with
    `contact.generalisation` on each encounter carries to the group by salience and novelty), and their
    running counters."""
    state, week, f, gen = model.state, model.week, model.params.dynamics.friendship, model.params.contact.generalisation
    blocks = model.contact_blocks()
    compiled = contact_kernels.load(who, state.n)
    if compiled is not None:  # the rules compiled, over ranges of people on the worker threads
        contact_kernels.tally(model, compiled, blocks)
        return
    rows = count(who, state.n)
    totals = {name: np.zeros(rows) for name in ("positive", "negative", "positive_weighted", "negative_weighted")}
    for block in blocks:
        for side in ("source", "target"):
            # Only ties with encounters count (the others would add exact zeros to the sums).
            met = with_encounters(block, own_ties(model, block, side, who))
            if empty(met):
                continue
            weight = friendship_rules.contact_weight(block.friend[met], f)
            if gen.enabled:
                weight = weight * generalisation_rules.generalisation_weight(block.met[met], block.name == PUBLIC, gen)
            weight = np.broadcast_to(weight, met.size)
            people = getattr(block, side)[met] - first_row(who)
            for valence in ("positive", "negative"):
                raw, weighted = contact_rules.tally(rows, people, getattr(block, valence)[side][met], weight)
                totals[valence] += raw
                totals[f"{valence}_weighted"] += weighted
    for name, total in totals.items():
        whole = name in ("positive", "negative")  # raw counts are whole numbers
        setattr(week, name, fill(getattr(week, name), who, total.astype(np.int64) if whole else total))
    encounters = week.positive[who] + week.negative[who]
    state.positive_contacts[who] += week.positive[who]
    state.negative_contacts[who] += week.negative[who]
    state.intergroup_contacts[who] += encounters
    state.recent_encounters[who] = people_rules.running_average(
        state.recent_encounters[who], encounters, model.params.dynamics.recent_contact_weight)


# ---- the agents engine: the week's ties indexed by resident ----------------------------------------
def open_week(model) -> None:
    """For every contact block, each resident's ties at each end (this week's blocks; programmes change), so
    that a resident finds its own (base.py `own_ties`); and this week's per-tie results ready for the
    residents to fill in, made blank where there are none of the right size yet (a new or resized block, the
    first week)."""
    model.tie_index = {}
    for block in model.contact_blocks():
        model.tie_index[block.name] = {}
        for side, people in (("source", block.source), ("target", block.target)):
            order = np.argsort(people, kind="stable")
            start = np.concatenate([[0], np.cumsum(np.bincount(people, minlength=model.state.n))])
            model.tie_index[block.name][side] = (order, start)
        if block.encounters is None or len(block.encounters) != block.size:
            block.encounters, block.quality = np.zeros(block.size, dtype=np.int64), np.full(block.size, np.nan)
            block.positive, block.negative = ({side: np.zeros(block.size, dtype=np.int64)
                                               for side in ("source", "target")} for _ in range(2))
    week, n = model.week, model.state.n
    if week.positive is None:  # no week has run yet
        week.positive, week.negative = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        week.positive_weighted, week.negative_weighted = np.zeros(n), np.zeros(n)


def had_contact(state, week, members):
    """Metric intergroup_contact_share: whether each member had an intergroup encounter this week."""
    return week.positive[members] + week.negative[members] > 0


def had_positive(state, week, members):
    """Metric positive_contact_share: whether each member had a positive intergroup encounter this week."""
    return week.positive[members] > 0


def had_negative(state, week, members):
    """Metric negative_contact_share: whether each member had a negative intergroup encounter this week."""
    return week.negative[members] > 0


def encounters(state, week, members):
    """Metric encounters_per_person: each member's intergroup encounters this week."""
    return week.positive[members] + week.negative[members]


MECHANISM = Mechanism(
    name="contact",
    after="incidental",
    params=("contact.willingness", "contact.quality", "contact.valence_offset", "contact.selection",
            "contact.generalisation", "contact.partner", "dynamics.recent_contact_weight"),
    parameters={"contact.quality": QualityParams,
                "contact.valence_offset": Key(dict[str, float], {**WEIGHT, "per_group": True}),
                "contact.willingness": WillingnessParams, "contact.partner": PartnerParams,
                "contact.selection": SelectionParams, "contact.generalisation": GeneralisationParams,
                "dynamics.recent_contact_weight": Key(float, UNIT)},
    state=(
        StateVar("recent_encounters", "float64", "0", fill=0.0),
        StateVar("intergroup_contacts", "int64", "0", fill=0),
        StateVar("positive_contacts", "int64", "0", fill=0),
        StateVar("negative_contacts", "int64", "0", fill=0),
    ),
    attributes=("tie_index",),
    phases=(
        Phase(
            meet,
            reads=("state.anxiety", "state.distress", "state.responsibility", "state.sociability", "state.employed", "state.attitude",
                   "state.trust", "model.choice_leverage", "block.rate", "block.live", "block.needs_employment", "block.voluntary",
                   "block.friend", "block.layer", "block.source", "block.target", "model.static_index"),
            writes=("block.encounters",),
            steps=(Setup(open_week), Rows(meet))),
        Phase(
            judge_quality,
            reads=("state.language", "state.anxiety", "state.distress", "block.conditions", "block.encounters",
                   "block.source", "block.target"),
            writes=("block.quality",)),
        Phase(
            judge_valence,
            reads=("state.group", "state.attitude", "block.quality", "block.encounters", "block.negative_reduction",
                   "block.source", "block.target"),
            writes=("block.positive", "block.negative")),
        Phase(
            tally_contacts,
            reads=("block.encounters", "block.positive", "block.negative", "block.friend", "block.met", "block.name", "block.source",
                   "block.target", "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
                   "state.recent_encounters"),
            writes=("week.positive", "week.negative", "week.positive_weighted", "week.negative_weighted",
                    "state.positive_contacts", "state.negative_contacts", "state.intergroup_contacts",
                    "state.recent_encounters")),
    ),
    metrics=(
        Metric("intergroup_contact_share", had_contact, contact=True, rank=15),
        Metric("positive_contact_share", had_positive, contact=True, rank=16),
        Metric("negative_contact_share", had_negative, contact=True, rank=17),
        Metric("encounters_per_person", encounters, contact=True, rank=18),
    ),
)
