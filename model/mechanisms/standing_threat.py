"""Threat as a standing cause of where a person's attitude stands in their group (issue 24, point 4: effects
that last).

Integrated threat theory relates attitudes to the *level* of perceived threat (Stephan & Stephan 2000; the
meta-analysis of Riek, Mania & Gaertner 2006 correlates levels across people: r about 0.4-0.5). The threat
mechanism moves a receiving member's attitude by the weekly change of their threat, and the ingroup norm then
pulls the whole attitude back to its anchor, so a programme that lowers threat lifts attitudes only while the
norm has not yet eroded the lift; when threat returns after the programme the full return lowers the attitude
below where it would be (docs/validation.md, "Programme persistence", before issue 24). With this mechanism on,
the attitude is split into the part a person's *contact-borne* threat explains and the rest, and the norm
anchors only the rest (friends' and neighbourhood means are taken over the rest too). The part is

    S = -w top (tau_c - tau_ref),   T = S - mean of S over receiving members

(w = `dynamics.threat.attitude_weight`; tau_c = the threat the person's anxiety, cross-group friendship and the
arriving share they see give now, with their believed burden held where it was when the run's own weeks began;
tau_ref = that threat then). Two choices, each measured (docs/model.md 7.25):

- Only contact-borne threat stands. Beliefs corrected by information or by what a partner shows move attitudes
  through threat's weekly change, which the norm erodes as before: corrected beliefs barely move attitudes
  (Hopkins, Sides & Citrin 2019; Lawrence & Sides 2014; Grigorieff, Roth & Ubfal 2020: a modest effect on
  attitudes lasting about a month), whereas contact's lasting effect runs through affect, anxiety and
  friendship more than knowledge (Pettigrew & Tropp 2008; Page-Gould, Mendoza-Denton & Tropp 2008). With
  beliefs standing, the usual contact's slow correction of beliefs (the model's beliefs are not at a steady
  state: 0.8 -> 0.75 believed burden in three years, default city) lifted a no-programme city by +2.5 points in
  ten years, and the campaign's attitude changes stopped reaching friends.
- T is centred on the group: threat explains where a person stands relative to their group (the r above is a
  correlation between people), while the group's climate is held by the norm's own weight (the wider society
  beyond the district, 7.17) as for any other change. Uncentred, the cross-group friendships a city goes on
  forming after the short contact history (0.7% -> 17% of receiving members in three years, Jordan) lifted
  every city for good (+3.3 points in ten years, Jordan).

A programme's lift then lasts as long as what lowered its participants' threat lasts: a cross-group friendship
that keeps meeting (Page-Gould, Mendoza-Denton & Tropp 2008; Paluck, Green & Green 2019: effects persist when
contact continues) and eased anxiety, which the norm brings back. The decay is the fading of those, not a fitted
half-life; the mechanism has no parameter of its own.

Two phases bracket the norm: `set_aside_threat` (with the mechanism, declared before `norms`) takes T out of
the attitude before `follow_norms`, `restore_threat` (a phase placed after `norms`, before `beliefs`) puts it back
after, each first weighing everyone's T (`weigh_threat`: the group mean is over the whole population; the
norm has moved anxiety in between). Neither runs in the contact history
before week 0 (views are held at their surveyed values there), so the anchors are those of the model without
it, and the references are taken the first time the phases run. Off (`dynamics.standing_threat.enabled:
false`): the model before issue 24, exactly.
"""

from dataclasses import dataclass

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import ALL, Mechanism, Phase, Rows, members, reusable
from bridges.model.mechanisms.threat import believed_burden, current_threat
from bridges.model.ranges import RECEIVING, THERMOMETER_MAX


@dataclass(frozen=True)
class StandingThreatParams:
    """Threat as a standing cause of attitudes: the ingroup norm anchors the part of a view contact-borne threat
    does not explain. No parameter but its switch."""

    enabled: bool


def threat_component(threat: np.ndarray, reference: np.ndarray, weight: float, top: float) -> np.ndarray:
    """S = -w top (tau - tau_ref): the thermometer points a person's threat explains, relative to their threat
    when the run began; 0 where there is no threat (arriving members: NaN)."""
    return np.nan_to_num(-weight * top * (threat - reference), nan=0.0)


def centred_on_group(points: np.ndarray, members: np.ndarray) -> np.ndarray:
    """T = S - mean(S over `members`) for the members, 0 for everyone else: where a person's threat puts them
    relative to their group."""
    return np.where(members, points - points[members].mean(), 0.0) if members.any() else np.zeros_like(points)


def without_threat(attitude: np.ndarray, component: np.ndarray) -> np.ndarray:
    """The part of the attitude the norm anchors: A - T (not clipped: it is no thermometer reading)."""
    return attitude - component


def with_threat(rest: np.ndarray, component: np.ndarray, top: float) -> np.ndarray:
    """The attitude again: clip(rest + T, 0, top)."""
    return np.clip(rest + component, 0.0, top)


