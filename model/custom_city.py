"""A user-supplied city network, read from a GraphML file or from an edge CSV plus a node CSV.

The result has the form of the generated city (`model.city`): a MultiGraph with nodes 0..n-1 and one
edge per tie keyed by layer name. Every problem raises one `InputError` line naming the file, the row
(first row after the header is row 1) or node, and the column or attribute, so the model never sees a
malformed network. Files are read locally only: nothing is fetched, nothing is unpickled.
"""

import io
import xml.etree.ElementTree as ElementTree
from collections import Counter
from functools import partial

import networkx as nx
import pandas as pd

from bridges.model.errors import InputError
from bridges.model.input_files import csv_text, read_bytes
from bridges.model.ranges import GROUPS, MAX_AGENTS

DEFAULT_LAYER = "neighbourhood"
"""Layer of an edge whose layer is not given."""

DEFAULT_NEIGHBOURHOOD = 0
"""Neighbourhood of a node whose neighbourhood is not given."""

EDUCATION_LEVELS = ("basic", "secondary", "higher")
"""Education codes: a node's `education` is an index here."""

BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
"""Accepted spellings of `employed` (case-insensitive)."""

NODE_COLUMNS = {
    "id": (True, "text", "unique node id; edge rows refer to it (compared as text)"),
    "group": (True, "group", "'arriving' or 'receiving' (case-insensitive)"),
    "neighbourhood": (False, "count", f"neighbourhood index, a whole number >= 0 (default {DEFAULT_NEIGHBOURHOOD})"),
    "household": (False, "count", "household index, a whole number >= 0"),
    "employed": (False, "boolean", "works or not: true/false, 1/0 or yes/no"),
    "language": (False, "share", "proficiency in the receiving community's language, in [0, 1]"),
    "education": (False, "education", "0 basic, 1 secondary, 2 higher"),
}
"""Node CSV columns (GraphML node attributes, except `id`): name -> (required, kind, description).
A blank cell or absent attribute of an optional column means 'not given' for that node; any other
column is an error, so typos are caught."""

EDGE_COLUMNS = {
    "source": (True, "text", "id of one end (a node `id`)"),
    "target": (True, "text", "id of the other end; not the source (no self-loops)"),
    "layer": (False, "layer", f"contact layer name (default '{DEFAULT_LAYER}')"),
}
"""Edge CSV columns (GraphML edge attribute: `layer` only): name -> (required, kind, description).
Ties are undirected; repeats of the same pair in the same layer count once."""

_NODE_ATTRIBUTES = {name: spec for name, spec in NODE_COLUMNS.items() if name != "id"}
_EDGE_ATTRIBUTES = ("layer",)


# ---- values ---------------------------------------------------------------------------------------
def _text(value) -> str:
    """A raw cell or attribute as trimmed text; missing is ''."""
    return "" if value is None else str(value).strip()


