"""Cost: what a programme costs, counted week by week as it runs."""

from dataclasses import dataclass, field

from bridges.model.ranges import COST


@dataclass(frozen=True)
class CostParams:
    """What a programme costs: fixed, per week it runs, and per participant-week."""

    currency: str
    fixed: float = field(metadata=COST)
    per_week: float = field(metadata=COST)
    per_participant_week: float = field(metadata=COST)


def total_cost(cost: CostParams, weeks_run: int, participant_weeks: int) -> float:
    """fixed + per_week x weeks run + per_participant_week x participant-weeks."""
    return cost.fixed + cost.per_week * weeks_run + cost.per_participant_week * participant_weeks


class CostAccount:
    """Weeks run and participant-weeks so far, and the cost they come to."""

    def __init__(self, params: CostParams):
        self.params = params
        self.weeks_run = 0
        self.participant_weeks = 0

    def count_week(self, participants: int) -> None:
        """One more week run, with this many participants."""
        self.participant_weeks += participants
        self.weeks_run += 1

    def row(self, name: str, kind: str, participants: int) -> dict:
        """The cost table's row: totals so far and the cost per participant reached."""
        total = total_cost(self.params, self.weeks_run, self.participant_weeks)
        return {"intervention": name, "type": kind, "currency": self.params.currency, "participants": participants,
                "participant_weeks": self.participant_weeks, "weeks_run": self.weeks_run, "total_cost": total,
                "cost_per_participant": total / participants if participants else float("nan")}
