"""The model's Mesa DataCollector: the comparison outcomes, the intervention cost so far and the run's seed."""

from functools import partial

import mesa

from bridges.model.metrics import OUTCOMES


def latest_metric(model, group: str, metric: str) -> float:
    """This week's value of a vectorised metric (NaN if not recorded this week, e.g. contact at week 0)."""
    for step, row_group, row_metric, value in reversed(model.records):
        if step != model.steps:
            break
        if row_group == group and row_metric == metric:
            return value
    return float("nan")


def intervention_cost(model) -> float:
    """Total cost of all interventions so far (in the interventions' currency)."""
    return float(sum(intervention.costs()["total_cost"] for intervention in model.interventions))


def run_seed(model) -> int:
    """The run's root seed (a fresh one when the model was built without rng or seed): rebuilds the run."""
    return model.params.seed


def make_datacollector(model, agent_reporters: dict | None = None) -> mesa.DataCollector:
    """A DataCollector whose model reporters are the comparison outcomes (model/metrics.py OUTCOMES),
    read from the week's vectorised metrics, plus the intervention cost so far and the run's seed; agent reporters (e.g.
    {"attitude": "attitude"}) read the resident views."""
    reporters = {outcome: partial(latest_metric, group=group, metric=metric)
                 for outcome, (group, metric) in OUTCOMES.items()}
    reporters["intervention_cost"] = intervention_cost
    reporters["seed"] = run_seed
    return mesa.DataCollector(model_reporters=reporters, agent_reporters=agent_reporters or {})
