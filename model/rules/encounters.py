"""Incidental encounters in shared public space (streets, transport, shops, services).

Besides their fixed ties, people pass others where they live and move about. Each week a person has
`opportunities` co-presences: with chance `local_share` with a random resident of their own
neighbourhood, otherwise with a random resident of the city. Those with an outgroup member are
potential intergroup encounters; a share of them (the block's rate, scaled by willingness and
selection) become brief encounters, low on Allport's conditions. The expected number of intergroup
co-presences is `opportunities x` the outgroup share of one's exposure, so contact follows group
sizes and residential mixing as in Blau's (1977) structural theory: a minority member meets the
majority far more often per head than the reverse, and the totals balance.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.incidental import IncidentalParams


def outgroup_exposure(neighbourhood: np.ndarray, group: np.ndarray, i: "IncidentalParams") -> np.ndarray:
    """Share of the people a resident passes who belong to the other group:
    e_i = l * s_out(h_i) + (1 - l) * s_out(city), l = `local_share`, s_out = outgroup share of residents
    (Blau 1977)."""
    n_places = int(neighbourhood.max()) + 1 if neighbourhood.size else 0
    residents = np.bincount(neighbourhood, minlength=n_places).astype(float)
    by_group = np.stack([np.bincount(neighbourhood[group == code], minlength=n_places) for code in (0, 1)])
    outgroup = 1 - group.astype(np.int64)
    local = by_group[outgroup, neighbourhood] / np.maximum(residents[neighbourhood], 1.0)
    city = np.array([np.mean(group == code) for code in (0, 1)])[outgroup] if group.size else np.zeros(0)
    return i.local_share * local + (1.0 - i.local_share) * city


def residents_by_place(neighbourhood: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residents sorted by neighbourhood (stable), each neighbourhood's size and its first place in that order."""
    order = np.argsort(neighbourhood, kind="stable")
    n_places = int(neighbourhood.max()) + 1 if neighbourhood.size else 0
    size = np.bincount(neighbourhood, minlength=n_places)
    return order, size, np.concatenate([[0], np.cumsum(size)[:-1]])


def passing_index(neighbourhood: np.ndarray, group: np.ndarray, i: "IncidentalParams") -> tuple[np.ndarray, ...]:
    """Per opportunity and per pick, the lookups `public_encounter_pairs` needs. Fixed once the city is built,
    so a caller may compute them once and pass them on.

    A pick is a number in [0, 2n): below n a resident's id (a city-wide draw), from n on n plus a place in
    the residents sorted by neighbourhood (a local draw). Returns each opportunity's first place of its
    home neighbourhood and that neighbourhood's size minus n (a local draw's scale relative to the city's),
    each pick's resident id and group, and each opportunity's own group."""
    n = len(group)
    order, size, start = residents_by_place(neighbourhood)
    home = np.repeat(neighbourhood, i.opportunities)
    return (start[home], size[home] - float(n), np.concatenate([np.arange(n), order]),
            np.concatenate([group, group[order]]), np.repeat(group, i.opportunities))


def public_encounter_pairs(neighbourhood: np.ndarray, group: np.ndarray, i: "IncidentalParams", u_where: np.ndarray,
                           u_who: np.ndarray, index: tuple[np.ndarray, ...] | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """This week's intergroup co-presences as (source, target) pairs; source is the person passing.

    Person p's k-th opportunity uses uniforms number p * opportunities + k: `u_where < local_share`
    picks a random resident of i's neighbourhood (index from `u_who`), otherwise a random resident of
    the city. Only pairs across the groups are kept. The uniforms have a fixed size
    (n * opportunities), so the pairs depend on the city and the seed only: scenarios share them.
    `index` is `passing_index(neighbourhood, group, i)`, computed here when not given.
    """
    n = len(group)
    first_local, local_extra, resident, resident_group, own_group = (
        passing_index(neighbourhood, group, i) if index is None else index)
    local = u_where < i.local_share
    # The k-th of a place's residents, k = floor(u * size), or resident floor(u * n) of the city: one
    # product with a scale of n + (size - n) or n + 0, exact in floating point. (Uniforms are in [0, 1),
    # so truncating (astype) is flooring.)
    scale = local * local_extra
    scale += n
    pick = (u_who * scale).astype(np.int64)
    pick += local * first_local
    np.minimum(pick, n - 1, out=pick)
    pick += local * n
    across = np.flatnonzero(own_group != resident_group[pick])
    return across // max(i.opportunities, 1), resident[pick[across]]
