"""Outputs: the weekly metrics per group (model/metrics.py) and, in survey weeks, the virtual survey
(model/survey.py).

Parameters: `survey`.
"""

from bridges.model.mechanisms.base import Mechanism, Phase, group_index, static_index


def record(model) -> None:
    """Append this week's metrics per group to the model's tidy records (each group's members indexed once per
    model: groups are fixed when the city is built)."""
    if model.weekly_metrics:
        model.record_metrics(True, static_index(model, "metric_groups", lambda: group_index(model.state.group)))


def survey(model) -> None:
    """Field the virtual survey if this is a survey week."""
    model.field_survey_if_due()


MECHANISM = Mechanism(
    name="outputs",
    after="discrimination",
    params=("survey",),
    phases=(
        Phase(
            record,
            reads=("state.*", "week.positive", "week.negative", "model.static_index"),
            writes=("records",),
            history=False),
        Phase(
            survey,
            reads=("state.*",),
            writes=("survey_waves",),
            history=False),
    ),
)
