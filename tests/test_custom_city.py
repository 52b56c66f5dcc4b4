"""A user network, from CSV or GraphML, becomes Bridges' MultiGraph; every bad input is one clear line."""

import re

import networkx as nx
import pytest

from bridges.model.custom_city import read_custom_city
from bridges.model.errors import InputError

LAYERS = ("household", "neighbourhood", "workplace")
NODES = "id,group,neighbourhood\na,arriving,1\nb, Receiving ,0\nc,receiving,2\n"
EDGES = "source,target,layer\na,b,household\nb,c,workplace\n"


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def read_csv_pair(tmp_path, nodes: str = NODES, edges: str = EDGES, layers=LAYERS) -> nx.MultiGraph:
    return read_custom_city(None, write(tmp_path, "edges.csv", edges), write(tmp_path, "nodes.csv", nodes), layers)


def raises_at(where: str, message: str):
    """pytest.raises for an InputError naming `where`, then saying `message`."""
    return pytest.raises(InputError, match=re.escape(where) + ".*" + re.escape(message))


# ---- valid input ----------------------------------------------------------------------------------
def test_csv_pair_round_trips_nodes_in_row_order(tmp_path):
    graph = read_csv_pair(tmp_path)
    assert list(graph.nodes) == [0, 1, 2]
    assert [graph.nodes[i]["name"] for i in graph] == ["a", "b", "c"]
    assert [graph.nodes[i]["group"] for i in graph] == ["arriving", "receiving", "receiving"]
    assert [graph.nodes[i]["neighbourhood"] for i in graph] == [1, 0, 2]
    assert sorted(graph.edges(keys=True)) == [(0, 1, "household"), (1, 2, "workplace")]


def test_csv_defaults_neighbourhood_and_layer(tmp_path):
    graph = read_csv_pair(tmp_path, nodes="id,group\n1,arriving\n2,receiving\n", edges="target,source\n1,2\n")
    assert [graph.nodes[i]["neighbourhood"] for i in graph] == [0, 0]
    assert list(graph.edges(keys=True)) == [(0, 1, "neighbourhood")]


def test_csv_optional_attributes_are_converted_and_blank_means_not_given(tmp_path):
    nodes = ("id,group,household,employed,language,education\n"
             "1,arriving,3,Yes,0.25,2\n2,receiving,,0,1,0\n3,receiving,4,,,\n")
    graph = read_csv_pair(tmp_path, nodes=nodes, edges="source,target\n1,2\n")
    assert graph.nodes[0] == {"name": "1", "group": "arriving", "neighbourhood": 0, "household": 3,
                              "employed": True, "language": 0.25, "education": 2}
    assert graph.nodes[1] == {"name": "2", "group": "receiving", "neighbourhood": 0, "employed": False,
                              "language": 1.0, "education": 0}
    assert graph.nodes[2] == {"name": "3", "group": "receiving", "neighbourhood": 0, "household": 4}


def test_csv_duplicate_edges_collapse_but_layers_stay_apart(tmp_path):
    edges = "source,target,layer\na,b,household\nb,a,household\na,b,\na,b,neighbourhood\na,b,workplace\n"
    graph = read_csv_pair(tmp_path, edges=edges)
    assert sorted(key for _, _, key in graph.edges(keys=True)) == ["household", "neighbourhood", "workplace"]


def test_graphml_round_trips(tmp_path):
    source = nx.Graph()
    source.add_node("x", group="arriving", neighbourhood=2, language=0.5, employed=False, education=1)
    source.add_node("y", group="receiving")
    source.add_edge("x", "y", layer="workplace")
    path = str(tmp_path / "city.graphml")
    nx.write_graphml(source, path)
    graph = read_custom_city(path, None, None, LAYERS)
    assert graph.nodes[0] == {"name": "x", "group": "arriving", "neighbourhood": 2, "language": 0.5,
                              "employed": False, "education": 1}
    assert graph.nodes[1] == {"name": "y", "group": "receiving", "neighbourhood": 0}
    assert list(graph.edges(keys=True)) == [(0, 1, "workplace")]


