"""A steady start for slow contact states (`dynamics.disposition.steady_start`, docs/model.md 7.20).

Why: the contact history before week 0 runs `history_weeks` (13) weeks, but tie strength (decay 0.02 a week), the
running average of positive contact (memory 0.02) and experienced discrimination (decay 0.02) remember about a
year, and a tie with enough contact to become a friendship needs about 90 weeks from 0 to pass the threshold.
Started at 0, they were formed out of equilibrium: after week 0 they kept rising for years with no change in the
city (10 seeds, Germany, 5,000 residents: arriving members' cross-group friends 0.07 -> 0.76 each in four years,
their discrimination 0.26 -> 0.51), and views followed the contact the friendships added (arriving attitude +2.3
points in four years, Croatia's +2.9 in ten). Each of these rules has a closed-form fixed point for a given
weekly contact, so the start is solved rather than run for years: the usual contact's weeks (views and every
surveyed state held, as in the history) measure each tie's and person's weekly encounters, and each slow state
starts where its own rule holds it for that contact. The history then runs from there, so the views' anchors are
taken from a city whose friendships, discrimination and positive contact are already at their usual level.
"""

import numpy as np

from bridges.model.mechanisms.friendship import count_outgroup_friends, extended_contact
from bridges.model.ranges import ARRIVING
from bridges.model.rules import friendship as friendship_rules
from bridges.model.rules import partner as partner_rules
from bridges.model.rules.contact import pair_mean
from bridges.model.step import run_history_week


def usual_encounters(model, weeks: int, first_week: int, surveyed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run `weeks` weeks of the usual contact (the history's phases, numbered from `first_week` + 1), every
    surveyed state reset to `surveyed` after each, and return the mean weekly encounters they had, as
    acquaintances (a friendship's encounters divided by its meeting factor): per city tie, positive and
    negative (pair means, as tie strength takes them) and on each side; per person, those on no city tie
    (public space)."""
    state, ties, f = model.state, model.ties, model.params.dynamics.friendship
    n_ties = len(ties.source)
    totals = {name: np.zeros(n_ties) for name in ("positive", "negative", "positive.source", "positive.target",
                                                  "negative.source", "negative.target")}
    off_ties = {valence: np.zeros(state.n) for valence in ("positive", "negative")}
    for week in range(1, weeks + 1):
        model.steps = first_week + week
        factor = friendship_rules.meeting_factor(ties.friend, f)  # the rate each tie met at this week
        run_history_week(model)
        for valence in ("positive", "negative"):
            counts = getattr(ties, valence)
            sides = {side: counts.get(side, np.zeros(n_ties, dtype=np.int64)) for side in ("source", "target")}
            totals[valence] += pair_mean(sides["source"], sides["target"]) / factor
            on_ties = np.zeros(state.n)
            for side, count in sides.items():
                totals[f"{valence}.{side}"] += count / factor
                on_ties += np.bincount(getattr(ties, side), weights=count, minlength=state.n)
            off_ties[valence] += getattr(model.week, valence) - on_ties
        for name, value in surveyed.items():
            getattr(state, name)[:] = value
    return {name: total / weeks for name, total in totals.items()} | {
        f"{valence}.off_ties": total / weeks for valence, total in off_ties.items()}


def start_steady(model, usual: dict[str, np.ndarray]) -> None:
    """Set each slow contact state at the fixed point of its own rule for the `usual` weekly encounters
    (`usual_encounters`): tie strength and friendship (rules/friendship.py `steady_strength`); each person's
    weekly positive and negative intergroup encounters with those friendships (friends meet `rate_multiplier`
    times as often), which are the running average of positive contact's fixed point and, for arriving
    members, experienced discrimination's (rules/partner.py `steady_discrimination`); then the cross-group
    friendships and extended contacts they make."""
    state, ties, p = model.state, model.ties, model.params
    f = p.dynamics.friendship
    ties.strength[:] = friendship_rules.steady_strength(usual["positive"], usual["negative"], f)
    ties.friend[:] = friendship_rules.is_friendship(ties.strength, f)
    factor = friendship_rules.meeting_factor(ties.friend, f)
    rate = {}
    for valence in ("positive", "negative"):
        rate[valence] = usual[f"{valence}.off_ties"].copy()
        for side in ("source", "target"):
            rate[valence] += np.bincount(getattr(ties, side), weights=usual[f"{valence}.{side}"] * factor,
                                         minlength=state.n)
    state.positive_history[:] = rate["positive"]  # a running average's fixed point is the mean itself
    if p.dynamics.discrimination.enabled:
        arriving = state.group == ARRIVING
        state.discrimination[arriving] = partner_rules.steady_discrimination(rate["negative"][arriving],
                                                                             p.dynamics.discrimination)
    count_outgroup_friends(model)
    extended_contact(model)
