"""The compiled kernels of the views, beliefs, threat, norms and friendship phases (model/rules/*_compiled.py:
beliefs, negativity, threat, norms, friendship, rejection) give their numpy rules' numbers bit for bit: each
kernel on the rule's inputs, realistic and at the edges (no one, one resident, no ties, NaN where the state holds
NaN, scale ends, a group with no members), each phase of a real week run both ways from the same state, and
whole runs with every kernel against the numpy rules."""

from types import SimpleNamespace

import numpy as np
import pytest

from bridges.model import kernels
from bridges.model.mechanisms.base import VIEW_RANGES
from bridges.model.rules import beliefs as belief_rules
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import negativity as negativity_rules
from bridges.model.rules import norms as norm_rules
from bridges.model.rules import threat as threat_rules
from bridges.model.simulation import build, simulate
from tests.conftest import params_for
from tests.test_kernels import assert_compiled_run_is_numpy_run, assert_same

CITY = ("city.n_agents=1500", "city.n_neighbourhoods=8", "steps=12")
PHASES = ("expect_rejection", "update_attitudes", "update_friendships", "extended_contact", "set_aside_threat",
          "follow_norms", "restore_threat", "update_beliefs", "perceive_threat")
"""This file's phases, in the week's order."""
SIZES = (0, 1, 2, 7, 300)
"""Residents (or ties) of the synthetic inputs: none, one, a few, many."""


def edged(rng, size: int, low: float, high: float, nan: bool = False) -> np.ndarray:
    """Values over [low, high] with the ends, -0.0 and (with `nan`) NaN among the first entries."""
    values = low + (high - low) * rng.random(size)
    edges = [low, high, -0.0 if low == 0.0 else low, low + 1e-12, high - 1e-12] + ([np.nan] if nan else [])
    values[:min(size, len(edges))] = edges[:size]
    return values


def groups(rng, size: int, receiving_share: float) -> np.ndarray:
    """Group codes (0 receiving, 1 arriving) as state.group holds them."""
    return (rng.random(size) >= receiving_share).astype(np.int8)


# ---- each kernel against its rule on synthetic inputs ----
def test_a_power_table_holds_numpys_powers_and_log_exp_work_alike_on_a_table_of_rows():
    from bridges.model.rules.beliefs_compiled import powers

    for base in (0.9, 0.5, 1.0 - 0.37, 0.0, 1.0):
        counts = np.arange(1001, dtype=float)
        assert_same(base ** counts, powers(base, 1000.0)[:1001])
        assert_same(base ** counts[[0, 3, 999, 17]], powers(base, 2.0)[[0, 3, 999, 17]])
    rng = np.random.default_rng(1)
    for length in (0, 1, 5, 8, 9, 63, 64, 65, 1000):
        table = np.exp(rng.normal(0.0, 5.0, (3, length)))
        table[:, :min(length, 2)] = 1e-9 / (1.0 - 1e-9)
        assert_same(np.stack([np.log(row) for row in table]), np.log(table))  # log of the rows at once
        assert_same(np.stack([np.exp(-row) for row in table]), np.exp(-table))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("receiving_share", (0.7, 1.0, 0.0))
