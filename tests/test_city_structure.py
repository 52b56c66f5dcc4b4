"""The city's measured structure, computed on the edge arrays, equals what networkx measures on the graph."""

import networkx as nx
import numpy as np
import pytest

from bridges.model.city import assign_groups, build_city
from bridges.model.streams import Streams
from tests.conftest import in_one_worker, params_for

pytestmark = in_one_worker(__name__)


@pytest.fixture(scope="module")
def city_and_graph():
    params = params_for("city.n_agents=3000", "city.arriving_share=0.2")
    city = build_city(params.city, Streams(6), assign_groups(3000, 0.2, Streams(6)))
    return params, city, city.to_networkx()


def layer_graph(graph: nx.MultiGraph, name: str) -> nx.Graph:
    """One layer as a simple graph (each pair appears once per layer)."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    simple.add_edges_from((i, j) for i, j, key in graph.edges(keys=True) if key == name)
    return simple


def test_assortativity_and_ei_index_match_networkx(city_and_graph):
    params, city, graph = city_and_graph
    for name in params.city.layers:
        simple = layer_graph(graph, name)
        if name != "household":  # households are single-community: assortativity is 1 by construction
            assert city.measured[f"assortativity_{name}"] == pytest.approx(
                nx.attribute_assortativity_coefficient(simple, "group"), abs=1e-9)
        external = sum(simple.nodes[i]["group"] != simple.nodes[j]["group"] for i, j in simple.edges)
        assert city.measured[f"ei_index_{name}"] == pytest.approx(2 * external / simple.number_of_edges() - 1)


def test_mean_degree_counts_participants_only(city_and_graph):
    params, city, graph = city_and_graph
    simple = layer_graph(graph, "neighbourhood")
    assert city.measured["mean_degree_neighbourhood"] == pytest.approx(2 * simple.number_of_edges() / 3000)
    clubs = layer_graph(graph, "sports_club")
    members = city.measured["mean_degree_sports_club"]
    # Members are the residents placed in a club; some have no tie, so this is at most the degree over tied ones.
    tied = [node for node, degree in clubs.degree if degree > 0]
    assert members <= 2 * clubs.number_of_edges() / len(tied)
    assert members == pytest.approx(params.city.layers["sports_club"].degree, rel=0.15)


def test_neighbourhood_dissimilarity_matches_a_direct_count(city_and_graph):
    _, city, graph = city_and_graph
    group = np.array([graph.nodes[i]["group"] == "arriving" for i in graph.nodes])
    area = np.array([graph.nodes[i]["neighbourhood"] for i in graph.nodes])
    share_arriving = np.bincount(area[group], minlength=area.max() + 1) / group.sum()
    share_receiving = np.bincount(area[~group], minlength=area.max() + 1) / (~group).sum()
    expected = 0.5 * np.abs(share_arriving - share_receiving).sum()
    assert city.measured["dissimilarity_neighbourhood"] == pytest.approx(expected)
