"""Weekly outcome metrics per group, in tidy (group, metric, value) form.

Metric names are a public interface (timeseries.parquet, plots, report). Each metric is declared by the
mechanism that owns it (`Mechanism.metrics`, model/mechanisms/base.py `Metric`: its per-member values, its
groups, its value over everyone as group "all"); docs/model.md lists them with their meaning and scale.

OUTCOMES names the outcomes scenarios are compared on (effects.csv) and where each comes from.
"""

from typing import NamedTuple

import numpy as np

from bridges.model import kernels
from bridges.model import threads as threads_module
from bridges.model.mechanisms import MECHANISMS
from bridges.model.mechanisms.base import ALL, GroupIndex, Metric, group_index
from bridges.model.params_city import BELIEFS
from bridges.model.ranges import GROUPS, RECEIVING
from bridges.model.rules.beliefs import misperception, true_shares
from bridges.model.threads import SERIAL, Threads


def misperception_per_person(state) -> np.ndarray:
    """Each receiving member's mean absolute belief gap; NaN for arriving members."""
    gap = misperception([state.belief(topic) for topic in BELIEFS], true_shares(state.group, state.education,
                                                                              state.employed))
    gap[state.group != RECEIVING] = np.nan
    return gap


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


def group_metrics(state, week=None, index: GroupIndex | None = None,
                  threads: Threads = SERIAL) -> list[tuple[str, str, float]]:
    """Metrics of each group (METRICS, in order); contact metrics only when a week's contact counts are given.
    `index`: the groups' members (`group_index`, computed here when not given); `threads`: the model's worker
    threads, which sum a big city's group means in parts (`_fused_metrics`).

    A mean is the sum over the group's members divided by their number: bitwise `ndarray.mean` (the same
    pairwise sum; sums of counts and flags are exact), without its per-call overhead. With the kernels on
    (model/kernels.py), every metric's values over everyone go into one table and `group_means` sums each
    group's members of it in numpy's pairwise order (model/rules/sums_compiled.py): the same numbers, one call."""
    index = group_index(state.group) if index is None else index
    plan = _plan(week is not None)
    fused = kernels.load(SUMS_KERNEL, state.n)
    if fused is not None:
        return _fused_metrics(fused, state, week, index, plan, threads)
    rows = []
    for code, label in enumerate(GROUPS):
        members = index.members[code]  # indexed once per group, then gathered per metric
        if not members.size:
            continue
        rows.extend((label, metric.name, float(np.add.reduce(metric.values(state, week, members)) / members.size))
                    for metric in plan.recorded if code in metric.groups)
    rows.extend(("all", metric.name, float(metric.everyone(state))) for metric in plan.everyone)
    return rows


SUMS_KERNEL = "bridges.model.rules.sums_compiled"
"""The module of `group_means` (model/kernels.py loads it when the kernels run)."""


class MetricPlan(NamedTuple):
    """The metrics a week records (with or without its contact counts): those with per-member values, in
    order, each group's rows (group code, label, metric name, its place in `recorded`) and the metrics with a
    value over everyone."""

    recorded: tuple[Metric, ...]
    by_group: tuple[tuple[int, tuple[tuple[str, str, int], ...]], ...]
    everyone: tuple[Metric, ...]


_plans: dict[bool, MetricPlan] = {}


def _plan(with_contact: bool) -> MetricPlan:
    """The week's `MetricPlan`, worked out once per process for weeks with and without contact."""
    plan = _plans.get(with_contact)
    if plan is None:
        chosen = tuple(metric for metric in METRICS if with_contact or not metric.contact)
        valued = tuple(metric for metric in chosen if metric.values is not None)
        by_group = tuple((code, tuple((label, metric.name, valued.index(metric))
                                      for metric in valued if code in metric.groups))
                         for code, label in enumerate(GROUPS))
        plan = _plans[with_contact] = MetricPlan(valued, by_group, tuple(m for m in chosen if m.everyone))
    return plan


