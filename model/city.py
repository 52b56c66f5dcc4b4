"""The networked city: residents placed in neighbourhoods and workplaces, tied in contact layers.

The city is built as a networkx MultiGraph (one edge per tie, keyed by layer) so users can inspect,
export or replace it; `ContactNetwork.from_graph` then converts it once into the edge arrays the
weekly step uses. The built city also reports what it got (segregation, homophily) next to what was
asked for.
"""

from dataclasses import dataclass

import networkx as nx
import numpy as np

from model.errors import InputError
from model.params import GROUPS, CityParams, LayerParams
from model.streams import Streams

ALLPORT_CONDITIONS = ("equal_status", "common_goal", "cooperation", "institutional_support")
"""Allport's four conditions of optimal contact, each a per-layer setting parameter in [0, 1]."""

NO_PLACE = -1
"""Place index of a resident who takes no part in a layer (e.g. no job or school)."""


# ---- placing people -------------------------------------------------------------------------------
def assign_groups(n_agents: int, arriving_share: float, streams: Streams) -> np.ndarray:
    """Group code per resident: exactly round(share * n) arriving members, in random positions."""
    n_arriving = int(round(arriving_share * n_agents))
    group = np.zeros(n_agents, dtype=np.int8)
    order = streams.generator("city.groups").permutation(n_agents)
    group[order[:n_arriving]] = GROUPS.index("arriving")
    return group


def assign_places(group: np.ndarray, n_places: int, arrival_area_share: float, segregation: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Place each resident in one of `n_places` places of about equal size.

    The first `arrival_area_share` of places are arrival areas. An arriving member lands in one with
    probability `segregation + (1 - segregation) * area share`, so segregation 0 spreads arriving members
    evenly and 1 puts all of them in arrival areas. Receiving members fill the remaining room.
    """
    n_places = max(1, int(n_places))
    n_areas = min(n_places, max(1, int(round(arrival_area_share * n_places))))
    area_share = n_areas / n_places
    arriving = group == GROUPS.index("arriving")
    n_arriving, n_total = int(arriving.sum()), len(group)

    p_area = segregation + (1.0 - segregation) * area_share
    arriving_weight = np.where(np.arange(n_places) < n_areas, p_area / n_areas,
                               (1.0 - p_area) / max(n_places - n_areas, 1))
    if n_areas == n_places:
        arriving_weight = np.full(n_places, 1.0 / n_places)
    room = np.maximum(n_total / n_places - n_arriving * arriving_weight, 0.0)
    receiving_weight = room / room.sum() if room.sum() > 0 else np.full(n_places, 1.0 / n_places)

    place = np.empty(n_total, dtype=np.int32)
    place[arriving] = rng.choice(n_places, size=n_arriving, p=arriving_weight)
    place[~arriving] = rng.choice(n_places, size=n_total - n_arriving, p=receiving_weight)
    return place


def place_ties(place: np.ndarray, group: np.ndarray, degree: float, homophily: float,
               rng: np.random.Generator) -> np.ndarray:
    """Random ties among residents who share a place, biased toward the own group.

    Each participant (place >= 0) sends Poisson(degree / 2) ties, so the mean degree is about `degree`.
    With probability `homophily` a tie goes to a random member of the same group in the same place,
    otherwise to a random member of the place. Returns unique undirected pairs, shape (m, 2), i < j.
    """
    members = np.flatnonzero(place != NO_PLACE)
    if members.size < 2 or degree <= 0:
        return np.empty((0, 2), dtype=np.int64)
    order = members[np.lexsort((group[members], place[members]))]
    sorted_place, sorted_group = place[order], group[order]
    place_key = sorted_place.astype(np.int64)
    block_key = place_key * len(GROUPS) + sorted_group
    position = np.empty(len(place), dtype=np.int64)
    position[order] = np.arange(order.size)

    def block_bounds(keys, key_of_stub):
        start = np.searchsorted(keys, key_of_stub, side="left")
        end = np.searchsorted(keys, key_of_stub, side="right")
        return start, end - start

    stubs = rng.poisson(degree / 2.0, size=members.size)
    senders = np.repeat(members, stubs)
    same_group = rng.random(senders.size) < homophily
    key_place = place[senders].astype(np.int64)
    key_block = key_place * len(GROUPS) + group[senders]
    start_p, size_p = block_bounds(place_key, key_place)
    start_b, size_b = block_bounds(block_key, key_block)
    start = np.where(same_group, start_b, start_p)
    size = np.where(same_group, size_b, size_p)
    receivers = order[start + np.floor(rng.random(senders.size) * size).astype(np.int64)]

    keep = senders != receivers
    pairs = np.sort(np.column_stack([senders[keep], receivers[keep]]), axis=1)
    return np.unique(pairs, axis=0)


# ---- what the city got ----------------------------------------------------------------------------
def dissimilarity_index(group: np.ndarray, place: np.ndarray) -> float:
    """Duncan's index of dissimilarity of arriving vs receiving members across places (0 even, 1 apart)."""
    inside = place != NO_PLACE
    n_places = int(place[inside].max()) + 1 if inside.any() else 0
    arriving = group[inside] == GROUPS.index("arriving")
    a = np.bincount(place[inside][arriving], minlength=n_places)
    r = np.bincount(place[inside][~arriving], minlength=n_places)
    if a.sum() == 0 or r.sum() == 0:
        return float("nan")
    return float(0.5 * np.abs(a / a.sum() - r / r.sum()).sum())


def tie_mixing(group: np.ndarray, pairs: np.ndarray) -> dict[str, float]:
    """E-I index (Krackhardt & Stern: (external - internal) / all ties) and Newman's group assortativity."""
    if len(pairs) == 0:
        return {"ei_index": float("nan"), "assortativity": float("nan"), "intergroup_tie_share": float("nan")}
    g1, g2 = group[pairs[:, 0]], group[pairs[:, 1]]
    external = np.mean(g1 != g2)
    mixing = np.zeros((len(GROUPS), len(GROUPS)))
    np.add.at(mixing, (g1, g2), 1.0)
    np.add.at(mixing, (g2, g1), 1.0)
    mixing /= mixing.sum()
    marginal = mixing.sum(axis=1)
    expected = float((marginal**2).sum())
    assortativity = (np.trace(mixing) - expected) / (1.0 - expected) if expected < 1.0 else float("nan")
    return {"ei_index": float(2 * external - 1), "assortativity": float(assortativity),
            "intergroup_tie_share": float(external)}


# ---- the city -------------------------------------------------------------------------------------
@dataclass
class ContactNetwork:
    """Edge arrays of every layer, built once from the graph.

    `source`, `target` and `layer` hold all ties; `intergroup` indexes the ties that join the two
    groups, the only ones intergroup contact runs along.
    """

    layer_names: tuple[str, ...]
    source: np.ndarray
    target: np.ndarray
    layer: np.ndarray
    intergroup: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.MultiGraph, group: np.ndarray, layer_names: tuple[str, ...]) -> "ContactNetwork":
        code = {name: i for i, name in enumerate(layer_names)}
        edges = [(u, v, code[key]) for u, v, key in graph.edges(keys=True)]
        array = np.array(edges, dtype=np.int64).reshape(-1, 3)
        source, target, layer = array[:, 0], array[:, 1], array[:, 2].astype(np.int16)
        intergroup = np.flatnonzero(group[source] != group[target])
        return cls(tuple(layer_names), source, target, layer, intergroup)

    def pairs(self, layer_name: str) -> np.ndarray:
        mask = self.layer == self.layer_names.index(layer_name)
        return np.column_stack([self.source[mask], self.target[mask]])


