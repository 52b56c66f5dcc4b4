"""Weekly outcome metrics per group, in tidy (group, metric, value) form.

Metric names are a public interface (timeseries.parquet, plots, report):
- attitude_mean: mean feeling thermometer toward the outgroup (0-100)
- anxiety_mean, trust_mean, distress_mean, belonging_mean, language_mean: means of the 0-1 scales
- employed_share, legal_pending_share: shares of the group
- outgroup_friend_share: share with at least one cross-group friendship
- misperception_mean: receiving members' mean absolute belief gap (0-1; receiving only)
- intergroup_contact_share: share with at least one intergroup encounter this week
- positive_contact_share / negative_contact_share: share with at least one positive / negative one
- encounters_per_person: mean intergroup encounters this week
- variability_mean: mean perceived outgroup variability (0-1)
- distinct_partners_mean: mean number of distinct outgroup partners met so far
- threat_mean: receiving members' mean perceived threat (0-1; receiving only)
- discrimination_mean: arriving members' mean experienced discrimination (0-1; arriving only)
Group "all" (everyone): attitude_mean, distress_mean, belonging_mean, and outgroup_friendships (the
number of cross-group friendships in the city).

OUTCOMES names the outcomes scenarios are compared on (effects.csv) and where each comes from.
"""

import numpy as np

from bridges.model.params_city import BELIEFS
from bridges.model.ranges import GROUPS
from bridges.model.rules.beliefs import misperception, true_shares
from bridges.model.state import RECEIVING


def misperception_per_person(state) -> np.ndarray:
    """Each receiving member's mean absolute belief gap; NaN for arriving members."""
    beliefs = np.column_stack([state.belief(topic) for topic in BELIEFS])
    truth = true_shares(state.group, state.education, state.employed)
    return np.where(state.group == RECEIVING, misperception(beliefs, truth), np.nan)


OUTCOMES = {
    "attitude_receiving": ("receiving", "attitude_mean"),  # receiving members' thermometer (0-100)
    "attitude_arriving": ("arriving", "attitude_mean"),  # arriving members' thermometer (0-100)
    "contact_receiving": ("receiving", "intergroup_contact_share"),  # share with contact this week
    "contact_arriving": ("arriving", "intergroup_contact_share"),
    "outgroup_friends": ("all", "outgroup_friendships"),  # cross-group friendships in the city (count)
    "misperception": ("receiving", "misperception_mean"),  # mean absolute belief gap (0-1)
    "distress": ("all", "distress_mean"),  # everyone's mean distress (0-1)
    "distress_arriving": ("arriving", "distress_mean"),
    "belonging": ("all", "belonging_mean"),  # everyone's mean belonging (0-1)
    "employment_arriving": ("arriving", "employed_share"),
}
"""Outcome name -> (group, metric) in the timeseries."""


def group_metrics(state, week=None) -> list[tuple[str, str, float]]:
    """Metrics of each group; contact metrics only when a week's contact counts are given.

    A mean is the sum over the group's members divided by their number: bitwise `ndarray.mean` (the same
    pairwise sum; sums of counts and flags are exact), without its per-call overhead."""
    rows = []
    for code, label in enumerate(GROUPS):
        members = np.flatnonzero(state.group == code)  # indexed once per group, then gathered per metric
        if not members.size:
            continue
        per_person = {
            "attitude_mean": state.attitude[members],
            "anxiety_mean": state.anxiety[members],
            "trust_mean": state.trust[members],
            "distress_mean": state.distress[members],
            "belonging_mean": state.belonging[members],
            "language_mean": state.language[members],
            "employed_share": state.employed[members],
            "legal_pending_share": state.legal_pending[members],
            "outgroup_friend_share": state.outgroup_friends[members] > 0,
        }
        if code == RECEIVING:
            beliefs = np.stack([state.belief(topic)[members] for topic in BELIEFS]).T  # rows people, columns topics
            per_person["misperception_mean"] = misperception(beliefs, true_shares(state.group, state.education,
                                                                                  state.employed))
        per_person |= {"variability_mean": state.variability[members],
                       "distinct_partners_mean": state.distinct_partners[members]}
        per_person |= ({"threat_mean": state.threat[members]} if code == RECEIVING
                       else {"discrimination_mean": state.discrimination[members]})
        if week is not None:
            pos, neg = week.positive[members], week.negative[members]
            per_person |= {"intergroup_contact_share": pos + neg > 0, "positive_contact_share": pos > 0,
                           "negative_contact_share": neg > 0, "encounters_per_person": pos + neg}
        rows.extend((label, metric, float(np.add.reduce(values) / members.size)) for metric, values in per_person.items())
    everyone = {"attitude_mean": state.attitude.mean(), "distress_mean": state.distress.mean(),
                "belonging_mean": state.belonging.mean(), "outgroup_friendships": state.outgroup_friends.sum() / 2}
    rows.extend(("all", metric, float(value)) for metric, value in everyone.items())
    return rows