def test_directed_graphml_is_read_undirected_with_default_layer(tmp_path):
    source = nx.MultiDiGraph()
    source.add_nodes_from([(7, {"group": "receiving"}), (3, {"group": "arriving"})])
    source.add_edges_from([(7, 3), (3, 7)])
    path = str(tmp_path / "city.graphml")
    nx.write_graphml(source, path)
    graph = read_custom_city(path, None, None, LAYERS)
    assert [graph.nodes[i]["name"] for i in graph] == ["7", "3"]
    assert not graph.is_directed()
    assert list(graph.edges(keys=True)) == [(0, 1, "neighbourhood")]


# ---- choosing the source --------------------------------------------------------------------------
@pytest.mark.parametrize("graphml, edges_csv, nodes_csv", [
    (None, None, None), ("c.graphml", "e.csv", "n.csv"), (None, "e.csv", None), ("c.graphml", None, "n.csv"),
])
def test_exactly_one_source_must_be_given(graphml, edges_csv, nodes_csv):
    with pytest.raises(InputError, match=r"city\.custom\.graphml.*city\.custom\.edges_csv.*city\.custom\.nodes_csv"):
        read_custom_city(graphml, edges_csv, nodes_csv, LAYERS)


# ---- bad files ------------------------------------------------------------------------------------
def test_missing_file_is_named(tmp_path):
    missing = str(tmp_path / "nodes.csv")
    with raises_at(missing, ": file not found"):
        read_custom_city(None, write(tmp_path, "edges.csv", EDGES), missing, LAYERS)


@pytest.mark.parametrize("name", ["nodes.csv", "city.graphml"])
def test_empty_file_is_named(tmp_path, name):
    path = write(tmp_path, name, "")
    arguments = (path, None, None) if name.endswith("graphml") else (None, write(tmp_path, "e.csv", EDGES), path)
    with raises_at(path, ": file is empty"):
        read_custom_city(*arguments, LAYERS)


def test_network_without_nodes(tmp_path):
    with raises_at(str(tmp_path / "nodes.csv"), ": the network has no nodes"):
        read_csv_pair(tmp_path, nodes="id,group\n", edges="source,target\n")


def test_network_needs_both_groups(tmp_path):
    with raises_at(str(tmp_path / "nodes.csv"), ": no arriving nodes"):
        read_csv_pair(tmp_path, nodes="id,group\na,receiving\nb,receiving\n", edges="source,target\n")