@dataclass
class City:
    """A built city: who lives where, the tie graph, its edge arrays and what was measured."""

    group: np.ndarray
    neighbourhood: np.ndarray
    workplace: np.ndarray
    graph: nx.MultiGraph
    network: ContactNetwork
    layer_params: dict[str, LayerParams]
    measured: dict[str, float]

    def layer_array(self, attribute: str) -> np.ndarray:
        """One parameter of every layer as an array indexed by layer code."""
        return np.array([getattr(self.layer_params[name], attribute) for name in self.network.layer_names])

    def conditions(self) -> np.ndarray:
        """Allport conditions of every layer, shape (n_layers, 4) in ALLPORT_CONDITIONS order."""
        return np.column_stack([self.layer_array(c) for c in ALLPORT_CONDITIONS])


LAYER_PLACES = {"neighbourhood": "neighbourhood", "work_school": "workplace"}
"""Which place assignment (neighbourhood or workplace) each known layer draws its ties within."""


def build_city(params: CityParams, streams: Streams, group: np.ndarray, occupied: np.ndarray) -> City:
    """Build the city: neighbourhoods, workplaces, then ties in each layer.

    `group` holds each resident's group code; `occupied` marks residents who work or study, the only
    ones who join the work/school layer.
    """
    unknown = sorted(set(params.layers) - set(LAYER_PLACES))
    if unknown:
        raise InputError(f"city.layers.{unknown[0]}: unknown layer (known: {', '.join(LAYER_PLACES)})")
    n = len(group)
    neighbourhood = assign_places(group, params.n_neighbourhoods, params.arrival_area_share,
                                  params.segregation, streams.generator("city.neighbourhood"))
    workplace = np.full(n, NO_PLACE, dtype=np.int32)
    n_sites = int(np.ceil(occupied.sum() / params.workplaces.site_size))
    workplace[occupied] = assign_places(group[occupied], n_sites, params.arrival_area_share,
                                        params.workplaces.segregation, streams.generator("city.workplace"))
    places = {"neighbourhood": neighbourhood, "workplace": workplace}

    graph = nx.MultiGraph()
    graph.add_nodes_from((i, {"group": GROUPS[g], "neighbourhood": int(h)})
                         for i, (g, h) in enumerate(zip(group.tolist(), neighbourhood.tolist())))
    measured = {
        "dissimilarity_neighbourhood": dissimilarity_index(group, neighbourhood),
        "dissimilarity_work_school": dissimilarity_index(group, workplace),
    }
    layer_names = tuple(params.layers)
    for name in layer_names:
        layer = params.layers[name]
        place = places[LAYER_PLACES[name]]
        pairs = place_ties(place, group, layer.degree, layer.homophily,
                           streams.generator(f"city.ties.{name}"))
        graph.add_edges_from((int(i), int(j), name) for i, j in pairs)
        for metric, value in tie_mixing(group, pairs).items():
            measured[f"{metric}_{name}"] = value
        participants = max(int(np.sum(place != NO_PLACE)), 1)
        measured[f"mean_degree_{name}"] = 2.0 * len(pairs) / participants
    network = ContactNetwork.from_graph(graph, group, layer_names)
    return City(group, neighbourhood, workplace, graph, network, dict(params.layers), measured)
