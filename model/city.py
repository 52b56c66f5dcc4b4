"""The networked city: households, neighbourhoods, workplaces, schools and venues, tied in layers.

The city is generated directly as edge arrays per layer (pairs i < j), with no graph object on the
way: `ContactNetwork.from_layers` merges the layers into the arrays the weekly step uses. networkx
stays at the edges: a user's own network (model/custom_city.py) is read from a graph once, and
`City.to_networkx()` gives a graph to users who want one. The built city also reports what it got
(segregation, homophily, mean degree, measured on the arrays) next to what was asked for.

Layer kinds (see `conf/city/default.yaml`):
- household: everyone in a household (single-community, in one neighbourhood) is tied to everyone else;
- neighbourhood: random ties among residents of a neighbourhood;
- workplace: everyone has a potential workplace in a sector; its ties are live only while both work;
- school: parents of school children meet at their neighbourhood's school;
- venue: members of clubs or centres, sorted into sites with group-biased membership.
"""

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from bridges.model.errors import InputError
from bridges.model.params_city import CityParams, LayerParams
from bridges.model.ranges import GROUPS
from bridges.model.streams import Streams
from bridges.model.threads import SERIAL, Threads
from bridges.model.tie_order import RESIDENT_ID, TIE_BLOCK, multigraph_order_by_sources

ALLPORT_CONDITIONS = ("equal_status", "common_goal", "cooperation", "institutional_support")
"""Allport's four conditions of optimal contact, each a per-layer setting parameter in [0, 1]."""

NO_PLACE = -1
"""Place index of a resident who takes no part in a layer (e.g. not a club member)."""

ARRIVING = GROUPS.index("arriving")


# ---- placing people -------------------------------------------------------------------------------
def assign_groups(n_agents: int, arriving_share: float, streams: Streams) -> np.ndarray:
    """Group code per resident: exactly round(share * n) arriving members, in random positions."""
    n_arriving = int(round(arriving_share * n_agents))
    group = np.zeros(n_agents, dtype=np.int8)
    order = streams.generator("city.groups").permutation(n_agents)
    group[order[:n_arriving]] = ARRIVING
    return group


