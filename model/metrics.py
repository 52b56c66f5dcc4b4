"""Weekly outcome metrics per group, in tidy (group, metric, value) form.

Metric names are a public interface (timeseries.parquet, plots, report). Each metric is declared by the
mechanism that owns it (`Mechanism.metrics`, model/mechanisms/base.py `Metric`: its per-member values, its
groups, its value over everyone as group "all"); docs/model.md lists them with their meaning and scale.

OUTCOMES names the outcomes scenarios are compared on (effects.csv) and where each comes from.
"""

import numpy as np

from bridges.model.mechanisms import MECHANISMS
from bridges.model.params_city import BELIEFS
from bridges.model.ranges import GROUPS, RECEIVING
from bridges.model.rules.beliefs import misperception, true_shares


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

METRICS = tuple(sorted((metric for mechanism in MECHANISMS for metric in mechanism.metrics),
                       key=lambda metric: metric.rank))
"""Every weekly metric, each declared by the mechanism that owns it (`Mechanism.metrics`), in the order of
the timeseries' rows (by rank; the sort is stable, so equal ranks keep the week's order)."""


def group_metrics(state, week=None) -> list[tuple[str, str, float]]:
    """Metrics of each group (METRICS, in order); contact metrics only when a week's contact counts are given.

    A mean is the sum over the group's members divided by their number: bitwise `ndarray.mean` (the same
    pairwise sum; sums of counts and flags are exact), without its per-call overhead."""
    recorded = [metric for metric in METRICS if week is not None or not metric.contact]
    rows = []
    for code, label in enumerate(GROUPS):
        members = np.flatnonzero(state.group == code)  # indexed once per group, then gathered per metric
        if not members.size:
            continue
        rows.extend((label, metric.name, float(np.add.reduce(metric.values(state, week, members)) / members.size))
                    for metric in recorded if code in metric.groups)
    rows.extend(("all", metric.name, float(metric.everyone(state))) for metric in recorded if metric.everyone)
    return rows
