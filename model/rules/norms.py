"""Views of the outgroup are anchored socially: they drift toward the norm of one's ingroup.

Each person is anchored to their own starting view (the surveyed state: predispositions and the wider
network beyond the district, taken as the steady state of earlier influence), shifted by how far their
ingroup friends' mean view and their own group's mean view in the neighbourhood have moved since
(contextual norms: Christ et al. 2014; anchored influence as in Friedkin & Johnsen 1990). Each week
attitude, intergroup anxiety and outgroup trust close a share of the gap to that norm. Without change
the city is at rest by construction and individual differences persist; contact moves people against
the anchor, and a programme's effect on participants fades or spreads to their friends. Extended contact works through the norm and through
anxiety, not as a fixed nudge (Turner et al. 2008; Wright et al. 1997): ingroup friends who have
outgroup friends signal that the ingroup approves of contact, and make meeting the outgroup less
daunting.
"""

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.norms import NormParams


def ingroup_places(neighbourhood: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, int]:
    """Each resident's (neighbourhood, group) cell and the number of cells. Fixed once the city is built, so a
    caller may compute it once for `ingroup_cell_means`."""
    n_places = int(neighbourhood.max()) + 1 if neighbourhood.size else 0
    return neighbourhood.astype(np.int64) * 2 + group, 2 * n_places


def ingroup_cell_means(value: np.ndarray, cells: tuple[np.ndarray, int]) -> np.ndarray:
    """Mean of a view among the residents of each (neighbourhood, group) cell of `ingroup_places` (0.0 where
    nobody lives): what a resident's own group in their neighbourhood holds, kept per cell rather than per person
    (a million residents' copies of a few hundred cells' means took 8 MB a view)."""
    key, n_cells = cells
    sums, sizes = np.bincount(key, weights=value, minlength=n_cells), np.bincount(key, minlength=n_cells)
    return np.divide(sums, sizes, out=np.zeros(n_cells), where=sizes > 0)


def neighbourhood_ingroup_mean(value: np.ndarray, neighbourhood: np.ndarray, group: np.ndarray,
                               cells: tuple[np.ndarray, int] | None = None) -> np.ndarray:
    """Mean of a view among the resident's own group in the resident's neighbourhood (the resident included):
    their cell's `ingroup_cell_means`. `cells` is `ingroup_places(neighbourhood, group)`, computed here when not
    given."""
    cells = ingroup_places(neighbourhood, group) if cells is None else cells
    return ingroup_cell_means(value, cells)[cells[0]]


def friends_mean(value: np.ndarray, friends: sparse.csr_matrix, friend_count: np.ndarray,
                 fallback: np.ndarray) -> np.ndarray:
    """Mean of a view among each person's ingroup friends; `fallback` for people without friends."""
    total = friends @ value
    return np.where(friend_count > 0, total / np.maximum(friend_count, 1), fallback)


def extended_share(extended_contacts: np.ndarray, ingroup_friend_count: np.ndarray) -> np.ndarray:
    """e = share of a person's ingroup friends who have an outgroup friend (0 without friends)."""
    return extended_contacts / np.maximum(ingroup_friend_count, 1)


def extended_norm(friends_attitude: np.ndarray, extended_share: np.ndarray, n: "NormParams", top: float) -> np.ndarray:
    """Friends' attitude norm warmed by extended contact: F' = F + x e (top - F), e = share of ingroup
    friends with an outgroup friend, x = `extended_signal` (their friendships signal that the ingroup approves)."""
    return friends_attitude + n.extended_signal * extended_share * (top - friends_attitude)


def perceived_norm(start: np.ndarray, friends: np.ndarray, friends_start: np.ndarray, neighbourhood: np.ndarray,
                   neighbourhood_start: np.ndarray, n: "NormParams", low: float, high: float) -> np.ndarray:
    """N = clip(x0 + (w_f (F - F0) + w_h (H - H0)) / (w_f + w_h + w_o), low, high): one's starting view x0
    shifted by how far the friends' mean F and the neighbourhood's ingroup mean H have moved from their
    starting values F0 and H0; the own weight w_o is the share of the anchor nobody in the district can move
    (`friends_weight`, `neighbourhood_weight`, `own_weight`). A norm is a view, so it stays on the view's scale
    (an anchor near the top shifted up by warming friends would otherwise pull the view past it)."""
    total = n.friends_weight + n.neighbourhood_weight + n.own_weight
    return np.clip(start + (n.friends_weight * (friends - friends_start)
                            + n.neighbourhood_weight * (neighbourhood - neighbourhood_start)) / total, low, high)


def conform(value: np.ndarray, norm: np.ndarray, n: "NormParams") -> np.ndarray:
    """x' = x + r (N - x): a view closes a share r = `rate` of the gap to its perceived norm each week."""
    return value + n.rate * (norm - value)


def extended_anxiety(anxiety: np.ndarray, extended_share: np.ndarray, n: "NormParams") -> np.ndarray:
    """X' = X (1 - a e), a = `extended_anxiety_relief`: ingroup friends' outgroup friendships make meeting the
    outgroup less daunting."""
    return anxiety * (1.0 - np.minimum(n.extended_anxiety_relief * extended_share, 1.0))


def disposition(surveyed: np.ndarray, usual_change: np.ndarray, n: "NormParams", low: float, high: float) -> np.ndarray:
    """The view a person returns to without their usual contact: D = clip(x0 - c / r, low, high), with x0 the
    surveyed view, c the mean weekly change the usual contact causes while views are held at x0 (pooled over
    the person's group: `group_means`), and r = `rate` the pull toward the norm (`conform`). The norm N = D + ... then
    makes the surveyed state stationary: c + r (D - x0) = 0. Contact above the usual lifts a view, and the lift
    fades without reinforcement."""
    return np.clip(surveyed - usual_change / n.rate, low, high)


def group_means(value: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The mean of a value in each group (index: group code; NaN for a group with nobody). The usual weekly
    change is pooled within the group: a person's own few weeks of history are mostly Poisson noise, the
    stationarity claim is about each group's mean, and individual differences in contact are left to show in
    individual views (the contact-attitude link)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.bincount(group, weights=value, minlength=2) / np.bincount(group, minlength=2)