def test_the_belief_kernels_are_the_belief_rules(size, receiving_share):
    from bridges.model.rules import beliefs_compiled

    rng = np.random.default_rng(size)
    group = groups(rng, size, receiving_share)
    state = SimpleNamespace(n=size, group=group, education=rng.integers(0, 3, size).astype(np.int8),
                            employed=rng.random(size) < 0.4)
    for topic in ("education", "employment", "welfare"):
        values = edged(rng, size, 0.0, 1.0)
        values[group == belief_rules.ARRIVING] = np.nan
        setattr(state, f"belief_{topic}", values)
    truth = belief_rules.true_shares(group, state.education, state.employed)
    assert_same(truth, beliefs_compiled.true_shares(group, state.education, state.employed))
    blocks = []
    for ties in (0, 3 * size, size):  # a block without ties, a busy one, a sparse one
        receiving, arriving = np.flatnonzero(group == 0), np.flatnonzero(group == 1)
        if receiving.size == 0 or arriving.size == 0:
            ties = 0
        source = rng.choice(receiving, ties) if ties else np.zeros(0, dtype=np.int64)
        target = rng.choice(arriving, ties) if ties else np.zeros(0, dtype=np.int64)
        flip = rng.random(ties) < 0.5  # either side may start a tie
        source, target = np.where(flip, target, source), np.where(flip, source, target)
        blocks.append(SimpleNamespace(source=source, target=target,
                                      encounters=rng.choice([0, 0, 1, 2, 9], ties).astype(np.int64)))
    d = SimpleNamespace(belief_personal_weight=0.3, belief_observation=0.2, belief_media_drift=0.01)
    prior = {"education": 0.2, "employment": 0.45, "welfare": 0.6}
    expected = {}
    sightings = []
    for block in blocks:
        met = np.flatnonzero(block.encounters)
        observer, partner = belief_rules.observer_and_partner(block.source[met], block.target[met], group)
        sightings.append((observer, block.encounters[met],
                          belief_rules.person_facts(state.education[partner], state.employed[partner])))
    seen_any = np.zeros(size, dtype=bool)
    for observer, _, _ in sightings:
        seen_any[observer] = True
    observers = np.flatnonzero(seen_any)
    number = np.zeros(size, dtype=np.int64)
    number[observers] = np.arange(len(observers))
    shown, seen = belief_rules.pooled_observations(len(observers), [(number[o], e, f) for o, e, f in sightings],
                                                   truth, d)
    for column, topic in enumerate(("education", "employment", "welfare")):
        belief = getattr(state, f"belief_{topic}").copy()
        observed = belief_rules.update_belief(belief[observers], shown[:, column], seen, prior[topic], d)
        belief[:] = belief_rules.update_belief(belief, 0.0, 0, prior[topic], d)
        belief[observers] = observed
        expected[topic] = belief
    beliefs_compiled.update(state, blocks, truth, prior, d)
    for topic, belief in expected.items():
        assert_same(belief, getattr(state, f"belief_{topic}"))


@pytest.mark.parametrize("size", SIZES)
def test_the_log_odds_kernels_are_the_negativity_rules(size):
    from bridges.model.rules import negativity_compiled

    rng = np.random.default_rng(10 + size)
    state = SimpleNamespace(attitude=edged(rng, size, 0.0, 100.0), anxiety=edged(rng, size, 0.0, 1.0),
                            trust=edged(rng, size, 0.0, 1.0), positive_history=rng.random(size) * 3,
                            group=groups(rng, size, 0.6))
    positive = rng.choice([0.0, 0.0, 0.5, 1.0, 3.2], size) * rng.random(size)
    negative = rng.choice([0.0, 0.0, 0.3, 2.0], size) * rng.random(size)
    u = SimpleNamespace(attitude_step=0.02, anxiety_step=0.03, trust_step=0.025, negativity_weight=2.0)
    n = SimpleNamespace(enabled=True, buffer_half=1.5, memory=0.02)
    susceptibility = (1.0, 0.8)
    expected = negativity_rules.log_odds_views(state.attitude, state.anxiety, state.trust, positive, negative,
                                               np.array(susceptibility)[state.group], state.positive_history, u, n,
                                               100.0)
    negativity_compiled.update(state, positive, negative, susceptibility, u, n, 100.0, 0, size)
    for wanted, name in zip(expected, ("attitude", "anxiety", "trust")):
        assert_same(wanted, getattr(state, name))


def threat_params(enabled=True):
    return SimpleNamespace(enabled=enabled, local_weight=0.5, overestimation=2.0, intercept=-2.0, burden_weight=2.0,
                           size_weight=2.0, anxiety_weight=2.0, friend_weight=1.0, attitude_weight=0.6)


def threat_state(rng, size: int, receiving_share: float) -> SimpleNamespace:
    group = groups(rng, size, receiving_share)
    state = SimpleNamespace(n=size, group=group, neighbourhood=rng.integers(0, 4, size).astype(np.int32),
                            anxiety=edged(rng, size, 0.0, 1.0), outgroup_friends=rng.integers(0, 3, size),
                            attitude=edged(rng, size, 0.0, 100.0), threat=rng.random(size))
    for topic in ("education", "employment", "welfare"):
        values = edged(rng, size, 0.0, 1.0)
        values[group == 1] = np.nan
        setattr(state, f"belief_{topic}", values)
    state.threat[group == 1] = np.nan
    return state


def rule_threat(state, burden, local, city, t):
    """`current_threat` over everyone, from the rules."""
    perceived = threat_rules.perceived_outgroup_share(local[state.neighbourhood], city, t)
    level = threat_rules.threat_level(burden, perceived, state.anxiety, state.outgroup_friends > 0, t)
    return np.where(state.group == 0, level, np.nan)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("receiving_share", (0.7, 1.0, 0.0))