def _fused_metrics(fused, state, week, index: GroupIndex, plan: MetricPlan,
                   threads: Threads) -> list[tuple[str, str, float]]:
    """`group_metrics` through the kernel: each metric's values over everyone (the same per person as over a
    group's members; a state field's is the field itself, no copy), then every group mean in one call, or for a
    city the threads split (threads.SPLIT_FROM residents up) in parts on them (`blocked_means`)."""
    values = tuple(metric.values(state, week, ALL) for metric in plan.recorded)
    if state.n >= threads_module.SPLIT_FROM and threads.count > 1:
        means = blocked_means(fused, values, index, threads)
    else:
        means = np.empty((len(plan.recorded), len(GROUPS)))
        fused.group_means(values, index.concatenated, index.starts, means)
        means = means.T.tolist()
    rows = [(label, name, means[code][row]) for code, group_rows in plan.by_group if index.members[code].size
            for label, name, row in group_rows]
    rows.extend(("all", metric.name, float(metric.everyone(state))) for metric in plan.everyone)
    return rows


def blocked_means(fused, values: tuple, index: GroupIndex, threads: Threads) -> list[list[float]]:
    """`group_means`' numbers (per group, per metric) with each group's pairwise sum cut into one subtree per
    thread (sums_compiled.py `pairwise_tree`): every thread sums its subtree of every group and metric
    (`group_partials`, the GIL released), then each group's subtrees are added in numpy's order."""
    depth = (threads.count - 1).bit_length()  # 2 ** depth subtrees per group, at least one per thread
    trees, leaves, part_of = [], [], []
    for group in range(len(GROUPS)):
        first = len(leaves)
        trees.append(fused.pairwise_tree(int(index.starts[group]), int(index.starts[group + 1] - index.starts[group]),
                                         depth, leaves))
        part_of.extend(range(len(leaves) - first))  # each group's k-th subtree to thread k (mod the threads)
    leaves, part_of = np.array(leaves, dtype=np.int64).reshape(-1, 2), np.array(part_of) % threads.count
    sums = np.empty((len(values), len(leaves)))

    def part(k: int) -> None:
        """Every metric's sums over the subtrees of thread k."""
        mine = np.flatnonzero(part_of == k)
        partial = np.empty((len(values), len(mine)))
        fused.group_partials(values, index.concatenated, leaves[mine], partial)
        sums[:, mine] = partial

    threads.map(part, range(threads.count))
    sums = sums.tolist()
    return [[(0.0 + fused.tree_sum(tree, per_metric)) / size if size else np.nan for per_metric in sums]
            for tree, size in zip(trees, np.diff(index.starts).tolist())]


NO_LAYER = np.zeros(0, dtype=np.int64)
"""The layer codes `setting_tally` hands the kernel for a block without layers (public space, a programme)."""


def setting_tally(block, settings: int) -> np.ndarray:
    """A contact block's intergroup encounters this week and their positive and negative experiences (both
    sides counted), per layer of its ties (3 x `settings`, int64), or in column 0 for a block without layers
    (model.py `tally_settings`). With the kernels on, one pass over its ties (sums_compiled.py
    `setting_counts`): the same whole numbers as the float bincounts."""
    compiled = kernels.load(SUMS_KERNEL, block.size)
    if compiled is not None:
        whole = block.layer is None
        counts = np.zeros((3, 1 if whole else settings), dtype=np.int64)
        compiled.setting_counts(NO_LAYER if whole else block.layer, whole, block.encounters, block.positive["source"],
                                block.positive["target"], block.negative["source"], block.negative["target"], counts)
        return counts
    counts = [block.encounters, block.positive["source"] + block.positive["target"],
              block.negative["source"] + block.negative["target"]]
    if block.layer is None:
        return np.array([c.sum() for c in counts], dtype=np.int64)[:, None]
    return np.array([np.bincount(block.layer, weights=c, minlength=settings) for c in counts]).astype(np.int64)
