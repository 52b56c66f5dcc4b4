"""The wallpaper effect (issue 24, minority members): with `contact.wallpaper` on, an arriving member whose
neighbourhood is mostly receiving members meets them whether or not they seek it, so their own attitude and
trust steer less of their contact with them: selection's choice factor acts on a share of its log-rate,
the choice leverage l, from 1 among arriving neighbours to `majority_leverage` among receiving ones.

Why: the contact-attitude association is weaker for minority members (Tropp & Pettigrew 2005), and among
minority members it is weak or absent where the majority is the "wallpaper" of their lives, the usual case,
and holds where they live among their own group; majority members' association does not depend on the
neighbourhood (Barlow, Hornsey, Thai, Sengupta & Sibley 2013, PLoS ONE 8(12) e82228: 925 Maori and 3,805
European New Zealanders; not explained by experiences of harm, expected race-based rejection or threat, so
not expected rejection, model/mechanisms/rejection.py, again). Measured on main (10 seeds, default city,
5,000 residents, the survey's r of contact frequency with the thermometer): the association in a one-year run
is mostly selection (with `contact.selection` off the arriving r falls from 0.21 to 0.03, the receiving from
0.14 to 0.03), and selection acted on arriving members as on receiving ones, although their voluntary settings
(neighbourhood, clubs, public space) are nearly all receiving members: someone can avoid the outgroup by
meeting the ingroup instead only where the ingroup is around. Receiving members (l = 1) keep their choice, and
arriving members keep more of it the more of their neighbours are arriving members. The causal step of
contact on views is not changed here (expected rejection and `contact.susceptibility` weaken it).

Parameters: `contact.wallpaper` (conf/contact/default.yaml). Sets `model.choice_leverage` at week 0 (each
resident keeps their neighbourhood; a newcomer takes the leaver's place); model/mechanisms/contact.py `meet`
reads it (model/rules/selection.py `choice_factor`).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.mechanisms.base import Mechanism
from bridges.model.ranges import ARRIVING, UNIT


@dataclass(frozen=True)
class WallpaperParams:
    """The wallpaper effect: the receiving share around an arriving member takes choice out of their contact."""

    enabled: bool
    majority_leverage: float = field(metadata=UNIT)


def choice_leverage(receiving_share: np.ndarray, arriving: np.ndarray, w: WallpaperParams) -> np.ndarray:
    """Per person, the share of selection's log-rate that acts on their contact:
        l = 1 - (1 - m) s  for arriving members (s = receiving share of their neighbourhood, 0-1; m =
                           `majority_leverage`, their leverage were every neighbour a receiving member),
        l = 1              for receiving members (their association does not depend on it: Barlow et al. 2013)."""
    return np.where(arriving, 1.0 - (1.0 - w.majority_leverage) * receiving_share, 1.0)


def hang_wallpaper(model) -> None:
    """Week 0: everyone's choice leverage (`model.choice_leverage`), from their neighbourhood's make-up with
    `contact.wallpaper` on, else 1. A model attribute, not a person's state: it belongs to the run's world,
    so a run whose contact history comes from another world (model/reference.py) keeps its own."""
    w, state = model.params.contact.wallpaper, model.state
    if not w.enabled:
        model.choice_leverage = np.ones(state.n)
        return
    receiving_share = 1.0 - model.local_arriving_share[state.neighbourhood]
    model.choice_leverage = choice_leverage(receiving_share, state.group == ARRIVING, w)


MECHANISM = Mechanism(
    name="wallpaper",
    after="rejection",
    before="attitudes",
    params=("contact.wallpaper",),
    parameters={"contact.wallpaper": WallpaperParams},
    attributes=("choice_leverage",),
    start=hang_wallpaper,
)
