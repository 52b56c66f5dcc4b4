"""Interventions as delivery x effect x cost.

A scenario lists interventions under `interventions:`; conf/intervention/<type>.yaml gives each type's
defaults on top of the delivery and cost defaults all types share (conf/intervention/shared/defaults.yaml).
Each entry names its delivery method (`delivery.method`, model/interventions/delivery.py) and its effect
(`effect.kind`, one file per effect); `build_interventions` composes them into programmes
(model/interventions/programme.py). An entry whose effect kind is `coordination` is a partnership
(model/interventions/coordination.py): it modifies the other programmes' deliveries.
"""

from bridges.model.interventions.coordination import KIND as COORDINATION
from bridges.model.interventions.coordination import Partnership
from bridges.model.interventions.programme import Programme
from bridges.model.ranges import LAST_WEEK


def build_interventions(params, n_people: int) -> list[Programme | Partnership]:
    """The scenario's programmes and partnerships in the order listed, each partnership applied to every
    programme's delivery."""
    built = []
    for name, config in params.interventions.items():
        if config.effect.get("kind") == COORDINATION:
            built.append(Partnership(name, config, params.steps))
        else:
            programme = Programme(name, config, n_people, params.steps)
            programme.check(params)
            built.append(programme)
    for partnership in (i for i in built if isinstance(i, Partnership)):
        for programme in (i for i in built if isinstance(i, Programme)):
            partnership.modify(programme.delivery)
    return built


def programme_weeks(params) -> list[tuple[str, int, int]]:
    """Each of a scenario's programmes with its first and last week, cut to the run (a partnership enrols
    nobody: none). Read by the run folder's plots and the comparison's (bands) and snapshots (programme end)."""
    return [(name, entry.delivery.start_week,
             params.steps if entry.delivery.end_week == LAST_WEEK else min(entry.delivery.end_week, params.steps))
            for name, entry in params.interventions.items() if entry.effect.get("kind") != COORDINATION]
