"""Weekly outcome metrics per group, in tidy (group, metric, value) form.

Metric names are a public interface (timeseries.parquet, plots, report):
- attitude_mean: mean feeling thermometer toward the outgroup (0-100)
- anxiety_mean, trust_mean, distress_mean: means of the 0-1 scales
- intergroup_contact_share: share with at least one intergroup encounter this week
- positive_contact_share / negative_contact_share: share with at least one positive / negative one
- encounters_per_person: mean intergroup encounters this week
"""

import numpy as np

from model.params import GROUPS

STATE_METRICS = ("attitude_mean", "anxiety_mean", "trust_mean", "distress_mean")
CONTACT_METRICS = ("intergroup_contact_share", "positive_contact_share", "negative_contact_share",
                   "encounters_per_person")


def group_metrics(state, positive: np.ndarray | None, negative: np.ndarray | None) -> list[tuple[str, str, float]]:
    """Metrics of each group; contact metrics only when a week's contact counts are given."""
    rows = []
    for code, label in enumerate(GROUPS):
        members = state.group == code
        if not members.any():
            continue
        values = {
            "attitude_mean": state.attitude[members].mean(),
            "anxiety_mean": state.anxiety[members].mean(),
            "trust_mean": state.trust[members].mean(),
            "distress_mean": state.distress[members].mean(),
        }
        if positive is not None:
            pos, neg = positive[members], negative[members]
            values |= {
                "intergroup_contact_share": np.mean(pos + neg > 0),
                "positive_contact_share": np.mean(pos > 0),
                "negative_contact_share": np.mean(neg > 0),
                "encounters_per_person": np.mean(pos + neg),
            }
        rows.extend((label, metric, float(value)) for metric, value in values.items())
    return rows
