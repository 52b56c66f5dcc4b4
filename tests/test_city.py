"""The city builder: group sizes, placement, homophily, and the measures it reports."""

import pickle

import networkx as nx
import numpy as np
import pytest

from bridges.model.city import (
    ContactNetwork,
    assign_groups,
    assign_places,
    build_city,
    clique_ties,
    dissimilarity_index,
    form_households,
    place_ties,
    tie_mixing,
    unique_pairs,
)
from bridges.model.params import GROUPS
from bridges.model.streams import Streams
from tests.conftest import params_for


def groups(n=4000, share=0.1, seed=0):
    return assign_groups(n, share, Streams(seed))


def test_assign_groups_gives_exact_share():
    g = groups(4000, 0.1)
    assert (g == GROUPS.index("arriving")).sum() == 400


def test_dissimilarity_index_on_known_cases():
    group = np.array([0, 0, 1, 1])
    assert dissimilarity_index(group, np.array([0, 1, 0, 1])) == 0.0
    assert dissimilarity_index(group, np.array([0, 0, 1, 1])) == 1.0


@pytest.mark.parametrize("segregation", [0.0, 0.5, 1.0])
def test_segregation_input_orders_measured_dissimilarity(segregation):
    g = groups()
    d = {s: dissimilarity_index(g, assign_places(g, 20, 0.25, s, np.random.default_rng(5)))
         for s in (0.0, 0.5, 1.0)}
    assert d[0.0] < 0.15  # sampling noise only
    assert d[0.0] < d[0.5] < d[1.0]
    assert d[1.0] > 0.7


def test_places_have_roughly_equal_size():
    g = groups()
    sizes = np.bincount(assign_places(g, 20, 0.25, 0.5, np.random.default_rng(6)), minlength=20)
    assert sizes.min() > 0.7 * 200 and sizes.max() < 1.3 * 200


def test_place_ties_stay_within_places_and_reach_the_degree():
    g = groups()
    place = assign_places(g, 10, 0.25, 0.0, np.random.default_rng(7))
    pairs = place_ties(place, g, 8.0, 0.3, np.random.default_rng(8))
    assert np.all(place[pairs[:, 0]] == place[pairs[:, 1]])
    assert np.all(pairs[:, 0] < pairs[:, 1])
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    assert 7.5 < 2 * len(pairs) / len(g) < 8.1  # a few duplicates are dropped


def test_homophily_lowers_intergroup_ties():
    g = groups()
    place = np.zeros(len(g), dtype=np.int32)
    share = [tie_mixing(g, place_ties(place, g, 10.0, h, np.random.default_rng(9)))["intergroup_tie_share"]
             for h in (0.0, 0.5, 0.9)]
    assert share[0] > share[1] > share[2]
    assert share[0] == pytest.approx(2 * 0.1 * 0.9, abs=0.02)  # random mixing: 2 p (1 - p)


def test_tie_mixing_matches_networkx_assortativity():
    g = groups(1000, 0.2)
    pairs = place_ties(np.zeros(1000, dtype=np.int32), g, 6.0, 0.5, np.random.default_rng(10))
    graph = nx.Graph()
    graph.add_nodes_from((i, {"g": int(x)}) for i, x in enumerate(g))
    graph.add_edges_from(map(tuple, pairs))
    ours = tie_mixing(g, pairs)
    assert ours["assortativity"] == pytest.approx(nx.attribute_assortativity_coefficient(graph, "g"), abs=1e-9)
    external = np.mean(g[pairs[:, 0]] != g[pairs[:, 1]])
    assert ours["ei_index"] == pytest.approx(2 * external - 1)


def test_contact_network_marks_intergroup_ties():
    graph = nx.MultiGraph()
    graph.add_edges_from([(0, 1, "neighbourhood"), (1, 2, "neighbourhood"), (0, 2, "workplace")])
    group = np.array([0, 1, 1], dtype=np.int8)
    network = ContactNetwork.from_graph(graph, group, ("neighbourhood", "workplace"))
    intergroup = {tuple(sorted((network.source[i], network.target[i]))) for i in network.intergroup}
    assert intergroup == {(0, 1), (0, 2)}
    assert network.pairs("workplace").tolist() == [[0, 2]]


def test_build_city_reports_what_it_built():
    params = params_for("city.n_agents=2000")
    g = assign_groups(2000, params.city.arriving_share, Streams(0))
    city = build_city(params.city, Streams(0), g)
    graph = city.to_networkx()
    assert graph.number_of_nodes() == 2000
    assert graph.number_of_edges() == len(city.network.source)
    for name in params.city.layers:
        assert f"mean_degree_{name}" in city.measured and f"ei_index_{name}" in city.measured
    assert city.measured["mean_degree_neighbourhood"] == pytest.approx(params.city.layers["neighbourhood"].degree, rel=0.1)
    assert city.requested["dissimilarity_neighbourhood"] == "segregation=0.5"


def test_form_households_are_single_community_with_requested_size():
    g = groups(20_000, 0.2)
    household = form_households(g, {"arriving": 3.0, "receiving": 1.5}, np.random.default_rng(11))
    owners = {}
    for person, unit in enumerate(household[:2000]):
        owners.setdefault(unit, set()).add(int(g[person]))
    assert all(len(v) == 1 for v in owners.values())
    sizes = np.bincount(household)
    sizes = sizes[sizes > 0]
    arriving_units = np.unique(household[g == 1])
    assert np.mean(np.bincount(household[g == 1])[arriving_units]) == pytest.approx(3.0, rel=0.05)
    assert sizes.sum() == len(g)


