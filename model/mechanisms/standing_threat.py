"""Threat as a standing cause of attitudes (issue 24, point 4: effects that last).

Integrated threat theory relates attitudes to the *level* of perceived threat (Stephan & Stephan 2000; the
meta-analysis of Riek, Mania & Gaertner 2006 correlates levels: r about 0.4-0.5). The threat mechanism moves a
receiving member's attitude by the weekly change of their threat, and the ingroup norm then pulls the whole
attitude back to its anchor, so a programme that lowers threat lifts attitudes only while the norm has not yet
eroded the lift; when threat returns after the programme the full return lowers the attitude below where it
would be (docs/validation.md, "Programme persistence", before issue 24). With this mechanism on, the attitude
is split into the part threat explains, T = -w top (tau - tau_ref) (w = `dynamics.threat.attitude_weight`,
tau_ref = the person's threat when the run's own weeks begin), and the rest; the norm anchors only the rest
(its friends and neighbourhood means are taken over the rest too, so a city-wide change of threat moves
attitudes once, not 1 / own-weight times). A programme's lift then lasts as long as what lowered threat lasts:
a cross-group friendship that keeps meeting (Page-Gould, Mendoza-Denton & Tropp 2008: a cross-group friendship
lowers anxiety lastingly; Paluck, Green & Green 2019: effects persist when contact continues) and eased
anxiety, which the norm brings back. The decay is the fading of those friendships and of eased anxiety, not a
fitted half-life; the mechanism has no parameter of its own.

Two phases bracket the norm: `set_aside_threat` (this module's mechanism, declared before `norms`) takes T
out of the attitude before `follow_norms`, `restore_threat` (declared by standing_threat_restore.py, after
`norms`: a mechanism's phases run together, so the second half is its own module) puts it back after. Neither runs in the contact history before week 0
(views are held at their surveyed values there), so the anchors are those of the model without it, and tau_ref
is taken the first time the phases run. Off (`dynamics.standing_threat.enabled: false`): the model before
issue 24, exactly.
"""

import numpy as np

from bridges.model.mechanisms.base import ALL, Mechanism, Phase
from bridges.model.ranges import THERMOMETER_MAX


def threat_component(threat: np.ndarray, reference: np.ndarray, weight: float, top: float) -> np.ndarray:
    """T = -w top (tau - tau_ref): the thermometer points a person's threat explains, relative to their threat
    when the run began; 0 where there is no threat (arriving members: NaN)."""
    return np.nan_to_num(-weight * top * (threat - reference), nan=0.0)


def without_threat(attitude: np.ndarray, component: np.ndarray) -> np.ndarray:
    """The part of the attitude the norm anchors: A - T (not clipped: it is no thermometer reading)."""
    return attitude - component


def with_threat(rest: np.ndarray, component: np.ndarray, top: float) -> np.ndarray:
    """The attitude again: clip(rest + T, 0, top)."""
    return np.clip(rest + component, 0.0, top)


def component_now(model, who) -> np.ndarray:
    """T of the residents `who` from their current threat; the reference threat is everyone's threat the first
    time it is needed (the start of the run's own weeks)."""
    state = model.state
    if model.threat_reference is None:
        model.threat_reference = state.threat.copy()
    return threat_component(state.threat[who], model.threat_reference[who],
                            model.params.dynamics.threat.attitude_weight, THERMOMETER_MAX)


def uses_standing_threat(model) -> bool:
    """The mechanism acts only with threat moving attitudes and norms anchoring them."""
    d = model.params.dynamics
    return d.standing_threat.enabled and d.threat.enabled and d.norms.enabled


def start_reference(model) -> None:
    """Week 0: no reference threat yet (it is taken when the run's own weeks begin, after the contact history)."""
    model.threat_reference = None


def set_aside_threat(model, who=ALL) -> None:
    """Before the norm: take the part of the attitude that threat explains out of the residents `who`."""
    if uses_standing_threat(model):
        model.state.attitude[who] = without_threat(model.state.attitude[who], component_now(model, who))


def restore_threat(model, who=ALL) -> None:
    """After the norm: put the part of the attitude that threat explains back into the residents `who`."""
    if uses_standing_threat(model):
        model.state.attitude[who] = with_threat(model.state.attitude[who], component_now(model, who), THERMOMETER_MAX)


READS = ("state.attitude", "state.threat", "model.threat_reference")
MECHANISM = Mechanism(
    name="standing_threat",
    after="friendship",
    before="norms",
    params=("dynamics.standing_threat", "dynamics.threat.attitude_weight"),
    attributes=("threat_reference",),
    phases=(Phase(set_aside_threat, reads=READS, writes=("state.attitude", "model.threat_reference"),
                  history=False),),
    start=start_reference,
)
"""Just before the norm; its second half, `restore_threat`, runs just after it (standing_threat_restore.py)."""
