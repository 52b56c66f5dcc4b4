"""The blocked kernels of the views, beliefs, threat, attitudes and friendship phases (model/rules/norms_compiled.py,
beliefs_compiled.py, threat_compiled.py, negativity_compiled.py, friendship_compiled.py: BLOCKED): each kernel over
odd blocks of rows on three threads gives the numpy rule's numbers (and the whole pass's), bit for bit, and a
whole run with every pass split into blocks goes through them and ends with the numpy run's arrays."""

from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest

from bridges.model import threads as threads_module
from bridges.model.mechanisms.base import VIEW_RANGES
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import norms as norm_rules
from bridges.model.rules import (beliefs_compiled, friendship_compiled, negativity_compiled, norms_compiled,
                                 threat_compiled)
from bridges.model.rules import threat as threat_rules
from bridges.model.threads import Threads
from tests.test_kernels import assert_compiled_run_is_numpy_run, assert_same
from tests import test_kernels_fuse_b
from tests.test_kernels_fuse_b import CITY, SIZES, edged, groups, rule_threat, threat_params, threat_state

ODD_BLOCK = 89
"""Most rows of a block in these tests: several blocks per thread, one not a divisor of the size."""
VIEW_NAMES = ("attitude", "anxiety", "trust")


@pytest.fixture
def odd_blocks(monkeypatch):
    """Every pass split over the threads in blocks of at most ODD_BLOCK rows; three threads (a model's too)."""
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(threads_module, "available_cores", lambda: 3)
    monkeypatch.setattr(threads_module, "ROW_BLOCK", ODD_BLOCK)
    monkeypatch.setattr(norms_compiled, "BLOCK_ROWS", ODD_BLOCK)
    workers = Threads(3)
    yield workers
    workers.close()


def norm_inputs(size: int):
    """A city's views, cells, friendships (weights 1.0), extended contacts and anchors, edges included."""
    rng = np.random.default_rng(70 + size)
    group, neighbourhood = groups(rng, size, 0.6), rng.integers(0, 40, size).astype(np.int32)
    views = SimpleNamespace(attitude=edged(rng, size, 0.0, 100.0), anxiety=edged(rng, size, 0.0, 1.0),
                            trust=edged(rng, size, 0.0, 1.0))
    pairs = rng.integers(0, size, (2, 3 * size))
    pairs = pairs[:, pairs[0] != pairs[1]]
    friends = friendship_rules.friendship_matrix(size, pairs[0], pairs[1])
    count = np.asarray(friends.sum(axis=1)).ravel().astype(np.int64)
    extended = rng.integers(0, 3, size) * (count > 0)
    n_cells = norm_rules.ingroup_places(neighbourhood, group)[1]
    start = {name: (getattr(views, name).copy(), edged(rng, size, *VIEW_RANGES[name]),
                    edged(rng, n_cells, *VIEW_RANGES[name])) for name in VIEW_NAMES}  # the cells' start per cell
    return views, (neighbourhood, group), friends, count, extended, start


PARAMS = SimpleNamespace(rate=0.1, friends_weight=0.4, neighbourhood_weight=0.3, own_weight=0.3, extended_signal=0.2,
                         extended_anxiety_relief=0.3)


