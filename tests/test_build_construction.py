"""A big city's construction split over the threads (issue 27) gives the numbers of one pass over everything:
the ties' MultiGraph order in blocks of sources, the initial state's Beta quantiles interpolated in blocks and
drawn in row blocks, the attitude-chosen ingroup friendships taken over blocks of ties, and each layer's place
ties made in blocks of senders. SPLIT_FROM and the block sizes are lowered so a small city splits."""

import numpy as np
import pytest

from bridges.model import city as city_module
from bridges.model import state as state_module
from bridges.model import threads as threads_module
from bridges.model import tie_order
from bridges.model.city import ContactNetwork, unique_pairs
from bridges.model.mechanisms import attitude_homophily
from bridges.model.mechanisms.attitude_homophily import friendship_chance, similarity_weight
from bridges.model.model import BridgesModel
from bridges.model.rules.friendship import friendship_matrix
from bridges.model.city_source import make_city
from bridges.model.streams import Streams
from bridges.model.threads import SERIAL, Threads
from tests.conftest import params_for


@pytest.fixture
def split_everything(monkeypatch):
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(state_module, "ROW_BLOCK", 997)  # several blocks per thread, the last one short
    monkeypatch.setattr(attitude_homophily, "TIE_BLOCK", 997)
    monkeypatch.setattr(tie_order, "TIE_BLOCK", 397)


@pytest.mark.parametrize("a, b", [(2.0, 3.0), (0.4, 0.7), (30.0, 2.5)])
def test_beta_quantiles_in_blocks_are_one_pass(split_everything, a, b):
    u = np.random.default_rng(5).random(10_007)
    u[:3] = [0.0, 1e-300, 1.0 - 2.0 ** -53]  # the steep ends, computed exactly
    table = state_module.quantile_table(a, b)
    whole = state_module.interpolated_quantiles(u, a, b, table)
    threads = Threads(2)
    try:
        blocked = state_module.beta_ppf(u, a, b, threads)
    finally:
        threads.close()
    assert blocked.tobytes() == whole.tobytes()
    assert state_module.beta_ppf(u, a, b, SERIAL).tobytes() == whole.tobytes()


def one_pass_friendships(model: BridgesModel):
    """The attitude-chosen ingroup friendships over all ties at once (the rule before it ran in blocks)."""
    network, state = model.city.network, model.state
    h = model.params.dynamics.attitude_homophily
    ingroup = state.group[network.source] == state.group[network.target]
    codes = [code for code, name in enumerate(network.layer_names) if model.city.layer_params[name].kind == "household"]
    household = np.isin(network.layer, codes)
    u = model.streams.uniform("init.ingroup_friends", 0, len(network.source))
    candidate = ingroup & ~household
    chance = np.zeros(len(network.source))
    chance[candidate] = friendship_chance(
        similarity_weight(state.attitude[network.source[candidate]], state.attitude[network.target[candidate]],
                          h.attitude_scale), model.params.dynamics.friendship.ingroup_share)
    chosen = ingroup & (household | (u < chance))
    return friendship_matrix(state.n, network.source[chosen], network.target[chosen])


@pytest.mark.parametrize("threads", [1, 2])
def test_friendships_chosen_in_blocks_of_ties_are_one_pass(split_everything, threads):
    model = BridgesModel(params_for("city.n_agents=900", "city.n_neighbourhoods=6", "steps=2"), threads=threads)
    assert len(model.city.network.source) > 1_000
    expected = one_pass_friendships(model)
    for part in ("indptr", "indices", "data"):
        assert getattr(model.ingroup_friends, part).tobytes() == getattr(expected, part).tobytes()
    assert model.ingroup_friend_count.tobytes() == np.asarray(expected.sum(axis=1)).ravel().astype(np.int64).tobytes()


@pytest.mark.parametrize("count", [2, 3])
def test_ties_ordered_in_blocks_of_sources_are_one_pass(split_everything, count):
    # small n: many pairs are shared by several layers, some of them at a block's edge
    rng = np.random.default_rng(21)
    n = 80
    layer_pairs = {name: unique_pairs(rng.integers(0, n, size), rng.integers(0, n, size) + 1, n + 1)
                   for name, size in (("a", 400), ("b", 900), ("c", 150), ("d", 0))}
    group = rng.integers(0, 2, n + 1).astype(np.int8)
    whole = ContactNetwork.from_layers(layer_pairs, group)
    threads = Threads(count)
    try:
        blocked = ContactNetwork.from_layers(layer_pairs, group, threads)
    finally:
        threads.close()
    for field in ("source", "target", "layer", "intergroup"):
        assert getattr(blocked, field).dtype == getattr(whole, field).dtype
        assert getattr(blocked, field).tobytes() == getattr(whole, field).tobytes()


@pytest.mark.parametrize("degree, homophily", [(8.0, 0.5), (3.0, 0.0), (0.5, 1.0)])
def test_place_ties_made_in_blocks_of_senders_are_one_pass(monkeypatch, degree, homophily):
    rng = np.random.default_rng(4)
    place = rng.integers(-1, 12, 3_000).astype(np.int32)  # some take no part (NO_PLACE)
    group = rng.integers(0, 2, 3_000).astype(np.int8)
    whole = city_module.place_ties(place, group, degree, homophily, np.random.default_rng(6))
    monkeypatch.setattr(city_module, "TIE_BLOCK", 97)  # dozens of blocks, some ending inside a sender's ties
    blocked = city_module.place_ties(place, group, degree, homophily, np.random.default_rng(6))
    assert blocked.dtype == whole.dtype and blocked.tobytes() == whole.tobytes()


@pytest.mark.parametrize("count", [1, 2])
def test_initial_state_drawn_in_row_blocks_is_one_pass(monkeypatch, count):
    params = params_for("city.n_agents=10000", "city.arriving_share=0.5", "steps=2")  # both groups interpolate
    city = make_city(params, Streams(params.seed))
    whole = state_module.initial_state(params.city, city, Streams(params.seed))
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(state_module, "ROW_BLOCK", 997)  # ten blocks, the last one short
    threads = Threads(count)
    try:
        blocked = state_module.initial_state(params.city, city, Streams(params.seed, threads))
    finally:
        threads.close()
    for name in state_module.State.field_names():
        assert getattr(blocked, name).tobytes() == getattr(whole, name).tobytes(), name