def test_clique_ties_join_everyone_in_a_unit():
    pairs = clique_ties(np.array([0, 0, 1, 0, 2, 1]))
    assert pairs.tolist() == [[0, 1], [0, 3], [1, 3], [2, 5]]


def test_households_share_a_neighbourhood_and_have_no_intergroup_ties():
    params = params_for("city.n_agents=2000")
    city = build_city(params.city, Streams(1), assign_groups(2000, 0.1, Streams(1)))
    pairs = city.network.pairs("household")
    assert len(pairs) > 0
    assert np.all(city.residents.neighbourhood[pairs[:, 0]] == city.residents.neighbourhood[pairs[:, 1]])
    assert np.all(city.residents.group[pairs[:, 0]] == city.residents.group[pairs[:, 1]])


def test_workplace_sectors_follow_group_shares_and_segregation():
    params = params_for("city.n_agents=6000", "city.arriving_share=0.2")
    city = build_city(params.city, Streams(2), assign_groups(6000, 0.2, Streams(2)))
    arriving = city.residents.group == 1
    services = list(params.city.layers["workplace"].sectors).index("services")
    assert np.mean(city.residents.sector[arriving] == services) == pytest.approx(0.5, abs=0.05)
    assert np.mean(city.residents.sector[~arriving] == services) == pytest.approx(0.3, abs=0.03)
    assert np.all(city.residents.workplace >= 0)  # everyone has a potential workplace
    # The most sorted sector puts arriving workers in fewer sites than the least sorted one.
    professional = list(params.city.layers["workplace"].sectors).index("professional")
    d = {code: dissimilarity_index(city.residents.group[city.residents.sector == code], city.residents.workplace[city.residents.sector == code])
         for code in (services, professional)}
    assert d[professional] > d[services]


def test_venue_membership_is_group_biased():
    params = params_for("city.n_agents=6000")
    city = build_city(params.city, Streams(3), assign_groups(6000, 0.1, Streams(3)))
    assert city.measured["dissimilarity_religious_centre"] > city.measured["dissimilarity_community_centre"]
    members = np.unique(city.network.pairs("religious_centre"))
    assert np.mean(city.residents.group[members] == 1) > 0.1  # over-represented against 10% of residents


# ---- arrays end to end ----------------------------------------------------------------------------
def test_unique_pairs_match_numpy_unique_rows():
    rng = np.random.default_rng(12)
    first, second = rng.integers(0, 50, 400), rng.integers(0, 50, 400)
    keep = first != second
    rows = np.unique(np.sort(np.column_stack([first[keep], second[keep]]), axis=1), axis=0)
    assert unique_pairs(first[keep], second[keep], 50).tolist() == rows.tolist()


def graph_built_layer_by_layer(layer_pairs: dict[str, np.ndarray], n: int) -> nx.MultiGraph:
    """The way the city was built before arrays end to end: one MultiGraph, layer after layer."""
    graph = nx.MultiGraph()
    graph.add_nodes_from(range(n))
    for name, pairs in layer_pairs.items():
        graph.add_edges_from((int(i), int(j), name) for i, j in pairs)
    return graph


def test_tie_order_is_the_multigraph_edge_order():
    # Every per-tie random stream follows this order, so it must equal networkx's edge iteration of the
    # graph the city used to be built as (pairs shared by several layers and unsorted adjacency included).
    rng = np.random.default_rng(13)
    n = 60
    layer_pairs = {name: unique_pairs(rng.integers(0, n, size), rng.integers(0, n, size) + 1, n + 1)
                   for name, size in (("a", 150), ("b", 200), ("c", 90))}
    group = rng.integers(0, 2, n + 1).astype(np.int8)
    ours = ContactNetwork.from_layers(layer_pairs, group)
    reference = ContactNetwork.from_graph(graph_built_layer_by_layer(layer_pairs, n + 1), group, ("a", "b", "c"))
    for field in ("source", "target", "layer", "intergroup"):
        assert getattr(ours, field).tolist() == getattr(reference, field).tolist()


def test_generated_city_matches_its_multigraph_and_round_trips_through_networkx():
    params = params_for("city.n_agents=1500")
    city = build_city(params.city, Streams(4), assign_groups(1500, 0.1, Streams(4)))
    names = tuple(params.city.layers)
    by_layer = {name: np.unique(city.network.pairs(name), axis=0) for name in names}
    reference = ContactNetwork.from_graph(graph_built_layer_by_layer(by_layer, 1500), city.residents.group, names)
    again = ContactNetwork.from_graph(city.to_networkx(), city.residents.group, names)
    for network in (reference, again):
        assert np.array_equal(network.source, city.network.source)
        assert np.array_equal(network.target, city.network.target)
        assert np.array_equal(network.layer, city.network.layer)
    assert city.to_networkx().nodes[0]["group"] == GROUPS[city.residents.group[0]]


def test_residents_are_read_only_also_after_pickling():
    params = params_for("city.n_agents=500")
    city = build_city(params.city, Streams(5), assign_groups(500, 0.1, Streams(5)))
    copied = pickle.loads(pickle.dumps(city))  # as sent to a worker process
    assert np.array_equal(copied.residents.group, city.residents.group)
    for residents in (city.residents, copied.residents):
        for name in ("group", "neighbourhood", "household", "workplace", "sector", "has_children"):
            with pytest.raises(ValueError, match="read-only"):
                getattr(residents, name)[0] = 1