def form_households(group: np.ndarray, mean_size: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """Household id per resident: single-community households of 1 + Poisson(mean - 1) adults."""
    household = np.empty(len(group), dtype=np.int64)
    next_id = 0
    for code, label in enumerate(GROUPS):
        members = rng.permutation(np.flatnonzero(group == code))
        if members.size == 0:
            continue
        sizes = 1 + rng.poisson(mean_size[label] - 1.0, size=members.size)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        n_households = int(np.searchsorted(starts, members.size, side="left"))
        household[members] = next_id + np.searchsorted(starts, np.arange(members.size), side="right") - 1
        next_id += n_households
    return household


def assign_places(group: np.ndarray, n_places: int, arrival_area_share: float, segregation: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Place each unit in one of `n_places` places of about equal size.

    The first `arrival_area_share` of places are arrival areas. An arriving unit lands in one with
    probability `segregation + (1 - segregation) * area share`, so segregation 0 spreads arriving members
    evenly and 1 puts all of them in arrival areas. Receiving units fill the remaining room.
    """
    n_places = max(1, int(n_places))
    n_areas = min(n_places, max(1, int(round(arrival_area_share * n_places))))
    arriving = group == ARRIVING
    n_arriving, n_total = int(arriving.sum()), len(group)
    if n_areas == n_places:
        arriving_weight = np.full(n_places, 1.0 / n_places)
    else:
        p_area = segregation + (1.0 - segregation) * n_areas / n_places
        arriving_weight = np.where(np.arange(n_places) < n_areas, p_area / n_areas,
                                   (1.0 - p_area) / (n_places - n_areas))
    room = np.maximum(n_total / n_places - n_arriving * arriving_weight, 0.0)
    receiving_weight = room / room.sum() if room.sum() > 0 else np.full(n_places, 1.0 / n_places)
    place = np.empty(n_total, dtype=np.int32)
    place[arriving] = rng.choice(n_places, size=n_arriving, p=arriving_weight)
    place[~arriving] = rng.choice(n_places, size=n_total - n_arriving, p=receiving_weight)
    return place


def sorted_sites(group: np.ndarray, members: np.ndarray, site_size: int, arrival_area_share: float,
                 segregation: float, rng: np.random.Generator, first_site: int = 0) -> np.ndarray:
    """Site per resident (NO_PLACE for non-members): members sorted into sites of about `site_size`."""
    site = np.full(len(group), NO_PLACE, dtype=np.int32)
    chosen = np.flatnonzero(members)
    if chosen.size:
        n_sites = int(np.ceil(chosen.size / site_size))
        site[chosen] = first_site + assign_places(group[chosen], n_sites, arrival_area_share, segregation, rng)
    return site


def unique_pairs(first: np.ndarray, second: np.ndarray, n: int) -> np.ndarray:
    """Distinct undirected pairs among n residents, shape (m, 2), i < j, sorted by (i, j), as RESIDENT_ID."""
    code = np.empty(len(first), dtype=np.int64)
    pair_codes(first, second, n, out=code)
    return distinct_pairs(code, n)


def pair_codes(first: np.ndarray, second: np.ndarray, n: int, out: np.ndarray) -> None:
    """Each undirected pair as one int64, min * n + max, written into `out` (the pairs' length)."""
    np.minimum(first, second, out=out)
    out *= n
    out += np.maximum(first, second)


def distinct_pairs(code: np.ndarray, n: int) -> np.ndarray:
    """The distinct pairs of `code` (`pair_codes`, sorted here in place), shape (m, 2), i < j, sorted by (i, j),
    as RESIDENT_ID: one in-place sort of a flat array does what `np.unique(axis=0)` does on rows, at a fraction
    of the cost and in the same order."""
    code.sort(kind="stable")  # senders come in ascending runs, which timsort merges: ~30% less than quicksort
    distinct = np.ones(len(code), dtype=bool)
    np.not_equal(code[1:], code[:-1], out=distinct[1:])
    pairs = np.empty((int(np.count_nonzero(distinct)), 2), dtype=RESIDENT_ID)
    done = 0
    for start in range(0, len(code), TIE_BLOCK):  # the distinct codes of a block at a time: no copy of them all
        block = code[start:start + TIE_BLOCK][distinct[start:start + TIE_BLOCK]]
        np.divmod(block, n, out=(pairs[done:done + len(block), 0], pairs[done:done + len(block), 1]))
        done += len(block)
    return pairs


def place_ties(place: np.ndarray, group: np.ndarray, degree: float, homophily: float,
               rng: np.random.Generator) -> np.ndarray:
    """Random ties among residents who share a place, biased toward the own group.

    Each participant (place >= 0) sends Poisson(degree / 2) ties, so the mean degree is about `degree`.
    With probability `homophily` a tie goes to a random member of the same group in the same place,
    otherwise to a random member of the place. Returns unique undirected pairs, shape (m, 2), i < j.

    The draws are the stubs, then one uniform per tie for its group, then one per tie for its receiver; the
    ties are made in blocks of senders of about TIE_BLOCK ties, each block drawing its share of both in turn
    (the receivers' uniforms from a copy of the generator set past the group uniforms), so the ties are those
    of one pass, with a block's temporaries instead of millions of ties' (fresh pages, ~1 ms of system time a
    MB at a million residents).
    """
    members = np.flatnonzero(place != NO_PLACE).astype(RESIDENT_ID)  # resident ids in int32 throughout: half
    if members.size < 2 or degree <= 0:                                # the bytes of every per-tie array
        return np.empty((0, 2), dtype=RESIDENT_ID)
    key = place[members].astype(np.int64) * len(GROUPS) + group[members]  # blocks: (place, group)
    by_key = np.argsort(key, kind="stable")  # what lexsort((group, place)) gives, in one sort
    order, block_key = members[by_key], key[by_key]
    del key, by_key
    # Where each place-and-group block starts in `order` (searchsorted "right" of an integer key is "left" of
    # the next one): a lookup per sender instead of a binary search. A place's members are its blocks from
    # (place, first group) up to (place + 1, first group); a same-group tie's, its own block.
    block_start = np.searchsorted(block_key, np.arange((place[order[-1]] + 1) * len(GROUPS) + 1)).astype(RESIDENT_ID)
    del block_key

    stubs = rng.poisson(degree / 2.0, size=members.size)
    sent = np.cumsum(stubs)  # ties sent by the members up to each one
    offsets = np.random.Generator(type(rng.bit_generator)())
    offsets.bit_generator.state = rng.bit_generator.state
    offsets.bit_generator.advance(int(sent[-1]))  # past the group uniforms: where the receivers' start
    code = np.empty(int(sent[-1]), dtype=np.int64)
    kept = 0
    edges = np.searchsorted(sent, np.arange(TIE_BLOCK, int(sent[-1]), TIE_BLOCK))
    for first_member, end_member in zip([0, *edges.tolist()], [*edges.tolist(), members.size]):
        senders = np.repeat(members[first_member:end_member], stubs[first_member:end_member])
        receivers = place_receivers(senders, place, group, order, block_start, rng.random(senders.size) < homophily,
                                    offsets.random(senders.size))
        keep = senders != receivers
        senders, receivers = senders[keep], receivers[keep]
        pair_codes(senders, receivers, len(place), out=code[kept:kept + len(senders)])
        kept += len(senders)
    return distinct_pairs(code[:kept], len(place))


def place_receivers(senders: np.ndarray, place: np.ndarray, group: np.ndarray, order: np.ndarray,
                    block_start: np.ndarray, same_group: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Each sender's receiver (`place_ties`): the member at `offset` (a uniform, overwritten) of its own
    place-and-group block where `same_group`, else of its whole place."""
    first = place[senders] * np.int32(len(GROUPS))  # int32: (places + 1) * groups is far below 2**31
    first += np.where(same_group, group[senders], 0).astype(np.int32)
    start = block_start[first]
    first += np.where(same_group, np.int32(1), np.int32(len(GROUPS)))
    end = block_start[first]
    del first
    end -= start  # each sender's block size
    offset *= end
    start += np.floor(offset, out=offset).astype(RESIDENT_ID)
    return order[start]


def clique_ties(unit: np.ndarray) -> np.ndarray:
    """Every pair of residents who share a unit (a household): unique pairs, shape (m, 2), i < j."""
    order = np.argsort(unit, kind="stable")
    sorted_unit = unit[order]
    first, second = [], []
    offset = 1
    while offset < len(order):
        same = sorted_unit[offset:] == sorted_unit[:-offset]
        if not same.any():
            break
        first.append(order[:-offset][same])
        second.append(order[offset:][same])
        offset += 1
    if not first:
        return np.empty((0, 2), dtype=RESIDENT_ID)
    return unique_pairs(np.concatenate(first), np.concatenate(second), len(unit))


# ---- what the city got ----------------------------------------------------------------------------
def dissimilarity_index(group: np.ndarray, place: np.ndarray) -> float:
    """Duncan's index of dissimilarity of arriving vs receiving members across places (0 even, 1 apart)."""
    inside = place != NO_PLACE
    if not inside.any():
        return float("nan")
    n_places = int(place[inside].max()) + 1
    arriving = group[inside] == ARRIVING
    a = np.bincount(place[inside][arriving], minlength=n_places)
    r = np.bincount(place[inside][~arriving], minlength=n_places)
    if a.sum() == 0 or r.sum() == 0:
        return float("nan")
    return float(0.5 * np.abs(a / a.sum() - r / r.sum()).sum())


def tie_mixing(group: np.ndarray, pairs: np.ndarray) -> dict[str, float]:
    """E-I index (Krackhardt & Stern: (external - internal) / all ties) and Newman's group assortativity.

    The ties per (group, group) cell are counted in blocks of TIE_BLOCK pairs (integer counts, so the same
    floats as counting all at once: a block's codes are a few MB where millions of ties' were fresh pages)."""
    if len(pairs) == 0:
        return {"ei_index": float("nan"), "assortativity": float("nan"), "intergroup_tie_share": float("nan")}
    cells = len(GROUPS) ** 2
    count = np.zeros(cells, dtype=np.int64)  # ties per (first end's group, second end's group)
    for start in range(0, len(pairs), TIE_BLOCK):
        block = pairs[start:start + TIE_BLOCK]
        count += np.bincount(group[block[:, 0]].astype(np.intp) * len(GROUPS) + group[block[:, 1]], minlength=cells)
    count = count.reshape(len(GROUPS), len(GROUPS))
    external = (count.sum() - np.trace(count)) / len(pairs)  # the share of ties that join two groups
    # ties per cell, both ways round: counts, so the same floats as adding 1.0 tie by tie
    mixing = (count + count.T).astype(float)
    mixing /= mixing.sum()
    marginal = mixing.sum(axis=1)
    expected = float((marginal**2).sum())
    assortativity = (np.trace(mixing) - expected) / (1.0 - expected) if expected < 1.0 else float("nan")
    return {"ei_index": float(2 * external - 1), "assortativity": float(assortativity),
            "intergroup_tie_share": float(external)}


# ---- the city -------------------------------------------------------------------------------------
@dataclass
class ContactNetwork:
    """Edge arrays of every layer.

    `source`, `target` and `layer` hold all ties (source < target for a generated city); `intergroup`
    indexes the ties that join the two groups, the only ones intergroup contact runs along.
    """

    layer_names: tuple[str, ...]
    source: np.ndarray
    target: np.ndarray
    layer: np.ndarray
    intergroup: np.ndarray

    @classmethod
    def from_layers(cls, layer_pairs: dict[str, np.ndarray], group: np.ndarray,
                    threads: Threads = SERIAL) -> "ContactNetwork":
        """The network of each layer's unique pairs (i < j, sorted), ties in MultiGraph order (model/tie_order.py,
        in blocks of sources on `threads`); its intergroup ties found in blocks of TIE_BLOCK ties on `threads`
        (numpy gathers through an index array cast to intp: 75 MB per end at ten million ties in one pass)."""
        source, target, layer = multigraph_order_by_sources(list(layer_pairs.values()), len(group), threads)

        def intergroup(start: int, end: int) -> np.ndarray:
            return np.flatnonzero(group[source[start:end]] != group[target[start:end]]) + start

        return cls(tuple(layer_pairs), source, target, layer, threads.over_blocks(intergroup, len(source), TIE_BLOCK))

    @classmethod
    def from_graph(cls, graph: nx.MultiGraph, group: np.ndarray, layer_names: tuple[str, ...]) -> "ContactNetwork":
        """The network of a user's graph, ties in the graph's own edge order."""
        code = {name: i for i, name in enumerate(layer_names)}
        array = np.array([(u, v, code[key]) for u, v, key in graph.edges(keys=True)], dtype=np.int64).reshape(-1, 3)
        source, target, layer = array[:, 0], array[:, 1], array[:, 2].astype(np.int16)
        intergroup = np.flatnonzero(group[source] != group[target])
        return cls(tuple(layer_names), source, target, layer, intergroup)

    def pairs(self, layer_name: str) -> np.ndarray:
        mask = self.layer == self.layer_names.index(layer_name)
        return np.column_stack([self.source[mask], self.target[mask]])


def read_only(array: np.ndarray) -> np.ndarray:
    """The array, locked against writes (numpy raises 'assignment destination is read-only')."""
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Residents:
    """Where each resident lives and works: fixed once the city is built, because the ties follow it.

    The city hands these arrays to the model's State (`model.state.group` is the same array); they are
    read-only, so no one can move a resident without the ties, and there is only ever one copy.
    """

    group: np.ndarray  # int8, index into GROUPS
    neighbourhood: np.ndarray  # int32
    household: np.ndarray  # int64
    workplace: np.ndarray  # int32, potential workplace (live only while employed); NO_PLACE if unknown
    sector: np.ndarray  # int32, index into the workplace layer's sectors; NO_PLACE if unknown
    has_children: np.ndarray  # bool, parent of school-age children (joins the school layer)

    @classmethod
    def of(cls, group, neighbourhood, household, workplace, sector, has_children) -> "Residents":
        return cls(read_only(np.asarray(group, dtype=np.int8)), read_only(np.asarray(neighbourhood, dtype=np.int32)),
                   read_only(np.asarray(household, dtype=np.int64)), read_only(np.asarray(workplace, dtype=np.int32)),
                   read_only(np.asarray(sector, dtype=np.int32)), read_only(np.asarray(has_children, dtype=bool)))

    @property
    def n(self) -> int:
        return len(self.group)

    def __setstate__(self, state: dict) -> None:
        """Unpickled arrays come back writable (e.g. a city sent to a worker process): lock them again."""
        self.__dict__.update({name: read_only(array) for name, array in state.items()})


@dataclass
class City:
    """A built city: its ties and what was measured, plus the residents' placement it hands to State."""

    residents: Residents
    network: ContactNetwork
    layer_params: dict[str, LayerParams]
    measured: dict[str, float]
    requested: dict[str, str]
    given: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """Initial values a user network sets (employed, language, education): name -> (residents, values)."""

    def layer_array(self, attribute: str) -> np.ndarray:
        """One parameter of every layer as an array indexed by layer code."""
        return np.array([getattr(self.layer_params[name], attribute) for name in self.network.layer_names])

    def conditions(self) -> np.ndarray:
        """Allport conditions of every layer, shape (n_layers, 4) in ALLPORT_CONDITIONS order."""
        return np.column_stack([self.layer_array(c) for c in ALLPORT_CONDITIONS])

    def needs_employment(self) -> np.ndarray:
        """Per layer code: whether its ties are live only while both people are employed."""
        return np.array([self.layer_params[name].kind == "workplace" for name in self.network.layer_names])

    def to_networkx(self) -> nx.MultiGraph:
        """The city as a networkx MultiGraph (nodes 0..n-1 with group, neighbourhood and household; one
        edge per tie keyed by layer name), for users who want a graph. Built on request: at a million
        residents it takes minutes and gigabytes, which is why the model itself never builds it."""
        r = self.residents
        graph = nx.MultiGraph()
        graph.add_nodes_from((i, {"group": GROUPS[g], "neighbourhood": h, "household": u}) for i, (g, h, u) in
                             enumerate(zip(r.group.tolist(), r.neighbourhood.tolist(), r.household.tolist())))
        names = self.network.layer_names
        graph.add_edges_from((i, j, names[k]) for i, j, k in
                             zip(self.network.source.tolist(), self.network.target.tolist(), self.network.layer.tolist()))
        return graph


def measure(group: np.ndarray, layer_pairs: dict[str, np.ndarray], places: dict[str, np.ndarray],
            threads: Threads = SERIAL) -> dict[str, float]:
    """Segregation across places and mixing of ties, per layer (the layers' tie mixing on `threads`)."""
    measured = {f"dissimilarity_{name}": dissimilarity_index(group, place) for name, place in places.items()}
    mixing = threads.map(lambda pairs: tie_mixing(group, pairs), list(layer_pairs.values()), size=len(group))
    for (name, pairs), layer_mixing in zip(layer_pairs.items(), mixing):
        for metric, value in layer_mixing.items():
            measured[f"{metric}_{name}"] = value
        participants = places.get(name)
        n = int(np.sum(participants != NO_PLACE)) if participants is not None else len(group)
        measured[f"mean_degree_{name}"] = 2.0 * len(pairs) / max(n, 1)
    return measured


def requested_structure(params: CityParams) -> dict[str, str]:
    """The inputs each measured quantity answers to, for the report."""
    requested = {"dissimilarity_neighbourhood": f"segregation={params.segregation:g}"}
    for name, layer in params.layers.items():
        if layer.homophily is not None:
            requested[f"ei_index_{name}"] = requested[f"assortativity_{name}"] = f"homophily={layer.homophily:g}"
        if layer.segregation is not None:
            requested[f"dissimilarity_{name}"] = f"segregation={layer.segregation:g}"
        if layer.sectors:
            requested[f"dissimilarity_{name}"] = "sector segregation " + ", ".join(
                f"{s}={v.segregation:g}" for s, v in layer.sectors.items())
    return requested


def _layer_places(name: str, layer: LayerParams, params: CityParams, group: np.ndarray, parts: dict,
                  streams: Streams) -> np.ndarray:
    """Place per resident in one layer (the units within which its ties form)."""
    rng = streams.generator(f"city.places.{name}")
    if layer.kind == "household":
        return parts["household"]
    if layer.kind == "neighbourhood":
        return parts["neighbourhood"]
    if layer.kind == "school":
        return np.where(parts["has_children"], parts["neighbourhood"], NO_PLACE).astype(np.int32)
    if layer.kind == "workplace":
        site = np.full(len(group), NO_PLACE, dtype=np.int32)
        for code, sector in enumerate(layer.sectors.values()):
            members = parts["sector"] == code
            sector_site = sorted_sites(group, members, layer.site_size, params.arrival_area_share,
                                       sector.segregation, rng, first_site=int(site.max()) + 1)
            site[members] = sector_site[members]
        parts["workplace"] = site
        return site
    u = streams.uniform(f"city.members.{name}", 0, len(group))
    members = u < np.array([layer.participation[label] for label in GROUPS])[group]
    return sorted_sites(group, members, layer.site_size, params.arrival_area_share, layer.segregation, rng)


def _draw_sectors(params: CityParams, group: np.ndarray, streams: Streams) -> np.ndarray:
    """Sector of each resident's (potential) job, by the group's sector shares."""
    workplace = next((layer for layer in params.layers.values() if layer.kind == "workplace"), None)
    sector = np.full(len(group), NO_PLACE, dtype=np.int32)
    if workplace is None:
        return sector
    u = streams.uniform("city.sector", 0, len(group))
    for code, label in enumerate(GROUPS):
        cumulative = np.cumsum([s.share[label] for s in workplace.sectors.values()])
        members = group == code
        sector[members] = np.minimum(np.searchsorted(cumulative, u[members], side="right"), len(cumulative) - 1)
    return sector


def _draw_parents(params: CityParams, group: np.ndarray, streams: Streams) -> np.ndarray:
    school = next((layer for layer in params.layers.values() if layer.kind == "school"), None)
    if school is None:
        return np.zeros(len(group), dtype=bool)
    share = np.array([school.participation[label] for label in GROUPS])[group]
    return streams.uniform("city.parents", 0, len(group)) < share


def build_city(params: CityParams, streams: Streams, group: np.ndarray) -> City:
    """Build the generated city: households, neighbourhoods, then every layer's places and ties."""
    household = form_households(group, params.household_size, streams.generator("city.households"))
    household_group = np.zeros(int(household.max()) + 1, dtype=np.int8)
    household_group[household] = group
    household_area = assign_places(household_group, params.n_neighbourhoods, params.arrival_area_share,
                                   params.segregation, streams.generator("city.neighbourhood"))
    parts = {"household": household, "neighbourhood": household_area[household].astype(np.int32),
             "has_children": _draw_parents(params, group, streams), "sector": _draw_sectors(params, group, streams),
             "workplace": np.full(len(group), NO_PLACE, dtype=np.int32)}

    layer_places = {name: _layer_places(name, layer, params, group, parts, streams)
                     for name, layer in params.layers.items()}

    def ties(name: str) -> np.ndarray:
        """One layer's ties, from its own stream: the layers are independent, so they form on the threads."""
        layer, place = params.layers[name], layer_places[name]
        if layer.kind == "household":
            return clique_ties(place)
        return place_ties(place, group, layer.degree, layer.homophily, streams.generator(f"city.ties.{name}"))

    layer_pairs = dict(zip(layer_places, streams.threads.map(ties, list(layer_places), size=len(group))))
    places = {"neighbourhood": parts["neighbourhood"]} | {
        name: place for name, place in layer_places.items() if params.layers[name].kind != "household"}
    residents = Residents.of(group, parts["neighbourhood"], household, parts["workplace"], parts["sector"],
                             parts["has_children"])
    return City(residents, ContactNetwork.from_layers(layer_pairs, group, streams.threads), dict(params.layers),
                measure(group, layer_pairs, places, streams.threads), requested_structure(params))


GIVEN_ATTRIBUTES = ("employed", "language", "education")
"""Node attributes of a user network that set a resident's initial state instead of a draw."""


def city_from_graph(graph: nx.MultiGraph, params: CityParams) -> City:
    """A City from a user network (see model/custom_city.py): groups, neighbourhoods and ties as given.

    The graph is read into arrays once here and not kept."""
    n = graph.number_of_nodes()
    group = np.array([GROUPS.index(graph.nodes[i]["group"]) for i in range(n)], dtype=np.int8)
    neighbourhood = np.array([graph.nodes[i].get("neighbourhood", 0) for i in range(n)], dtype=np.int32)
    household = np.array([graph.nodes[i].get("household", n + i) for i in range(n)], dtype=np.int64)
    unknown = sorted({key for _, _, key in graph.edges(keys=True)} - set(params.layers))
    if unknown:
        raise InputError(f"city.custom: layer {unknown[0]!r} is not in city.layers (known: {', '.join(params.layers)})")
    network = ContactNetwork.from_graph(graph, group, tuple(params.layers))
    layer_pairs = {name: network.pairs(name) for name in params.layers}
    school_codes = [code for code, name in enumerate(params.layers) if params.layers[name].kind == "school"]
    at_school = np.isin(network.layer, school_codes)
    has_children = np.zeros(n, dtype=bool)
    has_children[network.source[at_school]] = has_children[network.target[at_school]] = True
    no_place = np.full(n, NO_PLACE, dtype=np.int32)
    given = {}
    for name in GIVEN_ATTRIBUTES:
        nodes = [(node, value) for node, value in graph.nodes(data=name) if value is not None]
        if nodes:
            index, values = zip(*nodes)
            given[name] = (np.array(index, dtype=np.int64), np.array(values))
    residents = Residents.of(group, neighbourhood, household, no_place, no_place.copy(), has_children)
    return City(residents, network, dict(params.layers), measure(group, layer_pairs, {"neighbourhood": neighbourhood}),
                {}, given)