@pytest.mark.parametrize("enabled", (True, False))
def test_the_threat_kernels_are_the_threat_rules(size, receiving_share, enabled):
    from bridges.model.rules import threat_compiled

    rng = np.random.default_rng(20 + size)
    state, t = threat_state(rng, size, receiving_share), threat_params(enabled)
    local, city = np.array([0.0, 0.1, 0.6, 0.9]), 0.3
    burden = threat_rules.economic_burden(state.belief_education, state.belief_employment, state.belief_welfare)
    threat = rule_threat(state, burden, local, city, t)
    attitude = state.attitude.copy()
    receiving = np.flatnonzero(state.group == 0)
    if enabled:
        attitude[receiving] = threat_rules.threat_attitude_change(attitude[receiving], state.threat[receiving],
                                                                  threat[receiving], t, 100.0)
    threat_compiled.perceive(state, local, city, t, 100.0, 0, size)
    assert_same(threat, state.threat)
    assert_same(attitude, state.attitude)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("receiving_share", (0.7, 1.0, 0.0))
def test_the_standing_threat_kernels_are_its_rules(size, receiving_share):
    from bridges.model.mechanisms import standing_threat
    from bridges.model.rules import threat_compiled

    rng = np.random.default_rng(30 + size)
    state, t = threat_state(rng, size, receiving_share), threat_params()
    local, city = np.array([0.0, 0.2, 0.5, 1.0]), 0.25
    burden = threat_rules.economic_burden(state.belief_education, state.belief_employment, state.belief_welfare)
    reference = rule_threat(state, burden, local, city, t)
    state.anxiety = edged(rng, size, 0.0, 1.0)  # the norm has moved anxiety since the references
    points = standing_threat.threat_component(rule_threat(state, burden, local, city, t), reference,
                                              t.attitude_weight, 100.0)
    component = standing_threat.centred_on_group(points, state.group == 0)
    assert_same(component, threat_compiled.standing(state, burden, reference, local, city, t, 100.0))
    for restore in (False, True):
        attitude = state.attitude.copy()
        expected = (standing_threat.with_threat(attitude, component, 100.0) if restore
                    else standing_threat.without_threat(attitude, component))
        threat_compiled.shift(attitude, component, restore, 100.0, 0, size)
        assert_same(expected, attitude)


@pytest.mark.parametrize("size", SIZES)
def test_the_norm_kernels_are_the_norm_rules(size):
    from bridges.model.rules import norms_compiled

    rng = np.random.default_rng(40 + size)
    group, neighbourhood = groups(rng, size, 0.6), rng.integers(0, 5, size).astype(np.int32)
    views = SimpleNamespace(attitude=edged(rng, size, 0.0, 100.0), anxiety=edged(rng, size, 0.0, 1.0),
                            trust=edged(rng, size, 0.0, 1.0))
    cells = norm_rules.ingroup_places(neighbourhood, group)
    key, n_cells = cells
    hood = norms_compiled.observe(cells, views)
    for name in ("attitude", "anxiety", "trust"):
        assert_same(norm_rules.ingroup_cell_means(getattr(views, name), cells), hood[name])
        assert_same(norm_rules.neighbourhood_ingroup_mean(getattr(views, name), neighbourhood, group), hood[name][key])
    pairs = rng.integers(0, max(size, 1), (2, 2 * size)) if size else np.zeros((2, 0), dtype=np.int64)
    pairs = pairs[:, pairs[0] != pairs[1]]
    friends = friendship_rules.friendship_matrix(size, pairs[0], pairs[1])
    count = np.asarray(friends.sum(axis=1)).ravel().astype(np.int64)
    extended = rng.integers(0, 3, size) * (count > 0)
    start = {name: (getattr(views, name).copy(), edged(rng, size, *VIEW_RANGES[name]),
                    edged(rng, n_cells, *VIEW_RANGES[name])) for name in ("attitude", "anxiety", "trust")}
    n = SimpleNamespace(rate=0.1, friends_weight=0.4, neighbourhood_weight=0.3, own_weight=0.3, extended_signal=0.2,
                        extended_anxiety_relief=0.3)
    views.attitude = views.attitude * 0.9 + 5.0  # the views have moved since their anchors
    share = norm_rules.extended_share(extended, count)
    expected = {}
    for name in ("attitude", "anxiety", "trust"):
        mean = norm_rules.friends_mean(getattr(views, name), friends, count, hood[name][key])
        if name == "attitude":
            mean = norm_rules.extended_norm(mean, share, n, 100.0)
        expected[name] = norm_rules.perceived_norm(start[name][0], mean, start[name][1], hood[name][key],
                                                   start[name][2][key], n, *VIEW_RANGES[name])
    assert norms_compiled.unit_weights(friends)
    for unit_weights in (True, False):  # friendships' weights are 1.0: read or not, the same sums
        norms = {name: np.zeros(size) for name in ("attitude", "anxiety", "trust")}
        norms_compiled.perceive(friends, unit_weights, count, extended, views, key, hood, start, VIEW_RANGES, n, norms)
        for name, wanted in expected.items():
            assert_same(wanted, norms[name])
    friends.data[::3] = 0.5  # weighted rows (the rule's sparse product reads the weights)
    count = np.asarray((friends != 0).sum(axis=1)).ravel().astype(np.int64)
    assert size < 7 or not norms_compiled.unit_weights(friends)
    mean = norm_rules.friends_mean(views.trust, friends, count, hood["trust"][key])
    norms = {name: np.zeros(size) for name in ("attitude", "anxiety", "trust")}
    norms_compiled.perceive(friends, False, count, extended, views, key, hood, start, VIEW_RANGES, n, norms)
    assert_same(norm_rules.perceived_norm(start["trust"][0], mean, start["trust"][1], hood["trust"][key],
                                          start["trust"][2][key], n, *VIEW_RANGES["trust"]), norms["trust"])