def _number(text: str, where: str, expected: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{where}: '{text}' is not {expected}") from None


def _parse_group(text: str, where: str) -> str:
    if text.lower() not in GROUPS:
        raise InputError(f"{where}: '{text}' is not {' or '.join(repr(g) for g in sorted(GROUPS))}")
    return text.lower()


def _parse_whole(text: str, where: str, expected: str, limit: float = float("inf")) -> int:
    """A whole number in [0, limit); '3.0' counts as 3, since spreadsheets write numbers so."""
    number = _number(text, where, expected)
    if not (number.is_integer() and 0 <= number < limit):
        raise InputError(f"{where}: '{text}' is not {expected}")
    return int(number)


def _parse_boolean(text: str, where: str) -> bool:
    if text.lower() not in BOOLEAN_WORDS:
        raise InputError(f"{where}: '{text}' is not true/false, 1/0 or yes/no")
    return BOOLEAN_WORDS[text.lower()]


def _parse_share(text: str, where: str) -> float:
    number = _number(text, where, "a number in [0, 1]")
    if not 0.0 <= number <= 1.0:
        raise InputError(f"{where}: {text} is not in [0, 1]")
    return number


_EDUCATION_CODES = [f"{code} ({level})" for code, level in enumerate(EDUCATION_LEVELS)]
_PARSERS = {
    "group": _parse_group,
    "count": partial(_parse_whole, expected="a whole number 0 or more"),
    "boolean": _parse_boolean,
    "share": _parse_share,
    "education": partial(_parse_whole, expected=f"{', '.join(_EDUCATION_CODES[:-1])} or {_EDUCATION_CODES[-1]}",
                         limit=len(EDUCATION_LEVELS)),
}
"""Converter of each value kind in NODE_COLUMNS: (trimmed text, place for messages) -> value."""


def _parse_layer(text: str, where: str, layer_names: tuple[str, ...]) -> str:
    known = ", ".join(sorted(layer_names))
    if text and text not in layer_names:
        raise InputError(f"{where}: unknown layer '{text}' (known: {known})")
    if not text and DEFAULT_LAYER not in layer_names:
        raise InputError(f"{where}: not given, and the default layer '{DEFAULT_LAYER}' is not a layer (known: {known})")
    return text or DEFAULT_LAYER


# ---- files, names and places ----------------------------------------------------------------------
def _reject_unknown(names, known, place: str, what: str) -> None:
    """Refuse any name not in `known`, so a misspelt column or attribute is not silently dropped."""
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InputError(f"{place}: unknown {what} '{unknown[0]}' (known: {', '.join(known)})")


def _csv_place(path: str, row: int, column: str) -> str:
    return f"{path} row {row}, column {column}"


def _graphml_place(path: str, item: str, attribute: str) -> str:
    return f"{path} {item}, attribute {attribute}"


# ---- nodes and the graph --------------------------------------------------------------------------
INDEX_COLUMNS = ("neighbourhood", "household")
"""Index columns arrays are sized from: each must be below MAX_AGENTS (no run has more neighbourhoods
or households than residents), checked before any array is made."""


def _node(name: str, values: dict, where, index_of: dict[str, int]) -> dict:
    """Bridges' attributes of one node from its raw values; registers `name` in `index_of`."""
    if not name:
        raise InputError(f"{where('id')}: value is missing")
    if name in index_of:
        raise InputError(f"{where('id')}: duplicate id '{name}'")
    index_of[name] = len(index_of)
    attributes = {"name": name, "neighbourhood": DEFAULT_NEIGHBOURHOOD}
    for column, (required, kind, _) in _NODE_ATTRIBUTES.items():
        text = _text(values.get(column))
        if text:
            attributes[column] = _PARSERS[kind](text, where(column))
            if column in INDEX_COLUMNS and attributes[column] >= MAX_AGENTS:
                raise InputError(f"{where(column)}: '{text}' is too large (must be below {MAX_AGENTS:,}, the most "
                                 f"residents a run may have)")
        elif required:
            raise InputError(f"{where(column)}: value is missing")
    return attributes


def _graph(path: str, nodes: list[dict], edges: list[tuple[int, int, str]]) -> nx.MultiGraph:
    """The MultiGraph in Bridges' form, once the network is known to have both groups."""
    if not nodes:
        raise InputError(f"{path}: the network has no nodes")
    for group in sorted(GROUPS):
        if not any(node["group"] == group for node in nodes):
            raise InputError(f"{path}: no {group} nodes (need at least one arriving and one receiving node)")
    graph = nx.MultiGraph()
    graph.add_nodes_from(enumerate(nodes))
    for source, target, layer in edges:
        graph.add_edge(source, target, key=layer)
    return graph


# ---- CSV ------------------------------------------------------------------------------------------
def _read_csv(path: str, columns: dict) -> list[dict[str, str]]:
    """Data rows of a CSV file as {column: trimmed text}, after checking its header against `columns`."""
    text = csv_text(path, read_bytes(path))
    try:
        table = pd.read_csv(io.StringIO(text, newline=""), header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"{path}: not a valid CSV file ({str(error).strip().splitlines()[0]})") from None
    header = [cell.strip() for cell in table.iloc[0]]
    _reject_unknown(header, columns, path, "column")
    for column in header:
        if header.count(column) > 1:
            raise InputError(f"{path}: column '{column}' appears more than once")
    for column, (required, _, _) in columns.items():
        if required and column not in header:
            raise InputError(f"{path}: missing column '{column}'")
    return [dict(zip(header, map(_text, row))) for row in table.iloc[1:].itertuples(index=False)]


def _read_csv_pair(edges_csv: str, nodes_csv: str, layer_names: tuple[str, ...]) -> nx.MultiGraph:
    index_of: dict[str, int] = {}
    nodes = [_node(row["id"], row, partial(_csv_place, nodes_csv, number), index_of)
             for number, row in enumerate(_read_csv(nodes_csv, NODE_COLUMNS), start=1)]
    edges = []
    for number, row in enumerate(_read_csv(edges_csv, EDGE_COLUMNS), start=1):
        where = partial(_csv_place, edges_csv, number)
        for column in ("source", "target"):
            if not row[column]:
                raise InputError(f"{where(column)}: value is missing")
            if row[column] not in index_of:
                raise InputError(f"{where(column)}: unknown node id '{row[column]}'")
        if row["source"] == row["target"]:
            raise InputError(f"{where('target')}: '{row['target']}' is also the source (self-loops are not allowed)")
        layer = _parse_layer(row.get("layer", ""), where("layer"), layer_names)
        edges.append((index_of[row["source"]], index_of[row["target"]], layer))
    return _graph(nodes_csv, nodes, edges)


# ---- GraphML --------------------------------------------------------------------------------------
def _load_graphml(path: str) -> tuple[nx.MultiGraph | nx.MultiDiGraph, Counter]:
    """The raw network in a GraphML file, and how often each node id is declared (networkx silently
    merges repeats and adds nodes only edges name). xml.etree runs no code and fetches no entity."""
    content = read_bytes(path)
    try:
        network = nx.read_graphml(io.BytesIO(content), node_type=str, force_multigraph=True)
    except KeyError as error:  # a typed value networkx cannot convert, e.g. boolean 'maybe'
        raise InputError(f"{path}: not a valid GraphML file (bad value {error})") from None
    except (ElementTree.ParseError, nx.NetworkXError, ValueError, TypeError, AttributeError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InputError(f"{path}: not a valid GraphML file ({reason})") from None
    elements = list(ElementTree.fromstring(content).iter())
    graphs = sum(element.tag.rpartition("}")[2] == "graph" for element in elements)
    if graphs > 1:  # networkx reads the first and drops the rest without a word
        raise InputError(f"{path}: holds {graphs} <graph> elements; Bridges reads one network per file")
    declared = Counter(element.get("id") for element in elements if element.tag.rpartition("}")[2] == "node")
    return network, declared


def _read_graphml(path: str, layer_names: tuple[str, ...]) -> nx.MultiGraph:
    network, declared = _load_graphml(path)
    if None in declared:
        raise InputError(f"{path}: a node has no id attribute (every <node> needs id=\"...\")")
    for name, count in declared.items():
        if count > 1:
            raise InputError(f"{path} node '{name}': duplicate id '{name}'")
    for source, target in network.edges():
        for end in (source, target):
            if end not in declared:
                raise InputError(f"{path} edge '{source}'-'{target}': unknown node id '{end}'")
    node_defaults = network.graph.get("node_default", {})
    edge_defaults = network.graph.get("edge_default", {})
    index_of: dict[str, int] = {}
    nodes = []
    for name, data in network.nodes(data=True):
        values = {**node_defaults, **data}
        _reject_unknown(values, _NODE_ATTRIBUTES, f"{path} node '{name}'", "attribute")
        nodes.append(_node(name, values, partial(_graphml_place, path, f"node '{name}'"), index_of))
    edges = []
    for source, target, data in network.edges(data=True):
        item = f"edge '{source}'-'{target}'"
        values = {**edge_defaults, **data}
        _reject_unknown(values, _EDGE_ATTRIBUTES, f"{path} {item}", "attribute")
        if source == target:
            raise InputError(f"{path} {item}: self-loops are not allowed")
        layer = _parse_layer(_text(values.get("layer")), _graphml_place(path, item, "layer"), layer_names)
        edges.append((index_of[source], index_of[target], layer))
    return _graph(path, nodes, edges)


# ---- entry point ----------------------------------------------------------------------------------
def read_custom_city(graphml: str | None, edges_csv: str | None, nodes_csv: str | None,
                     layer_names: tuple[str, ...]) -> nx.MultiGraph:
    """Read and validate a user network; return a MultiGraph in Bridges' form.

    Give either `graphml`, or both `edges_csv` and `nodes_csv`. Nodes are relabelled 0..n-1 in file
    order and keep their original id as "name"; every edge's layer must be one of `layer_names`.
    """
    sources = {"graphml": graphml, "edges_csv": edges_csv, "nodes_csv": nodes_csv}
    given = [f"city.custom.{key}" for key, value in sources.items() if value]
    if given not in (["city.custom.graphml"], ["city.custom.edges_csv", "city.custom.nodes_csv"]):
        raise InputError("city.custom: give either city.custom.graphml, or both city.custom.edges_csv and "
                         f"city.custom.nodes_csv (given: {', '.join(given) or 'none'})")
    if graphml:
        return _read_graphml(graphml, tuple(layer_names))
    return _read_csv_pair(edges_csv, nodes_csv, tuple(layer_names))


GENERATOR_KEYS = ("n_agents", "arriving_share", "n_neighbourhoods", "segregation", "arrival_area_share",
                  "household_size")
"""city.* keys that shape a generated city only: with a custom city the file says who lives where."""


def check_custom_overrides(cfg, keys: list[str]) -> None:
    """With a custom city (`city.custom.*` set), refuse an override of a key the file replaces: it would be
    ignored, yet recorded in config.yaml as if it had shaped the city. `keys` are the overridden keys."""
    custom = cfg.get("city", {}).get("custom", {}) if hasattr(cfg, "get") else {}
    if not custom or not any(custom.get(name) for name in ("graphml", "edges_csv", "nodes_csv")):
        return
    for key in keys:
        name = key.split(".")[1] if key.startswith("city.") and key.count(".") >= 1 else None
        if name in GENERATOR_KEYS:
            raise InputError(f"{key}: not used with a custom city (city.custom.*): the file gives the residents, "
                             "their groups and neighbourhoods; leave it out")


def check_custom_eligibility(params, neighbourhoods) -> None:
    """Every neighbourhood a programme's eligibility names exists in the custom city's file (else the
    programme would reach nobody yet be charged for)."""
    present = {int(n) for n in neighbourhoods}
    source = params.city.custom.graphml or params.city.custom.nodes_csv
    for name, intervention in params.interventions.items():
        missing = [index for index in intervention.delivery.eligible.neighbourhoods if index not in present]
        if missing:
            raise InputError(f"interventions.{name}.delivery.eligible.neighbourhoods: neighbourhood {missing[0]} is "
                             f"not in {source} (its neighbourhoods: {', '.join(map(str, sorted(present)[:20]))})")
