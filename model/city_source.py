"""The city a run is built on: a user's network read from its files, or generated from the city parameters
and the seed, and then kept for the next run of that city and seed (model/kept.py)."""

from collections import OrderedDict

import numpy as np

from bridges.model import kept
from bridges.model.city import City, assign_groups, build_city, city_from_graph
from bridges.model.custom_city import check_custom_eligibility, read_custom_city
from bridges.model.params import Params
from bridges.model.streams import Streams

CITY_SLOTS = 4
"""Generated cities kept in this process (`make_city`)."""
KEPT_CITY_RESIDENTS = 100_000
"""Largest generated city `make_city` keeps; building a bigger one is a small share of its run."""
_cities: OrderedDict[tuple, City] = kept.table()


def make_city(params: Params, streams: Streams) -> City:
    """The city the parameters describe: a user network if `city.custom` names one, else generated. A generated
    city depends only on the city parameters and the seed, and no run changes it (its resident arrays are
    read-only; a comparison already runs every arm on one), so a small one is kept for the next run of the same
    city and seed (a comparison's arms, a sweep's points, a design search's candidates)."""
    custom = params.city.custom
    if custom.used:
        graph = read_custom_city(custom.graphml, custom.edges_csv, custom.nodes_csv, tuple(params.city.layers))
        city = city_from_graph(graph, params.city)
        check_custom_eligibility(params, np.unique(city.residents.neighbourhood))
        return city
    key = (repr(params.city), streams.seed) if params.city.n_agents <= KEPT_CITY_RESIDENTS else None
    city = kept.find(_cities, key)
    if city is not None:
        return city
    city = build_city(params.city, streams, assign_groups(params.city.n_agents, params.city.arriving_share, streams))
    if key is not None:
        for array in (city.network.source, city.network.target, city.network.layer, city.network.intergroup):
            array.flags.writeable = False  # the runs that share it cannot change it
    return kept.keep(_cities, key, city, CITY_SLOTS)