@pytest.mark.parametrize("ties", SIZES)
def test_the_friendship_kernels_are_the_friendship_rules(ties):
    from bridges.model.rules import friendship_compiled

    rng = np.random.default_rng(50 + ties)
    people = 40
    source, target = rng.integers(0, people, ties), rng.integers(0, people, ties)
    strength = edged(rng, ties, 0.0, 1.0)
    counts = [rng.choice([0, 0, 1, 4], ties).astype(np.int64) for _ in range(4)]
    f = SimpleNamespace(gain=0.3, loss=0.5, decay=0.01, threshold=0.6)
    expected = friendship_rules.update_tie_strength(strength, 0.5 * (counts[0] + counts[1]),
                                                    0.5 * (counts[2] + counts[3]), f)
    friend = np.zeros(ties, dtype=bool)
    friendship_compiled.strengthen_all(strength, friend, *counts, 1.0 - f.decay, f.gain, f.loss, f.threshold)
    assert_same(expected, strength)
    assert_same(friendship_rules.is_friendship(expected, f), friend)
    outgroup = np.zeros(people, dtype=np.int64)
    friendship_compiled.count_friends([SimpleNamespace(source=source, target=target, friend=friend)], outgroup)
    assert_same(friendship_rules.ties_per_person(people, source, target, friend), outgroup)
    pairs = rng.integers(0, people, (2, 3 * people))
    pairs = pairs[:, pairs[0] != pairs[1]]
    ingroup = friendship_rules.friendship_matrix(people, pairs[0], pairs[1])
    had = rng.random(people) < 0.3
    before = friendship_rules.extended_contacts(ingroup, had.astype(np.int64))
    contacts = np.full(people, -7)
    has, extended = friendship_compiled.extended_all(ingroup.indptr, ingroup.indices, outgroup, had, before, contacts)
    assert_same(outgroup > 0, has)
    assert_same(before + friendship_rules.extended_contacts_change(ingroup, had, outgroup > 0), extended)
    assert_same(friendship_rules.extended_contacts(ingroup, outgroup), extended)  # and the count from scratch
    assert_same(extended, contacts)
    contacts = np.full(people, -7)
    has, extended = friendship_compiled.first_extended(ingroup.indptr, ingroup.indices, outgroup, contacts)
    assert_same(outgroup > 0, has)
    assert_same(friendship_rules.extended_contacts(ingroup, outgroup), extended)  # the first week's count
    assert_same(extended, contacts)


@pytest.mark.parametrize("size", SIZES)
def test_the_rejection_kernel_is_felt_contact(size):
    from bridges.model.mechanisms.rejection import RejectionParams, felt_contact
    from bridges.model.rules.rejection_compiled import felt_all

    rng = np.random.default_rng(60 + size)
    positive, negative = rng.random(size) * 3, rng.choice([0.0, -0.0, 1.0, 2.5], size)
    expectation = edged(rng, size, 0.0, 1.0)
    r = RejectionParams(enabled=True, discount=0.4)
    expected = felt_contact(positive, negative, expectation, r)
    felt_all(positive, negative, expectation, r.discount)
    assert_same(expected[0], positive)
    assert_same(expected[1], negative)