def uses_standing_threat(model) -> bool:
    """The mechanism acts only with threat moving attitudes and norms anchoring them."""
    d = model.params.dynamics
    return d.standing_threat.enabled and d.threat.enabled and d.norms.enabled


def start_reference(model) -> None:
    """Week 0: no references yet (they are taken when the run's own weeks begin, after the contact history)."""
    model.threat_reference = model.burden_reference = model.threat_points = None


def weigh_threat(model) -> None:
    """Everyone's T now (`model.threat_points`) from their contact-borne threat: their threat with their
    believed burden held at the reference. The references are everyone's believed burden and that threat the
    first time they are needed (the start of the run's own weeks). Everyone's S is elementwise, so a big city
    computes it in row blocks on the threads (`Threads.row_blocks`); the group's mean is taken over the whole.
    Compiled, the new T is written over the last (base.py `reusable`: it is not read once the new one is weighed)."""
    if not uses_standing_threat(model):
        return
    if model.threat_reference is None:
        model.burden_reference = believed_burden(model)
        model.threat_reference = current_threat(model)  # beliefs now are the reference's
    compiled = kernels.load(COMPILED, model.state.n)
    if compiled is not None:  # the same rules compiled over everyone (model/rules/threat_compiled.py)
        model.threat_points = compiled.standing(model.state, model.burden_reference, model.threat_reference,
                                                model.local_arriving_share, model.city_arriving_share,
                                                model.params.dynamics.threat, THERMOMETER_MAX,
                                                members(model, ALL, RECEIVING), model.threads,
                                                reusable(getattr(model, "threat_points", None), model.state.n))
        return
    points = np.empty(model.state.n)

    def weigh(rows: slice) -> None:
        who = ALL if rows == ALL else rows
        points[rows] = threat_component(current_threat(model, who, burden=model.burden_reference[rows]),
                                        model.threat_reference[rows], model.params.dynamics.threat.attitude_weight,
                                        THERMOMETER_MAX)

    model.threads.row_blocks(weigh, model.state.n)
    model.threat_points = centred_on_group(points, model.state.group == RECEIVING)


def set_aside_threat(model, who=ALL) -> None:
    """Before the norm: take the part of the attitude that threat explains out of the residents `who`."""
    shift_by_threat(model, who, back=False)


def restore_threat(model, who=ALL) -> None:
    """After the norm: put the part of the attitude that threat explains back into the residents `who`."""
    shift_by_threat(model, who, back=True)


def shift_by_threat(model, who, back: bool) -> None:
    """The residents `who`'s attitude without the part threat explains (`without_threat`), or with it put back
    (`with_threat`, `back`); with standing threat on."""
    if not uses_standing_threat(model):
        return
    compiled = kernels.load(COMPILED, model.state.n) if isinstance(who, slice) and who.step is None else None
    if compiled is not None:  # over the rows (a row block, `Rows.blocks`): the rule is elementwise
        compiled.shift(model.state.attitude, model.threat_points, back, THERMOMETER_MAX, *who.indices(model.state.n)[:2])
    elif back:
        model.state.attitude[who] = with_threat(model.state.attitude[who], model.threat_points[who], THERMOMETER_MAX)
    else:
        model.state.attitude[who] = without_threat(model.state.attitude[who], model.threat_points[who])


COMPILED = "bridges.model.rules.threat_compiled"
"""The module of the compiled kernels of threat and its standing part (model/kernels.py)."""
READS = ("state.attitude", "state.group", "state.neighbourhood", "state.belief_education", "state.belief_employment",
         "state.belief_welfare", "state.anxiety", "state.outgroup_friends", "model.local_arriving_share",
         "model.city_arriving_share", "model.threat_reference", "model.burden_reference")
WRITES = ("state.attitude", "model.threat_reference", "model.burden_reference", "model.threat_points")
RESTORE_READS = tuple(name for name in READS if not name.startswith("state.belief_"))
"""After the norm the references exist: beliefs are not read, the references not written."""
RESTORE_WRITES = ("state.attitude", "model.threat_points")
MECHANISM = Mechanism(
    name="standing_threat",
    after="friendship",
    before="norms",
    params=("dynamics.standing_threat", "dynamics.threat"),
    parameters={"dynamics.standing_threat": StandingThreatParams},
    attributes=("threat_reference", "burden_reference", "threat_points"),
    phases=(Phase(set_aside_threat, reads=READS, writes=WRITES,
                  steps=(weigh_threat, Rows(set_aside_threat, blocks=True)), history=False),
            Phase(restore_threat, reads=RESTORE_READS, writes=RESTORE_WRITES,
                  steps=(weigh_threat, Rows(restore_threat, blocks=True)), history=False, after="norms",
                  before="beliefs")),
    start=start_reference,
)
"""Set aside just before the norm, restored just after it."""
