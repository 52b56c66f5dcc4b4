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

import numpy as np


def outgroup_exposure(neighbourhood: np.ndarray, group: np.ndarray, local_share: float) -> np.ndarray:
    """Share of the people a resident passes who belong to the other group:
    e_i = l * s_out(h_i) + (1 - l) * s_out(city), s_out = outgroup share of residents (Blau 1977)."""
    n_places = int(neighbourhood.max()) + 1 if neighbourhood.size else 0
    residents = np.bincount(neighbourhood, minlength=n_places).astype(float)
    by_group = np.stack([np.bincount(neighbourhood[group == code], minlength=n_places) for code in (0, 1)])
    outgroup = 1 - group.astype(np.int64)
    local = by_group[outgroup, neighbourhood] / np.maximum(residents[neighbourhood], 1.0)
    city = np.array([np.mean(group == code) for code in (0, 1)])[outgroup] if group.size else np.zeros(0)
    return local_share * local + (1.0 - local_share) * city


def public_encounter_pairs(neighbourhood: np.ndarray, group: np.ndarray, opportunities: int, local_share: float,
                           u_where: np.ndarray, u_who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """This week's intergroup co-presences as (source, target) pairs; source is the person passing.

    Person i's k-th opportunity uses uniforms number i * opportunities + k: `u_where < local_share`
    picks a random resident of i's neighbourhood (index from `u_who`), otherwise a random resident of
    the city. Only pairs across the groups are kept. The uniforms have a fixed size
    (n * opportunities), so the pairs depend on the city and the seed only: scenarios share them.
    """
    n = len(group)
    person = np.repeat(np.arange(n, dtype=np.int64), opportunities)
    order = np.argsort(neighbourhood, kind="stable")
    n_places = int(neighbourhood.max()) + 1 if n else 0
    size = np.bincount(neighbourhood, minlength=n_places)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    home = neighbourhood[person]
    local_pick = order[np.minimum(start[home] + np.floor(u_who * size[home]).astype(np.int64), n - 1)]
    city_pick = np.minimum(np.floor(u_who * n).astype(np.int64), n - 1)
    partner = np.where(u_where < local_share, local_pick, city_pick)
    across = group[person] != group[partner]
    return person[across], partner[across]