@pytest.mark.parametrize("name, text, reason", [
    ("nodes.csv", "id,group\na,arriving\nb,receiving,extra\n", "row 2: 3 fields, but the header has 2"),
    ("nodes.csv", "id,group\na,arriving\n\udcff\n", "not a valid CSV file (not UTF-8 text)"),
    ("city.graphml", "<graphml><graph><node id='a'></graph>", "not a valid GraphML file (mismatched tag"),
    ("city.graphml", "<html>not a graph</html>", "not a valid GraphML file (file not successfully read as graphml)"),
])
def test_unreadable_file_is_one_line(tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    arguments = (str(path), None, None) if name.endswith("graphml") else (None, write(tmp_path, "e.csv", EDGES), str(path))
    with raises_at(str(path), reason) as caught:
        read_custom_city(*arguments, LAYERS)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("file, text, message", [
    ("edges.csv", "source\na\n", ": missing column 'target'"),
    ("nodes.csv", "id,grup\na,arriving\n", ": unknown column 'grup' (known: id, group,"),
    ("nodes.csv", "id,group,id\na,arriving,b\n", ": column 'id' appears more than once"),
])
def test_bad_header_is_named(tmp_path, file, text, message):
    files = {"nodes.csv": NODES, "edges.csv": EDGES, file: text}
    with raises_at(str(tmp_path / file), message):
        read_csv_pair(tmp_path, nodes=files["nodes.csv"], edges=files["edges.csv"])


# ---- bad values -----------------------------------------------------------------------------------
@pytest.mark.parametrize("column, value, message", [
    ("group", "refugee", "'refugee' is not 'arriving' or 'receiving'"),
    ("group", "", "value is missing"),
    ("id", "a", "duplicate id 'a'"),
    ("neighbourhood", "north", "'north' is not a whole number 0 or more"),
    ("neighbourhood", "-1", "'-1' is not a whole number 0 or more"),
    ("household", "2.5", "'2.5' is not a whole number 0 or more"),
    ("employed", "maybe", "'maybe' is not true/false, 1/0 or yes/no"),
    ("language", "1.4", "1.4 is not in [0, 1]"),
    ("language", "fluent", "'fluent' is not a number in [0, 1]"),
    ("education", "3", "'3' is not 0 (basic), 1 (secondary) or 2 (higher)"),
])
def test_bad_node_value_names_file_row_and_column(tmp_path, column, value, message):
    row = {"id": "z", "group": "receiving", "neighbourhood": "0", "household": "1", "employed": "no",
           "language": "0.5", "education": "1", column: value}
    nodes = f"{','.join(row)}\na,arriving,0,,,,\nb,receiving,0,,,,\n{','.join(row.values())}\n"
    with raises_at(f"{tmp_path / 'nodes.csv'} row 3, column {column}: ", message):
        read_csv_pair(tmp_path, nodes=nodes, edges="source,target\na,b\n")


@pytest.mark.parametrize("row, column, message", [
    ("a,99,household", "target", "unknown node id '99'"),
    ("a,a,household", "target", "'a' is also the source (self-loops are not allowed)"),
    ("a,b,gym", "layer", "unknown layer 'gym' (known: household, neighbourhood, workplace)"),
])
def test_bad_edge_names_file_row_and_column(tmp_path, row, column, message):
    edges = f"source,target,layer\na,b,household\nb,c,workplace\n{row}\n"
    with raises_at(f"{tmp_path / 'edges.csv'} row 3, column {column}: ", message):
        read_csv_pair(tmp_path, edges=edges)


def test_default_layer_must_be_a_configured_layer(tmp_path):
    with raises_at(f"{tmp_path / 'edges.csv'} row 1, column layer: ", "default layer 'neighbourhood' is not a layer"):
        read_csv_pair(tmp_path, edges="source,target\na,b\n", layers=("work_school",))


def graphml_file(tmp_path, graph: nx.Graph) -> str:
    path = str(tmp_path / "city.graphml")
    nx.write_graphml(graph, path)
    return path


def test_graphml_bad_attribute_names_node_and_attribute(tmp_path):
    graph = nx.Graph()
    graph.add_node("a7", group="arriving", language=1.4)
    graph.add_node("b", group="receiving")
    path = graphml_file(tmp_path, graph)
    with pytest.raises(InputError, match=re.escape(f"{path} node 'a7', attribute language: 1.4 is not in [0, 1]")):
        read_custom_city(path, None, None, LAYERS)


@pytest.mark.parametrize("node_data, edge, message", [
    ({"grp": "arriving"}, ("a", "b"), "node 'a': unknown attribute 'grp'"),
    ({"group": "arriving"}, ("a", "a"), "edge 'a'-'a': self-loops are not allowed"),
    ({"group": "arriving"}, ("a", "b", {"layer": "gym"}), "edge 'a'-'b', attribute layer: unknown layer 'gym'"),
])
def test_graphml_bad_network_names_node_or_edge(tmp_path, node_data, edge, message):
    graph = nx.Graph()
    graph.add_nodes_from([("a", node_data), ("b", {"group": "receiving"})])
    graph.add_edges_from([edge])
    path = graphml_file(tmp_path, graph)
    with raises_at(path, f" {message}"):
        read_custom_city(path, None, None, LAYERS)


GRAPHML_WITH_DEFAULT_GROUP = """<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="g" for="node" attr.name="group" attr.type="string"><default>receiving</default></key>
<graph edgedefault="undirected"><node id="a"><data key="g">arriving</data></node><node id="b"/>{more}</graph>
</graphml>"""


def test_graphml_key_defaults_apply_to_nodes(tmp_path):
    path = write(tmp_path, "city.graphml", GRAPHML_WITH_DEFAULT_GROUP.format(more='<edge source="a" target="b"/>'))
    graph = read_custom_city(path, None, None, LAYERS)
    assert [graph.nodes[i]["group"] for i in graph] == ["arriving", "receiving"]


@pytest.mark.parametrize("more, message", [
    ('<edge source="a" target="c"/>', "edge 'a'-'c': unknown node id 'c'"),
    ('<node id="a"/>', "node 'a': duplicate id 'a'"),
])
def test_graphml_undeclared_or_repeated_node_is_an_error(tmp_path, more, message):
    path = write(tmp_path, "city.graphml", GRAPHML_WITH_DEFAULT_GROUP.format(more=more))
    with raises_at(path, f" {message}"):
        read_custom_city(path, None, None, LAYERS)