# ---- each phase of a real week run both ways from the same state ----
def model_state(model) -> dict:
    """Everything this file's phases read or write, copied: state arrays, tie fields, the week's weighted
    contact and the mechanisms' attributes."""
    from bridges.model.state import State

    kept = {f"state.{name}": getattr(model.state, name).copy() for name in State.field_names()}
    for block in model.contact_blocks():
        for name in ("strength", "friend", "encounters"):
            kept[f"{block.name}.{name}"] = getattr(block, name).copy()
    for name in ("positive_weighted", "negative_weighted"):
        kept[f"week.{name}"] = getattr(model.week, name).copy()
    for name in ("threat_points", "truth"):
        value = getattr(model, name, None)
        kept[f"model.{name}"] = None if value is None else value.copy()
    memo = getattr(model, "extended_memo", None)
    kept["model.extended_memo"] = None if memo is None else tuple(part.copy() for part in memo)
    for name in ("neighbourhood_views", "perceived_norms"):
        kept[f"model.{name}"] = {key: values.copy() for key, values in getattr(model, name, {}).items()}
    return kept


def set_state(model, kept: dict) -> None:
    """Put `model_state`'s copies back (arrays in place, attributes anew)."""
    for key, value in kept.items():
        owner, name = key.split(".", 1)
        if owner == "model":
            setattr(model, name, value if not isinstance(value, np.ndarray) else value.copy())
            continue
        target = {"state": model.state, "week": model.week}.get(owner)
        if target is None:
            target = next(block for block in model.contact_blocks() if block.name == owner)
        array = getattr(target, name)
        if array.flags.writeable:  # the city's fixed arrays are locked (and unchanged)
            array[...] = value


def assert_same_states(expected: dict, actual: dict) -> None:
    assert expected.keys() == actual.keys()
    for key, wanted in expected.items():
        got = actual[key]
        if isinstance(wanted, dict):
            assert wanted.keys() == got.keys(), key
            for part in wanted:
                assert_same(wanted[part], got[part])
        elif isinstance(wanted, tuple):
            for one, other in zip(wanted, got):
                assert_same(one, other)
        elif wanted is None:
            assert got is None, key
        else:
            assert_same(wanted, got)


@pytest.mark.parametrize("overrides", [("scenario=focus_approach",), ("seed=4",)])
def test_every_phase_of_a_week_is_the_same_compiled(overrides, monkeypatch):
    """Every week of a run, each of this file's phases from the same state with the numpy rules and with the
    kernels (scale ends in the views from the start)."""
    from bridges.model import model as model_module
    from bridges.model import step

    compared = []

    def run_week(model) -> None:
        for phase in step.STEP_ORDER:
            if phase.__name__ not in PHASES:
                phase(model)
                continue
            kept = model_state(model)
            kernels.use("off")
            phase(model)
            expected = model_state(model)
            set_state(model, kept)
            kernels.use("on")
            phase(model)
            assert_same_states(expected, model_state(model))
            compared.append(phase.__name__)

    model, _ = build(params_for(*CITY, *overrides))
    model.state.attitude[:3], model.state.anxiety[3:6], model.state.trust[6:8] = 100.0, (0.0, 1.0, 1.0), 0.0
    monkeypatch.setattr(step, "run_week", run_week)
    monkeypatch.setattr(model_module, "run_week", run_week)
    before = kernels.mode()
    try:
        simulate(model)
    finally:
        kernels.use(before)
    assert sorted(set(compared)) == sorted(PHASES) and len(compared) == len(PHASES) * 12


# ---- whole runs ----
@pytest.mark.parametrize("overrides", [("scenario=focus_approach", "seed=3"),
                                       ("scenario=information", "dynamics.turnover.enabled=false"),
                                       ("contact.negativity.enabled=false", "dynamics.standing_threat.enabled=false")])
def test_a_run_with_these_kernels_is_the_numpy_run(overrides):
    """Every programme on (focus_approach) with turnover; information (beliefs) without turnover; the
    mechanisms' other paths (the proportional update, threat without its standing part)."""
    from bridges.model.rules import (beliefs_compiled, friendship_compiled, norms_compiled, rejection_compiled,
                                     threat_compiled)

    assert_compiled_run_is_numpy_run(overrides, (beliefs_compiled.pool_rows, beliefs_compiled.update_rows,
                                                 friendship_compiled.strengthen_rows, friendship_compiled.extended_rows,
                                                 norms_compiled.cell_means, rejection_compiled.felt_all,
                                                 threat_compiled.perceive_rows), city=CITY)