@pytest.mark.parametrize("size", [1, 88, 1_001])
def test_the_norm_kernels_over_blocks_are_the_whole_pass_and_the_rules(odd_blocks, size):
    views, places, friends, count, extended, start = norm_inputs(size)
    cells = norm_rules.ingroup_places(*places)
    assert len(odd_blocks.blocks(size, ODD_BLOCK)) == (1 if size == 1 else -(-size // (3 * ODD_BLOCK)) * 3)
    key = cells[0]
    hood = norms_compiled.observe(cells, views)
    for name in VIEW_NAMES:
        assert_same(norm_rules.ingroup_cell_means(getattr(views, name), cells), hood[name])
        assert_same(norm_rules.neighbourhood_ingroup_mean(getattr(views, name), *places), hood[name][key])
    views.attitude = views.attitude * 0.9 + 5.0  # the views have moved since their anchors
    share = norm_rules.extended_share(extended, count)
    for unit_weights in (True, False):
        blocked = {name: np.zeros(size) for name in VIEW_NAMES}
        norms_compiled.perceive(friends, unit_weights, count, extended, views, key, hood, start, VIEW_RANGES, PARAMS,
                                blocked, odd_blocks)
        for name in VIEW_NAMES:
            mean = norm_rules.friends_mean(getattr(views, name), friends, count, hood[name][key])
            if name == "attitude":
                mean = norm_rules.extended_norm(mean, share, PARAMS, 100.0)
            assert_same(norm_rules.perceived_norm(start[name][0], mean, start[name][1], hood[name][key],
                                                  start[name][2][key], PARAMS, *VIEW_RANGES[name]), blocked[name])
    expected = {name: norm_rules.conform(getattr(views, name), blocked[name], PARAMS) for name in VIEW_NAMES}
    expected["anxiety"] = norm_rules.extended_anxiety(expected["anxiety"], share, PARAMS)
    odd_blocks.each_block(lambda first, last: norms_compiled.follow(views, blocked, count, extended, PARAMS, first,
                                                                    last), size, ODD_BLOCK)
    for name in VIEW_NAMES:
        assert_same(expected[name], getattr(views, name))


@pytest.mark.parametrize("size", [1, 88, 1_001])
@pytest.mark.parametrize("receiving_share", (0.7, 0.0))
def test_the_threat_kernels_over_blocks_are_the_rules(odd_blocks, size, receiving_share):
    """Perceived threat over odd row ranges (numpy's exp over each range, as the numpy rule takes it over its
    row blocks), the standing part in blocks on the threads with the group's mean over the whole, and its
    setting aside and return over odd ranges."""
    from bridges.model.mechanisms import standing_threat

    rng = np.random.default_rng(90 + size)
    state, t = threat_state(rng, size, receiving_share), threat_params()
    local, city = np.array([0.0, 0.1, 0.6, 0.9]), 0.3
    burden = threat_rules.economic_burden(state.belief_education, state.belief_employment, state.belief_welfare)
    threat = rule_threat(state, burden, local, city, t)
    attitude = state.attitude.copy()
    receiving = np.flatnonzero(state.group == 0)
    attitude[receiving] = threat_rules.threat_attitude_change(attitude[receiving], state.threat[receiving],
                                                              threat[receiving], t, 100.0)
    odd_blocks.each_block(lambda start, end: threat_compiled.perceive(state, local, city, t, 100.0, start, end),
                          size, ODD_BLOCK)
    assert_same(threat, state.threat)
    assert_same(attitude, state.attitude)
    state.anxiety = edged(rng, size, 0.0, 1.0)  # the norm has moved anxiety since the references
    points = standing_threat.threat_component(rule_threat(state, burden, local, city, t), threat, t.attitude_weight,
                                              100.0)
    component = standing_threat.centred_on_group(points, state.group == 0)
    assert_same(component, threat_compiled.standing(state, burden, threat, local, city, t, 100.0, receiving,
                                                    odd_blocks))
    assert_same(component, threat_compiled.standing(state, burden, threat, local, city, t, 100.0))
    for restore in (False, True):
        attitude = state.attitude.copy()
        expected = (standing_threat.with_threat(attitude, component, 100.0) if restore
                    else standing_threat.without_threat(attitude, component))
        odd_blocks.each_block(lambda start, end: threat_compiled.shift(attitude, component, restore, 100.0, start,
                                                                       end), size, ODD_BLOCK)
        assert_same(expected, attitude)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("receiving_share", (0.7, 0.0))
def test_the_belief_kernels_over_blocks_are_the_rules(odd_blocks, monkeypatch, size, receiving_share):
    """The beliefs' test of the rules (tests/test_kernels_fuse_b.py) with the kernels over blocks of residents
    on three threads: each range of observers pools its own from every tie."""
    monkeypatch.setattr(beliefs_compiled, "update", partial(beliefs_compiled.update, threads=odd_blocks))
    test_kernels_fuse_b.test_the_belief_kernels_are_the_belief_rules(size, receiving_share)


@pytest.mark.parametrize("size", SIZES)
def test_the_log_odds_kernels_over_blocks_are_the_rules(odd_blocks, monkeypatch, size):
    """The log-odds test of the rules (tests/test_kernels_fuse_b.py) with the kernels over odd row ranges on
    three threads (numpy's log and exp over each range's moving people)."""
    whole = negativity_compiled.update

    def in_blocks(state, positive, negative, susceptibility, u, n, top, start, end):
        odd_blocks.each_block(lambda first, last: whole(state, positive, negative, susceptibility, u, n, top, first,
                                                        last), end - start, ODD_BLOCK)

    monkeypatch.setattr(negativity_compiled, "update", in_blocks)
    test_kernels_fuse_b.test_the_log_odds_kernels_are_the_negativity_rules(size)


@pytest.mark.parametrize("ties", [0, 1, 7, 500])
def test_the_friendship_kernels_over_blocks_are_the_rules(odd_blocks, monkeypatch, ties):
    """The friendships' test of the rules (tests/test_kernels_fuse_b.py) with strengths over odd ranges of ties and
    counts over ranges of people, on three threads."""
    for name in ("strengthen_all", "count_friends", "extended_all", "first_extended"):
        monkeypatch.setattr(friendship_compiled, name, partial(getattr(friendship_compiled, name), threads=odd_blocks))
    test_kernels_fuse_b.test_the_friendship_kernels_are_the_friendship_rules(ties)


@pytest.mark.parametrize("overrides", [("scenario=focus_approach", "seed=3"), ("seed=5",)])
def test_a_run_through_the_blocked_kernels_is_the_numpy_run(odd_blocks, overrides):
    """Every pass split in blocks of ODD_BLOCK rows on the model's threads, the kernels on: the blocked kernels
    run and the run ends with the numpy run's arrays."""
    assert_compiled_run_is_numpy_run(overrides, (
        norms_compiled.cell_means, norms_compiled.fill_views, norms_compiled.perceive_rows,
        norms_compiled.follow_rows, threat_compiled.perceive_rows, threat_compiled.standing_rows,
        threat_compiled.centre_rows, threat_compiled.shift_rows, beliefs_compiled.pool_rows,
        beliefs_compiled.update_rows, negativity_compiled.odds, friendship_compiled.strengthen_rows,
        friendship_compiled.count_rows, friendship_compiled.has_friend_rows, friendship_compiled.extended_rows,
        friendship_compiled.first_extended_rows),
        city=CITY)
