"""What a comparison's effects cost, in one vocabulary (DEFINITIONS): each programme on its own goal,
each scenario as a whole on every outcome, a recommendation per outcome, the budget view and cost.csv."""

import numpy as np
import pandas as pd

from bridges.scenarios.compare_effects import BASELINE, PERSON_OUTCOMES, t_interval

def per_point(cost: float, gain: float, low: float, high: float) -> tuple[float, float, float]:
    """Cost per point gained with its interval (cost over the gain's interval ends); NaN where the gain
    is not positive, and an open upper end (inf) when the gain interval reaches zero."""
    if not gain > 0:
        return np.nan, np.nan, np.nan
    return cost / gain, cost / high if high > 0 else np.nan, cost / low if low > 0 else np.inf


def programme_value(values: pd.DataFrame) -> pd.DataFrame:
    """Each programme on its own goal: cost per participant, per participant-point and per person-point
    (with intervals; DEFINITIONS), which do not depend on the city's size while capacity does not bind."""
    records = []
    for key, rows in values.groupby(["scenario", "programme", "type", "outcome"], sort=False):
        cost = float(rows.cost.mean())
        participants, in_goal_group = float(rows.participants.mean()), float(rows.goal_participants.mean())
        per_participant = rows.participant_points / rows.goal_participants.where(rows.goal_participants > 0)
        gain, gain_low, gain_high = t_interval(per_participant)
        points, points_low, points_high = t_interval(rows.person_points)
        cpp = per_point(cost / in_goal_group if in_goal_group else np.nan, gain, gain_low, gain_high)
        cpe = per_point(cost, points, points_low, points_high)
        records.append(dict(zip(["scenario", "programme", "type", "outcome"], key)) | {
            "unit": PERSON_OUTCOMES[key[3]][3], "currency": rows.currency.iloc[0], "cost": cost,
            "participants": participants, "goal_participants": in_goal_group,
            "cost_per_participant": cost / participants if participants else np.nan,
            "gain_per_participant": gain, "gain_per_participant_low": gain_low, "gain_per_participant_high": gain_high,
            "person_points": points, "person_points_low": points_low, "person_points_high": points_high,
            "cost_per_participant_point": cpp[0], "cost_per_participant_point_low": cpp[1],
            "cost_per_participant_point_high": cpp[2], "cost_per_person_point": cpe[0],
            "cost_per_person_point_low": cpe[1], "cost_per_person_point_high": cpe[2]})
    return pd.DataFrame(records, columns=PROGRAMME_VALUE_COLUMNS)


PROGRAMME_VALUE_COLUMNS = [
    "scenario", "programme", "type", "outcome", "unit", "currency", "cost", "participants", "goal_participants",
    "cost_per_participant",
    "gain_per_participant", "gain_per_participant_low", "gain_per_participant_high", "person_points",
    "person_points_low", "person_points_high", "cost_per_participant_point", "cost_per_participant_point_low",
    "cost_per_participant_point_high", "cost_per_person_point", "cost_per_person_point_low",
    "cost_per_person_point_high"]
"""programme_value's columns (also when no scenario runs a programme: a variant of the baseline)."""


DEFINITIONS = {
    "participants": "residents ever enrolled in a programme, from both communities (volunteering: the volunteers "
                    "and their buddies); a scenario's participants are summed over its programmes",
    "participants in the goal's group": "the participants who belong to the group the outcome is measured in "
                                        "(volunteering on receiving members' attitude: the volunteers only)",
    "cost per participant": "total cost / participants",
    "person-points": "points gained on an outcome, summed over every resident of the outcome's group, participants "
                     "or not (= the effect on the group's mean x the group's size); a point is one unit of the "
                     "outcome's scale: a thermometer point for attitude, a percentage point for employment and legal "
                     "status, the whole 0-1 scale for distress, belonging and misperception",
    "cost per person-point": "total cost / person-points: what one resident's point costs, spillover included",
    "participant-points": "points gained on an outcome by the participants in the goal's group, summed",
    "cost per participant-point": "total cost / participant-points",
    "cost per new friendship": "total cost / cross-group friendships added (a friendship joins two residents: "
                               "two person-points of cross-group friendships)",
}
"""The cost measures, named the same in report.md, cost.csv, programme_value.csv, scenario_value.csv and the
dashboard's Planner, each with its one-line definition."""

AIMS = {
    "attitude_receiving": "raise receiving members' attitude",
    "attitude_arriving": "raise arriving members' attitude",
    "outgroup_friends": "add cross-group friendships",
    "misperception": "lower receiving members' misperception",
    "distress": "lower distress",
    "distress_arriving": "lower arriving members' distress",
    "belonging": "raise belonging",
    "employment_arriving": "raise arriving members' employment",
    "legal_status_arriving": "settle arriving members' legal status",
}
"""What gaining on each per-resident outcome means, for the recommendation sentences."""


def scenario_value(groups: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """Each scenario as a whole (a mix with all its programmes) on every per-resident outcome at the last
    week: its mean cost and participants, the person-points everyone gained (95% interval over replicates)
    and the cost per person-point. The recommendations, the budget view and cost.csv all read this table."""
    everyone = groups[(groups.who == "population") & (groups.when == "last_week")]
    spent = costs.groupby("scenario").agg(currency=("currency", "first"), cost=("total_cost", "mean"),
                                         participants=("participants", "mean"))
    records = []
    for (scenario, outcome), rows in everyone.groupby(["scenario", "outcome"], sort=False):
        points, low, high = t_interval(PERSON_OUTCOMES[outcome][2] * rows.effect * rows.n)
        cost = float(spent.cost[scenario])
        per = per_point(cost, points, low, high)
        records.append({"scenario": scenario, "outcome": outcome, "unit": PERSON_OUTCOMES[outcome][3],
                        "currency": spent.currency[scenario], "cost": cost,
                        "participants": float(spent.participants[scenario]), "person_points": points,
                        "person_points_low": low, "person_points_high": high, "cost_per_person_point": per[0],
                        "cost_per_person_point_low": per[1], "cost_per_person_point_high": per[2]})
    return pd.DataFrame(records, columns=SCENARIO_VALUE_COLUMNS)


SCENARIO_VALUE_COLUMNS = ["scenario", "outcome", "unit", "currency", "cost", "participants", "person_points",
                          "person_points_low", "person_points_high", "cost_per_person_point",
                          "cost_per_person_point_low", "cost_per_person_point_high"]


def price(row) -> str:
    """A scenario's cost per person-point with its interval, in words."""
    upper = "no upper bound" if not np.isfinite(row.cost_per_person_point_high) else \
        f"{row.cost_per_person_point_high:,.0f}"
    return (f"{row.cost_per_person_point:,.0f} {row.currency} per person-point, 95% interval "
            f"{row.cost_per_person_point_low:,.0f} to {upper}")


def offers(value: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The scenarios that gain on `outcome` (positive person-points), cheapest per person-point first."""
    rows = value[(value.outcome == outcome) & (value.scenario != BASELINE) & value.cost_per_person_point.notna()]
    return rows.sort_values(["cost_per_person_point", "scenario"], kind="stable")


def recommendation(value: pd.DataFrame, outcome: str) -> str:
    """One sentence: which scenario buys `outcome`'s person-points cheapest, which next, and whether the
    first's interval overlaps the second's (then the order is not sure). Scenarios count as a whole, mixes
    included, as in the budget view."""
    aim = AIMS[outcome]
    ranked = offers(value, outcome)
    if ranked.empty:
        return f"To {aim}: no scenario gains on it."
    if ranked.currency.nunique() > 1:
        return (f"To {aim}: not ranked, the scenarios are priced in different currencies "
                f"({', '.join(sorted(ranked.currency.unique()))}) and no exchange rate is known.")
    first = ranked.iloc[0]
    text = f"To {aim} at the least cost per person-point: **{first.scenario}** ({price(first)})"
    if len(ranked) == 1:
        return text + "; no other scenario gains on it."
    second = ranked.iloc[1]
    text += f", then {second.scenario} ({price(second)})"
    if first.cost_per_person_point_high >= second.cost_per_person_point_low:
        return text + f"; the interval of {first.scenario} overlaps {second.scenario}'s, so the order is not sure."
    return text + f"; the interval of {first.scenario} lies below {second.scenario}'s."


def budget_mix(value: pd.DataFrame, budget: float, outcome: str) -> pd.DataFrame:
    """For a budget, the mix of scenarios (mixes included, each bought whole at the size it ran) that buys
    the most person-points of one outcome: greedily the cheapest per person-point first (the order of
    `recommendation`), assuming their effects add up and repeat at the same price."""
    ranked = offers(value, outcome)
    if ranked.currency.nunique() > 1:  # no exchange rate is known: a sum of EUR and USD means nothing
        empty = pd.DataFrame(columns=["scenario", "copies", "cost", "person_points", "currency"])
        empty.attrs["currencies"] = ", ".join(sorted(ranked.currency.unique()))
        return empty
    chosen, left = [], budget
    for row in ranked.itertuples():
        copies = int(left // row.cost) if row.cost > 0 else 0
        if copies:
            chosen.append({"scenario": row.scenario, "copies": copies, "cost": copies * row.cost,
                           "person_points": copies * row.person_points, "currency": row.currency})
            left -= copies * row.cost
    return pd.DataFrame(chosen, columns=["scenario", "copies", "cost", "person_points", "currency"])


COST_OUTCOMES = ("attitude_receiving", "attitude_arriving")
"""The outcomes cost.csv prices per person-point (every outcome is in scenario_value.csv)."""


def cost_effectiveness(effects_final: pd.DataFrame, costs: pd.DataFrame, value: pd.DataFrame) -> pd.DataFrame:
    """cost.csv: per scenario, its mean cost, participants and cost per participant, its effect and cost per
    person-point on both communities' attitude (from `scenario_value`), and its cost per new cross-group
    friendship, only where the effect is a gain (DEFINITIONS)."""
    table = costs.groupby("scenario", sort=False).agg(
        currency=("currency", "first"), total_cost=("total_cost", "mean"),
        participants=("participants", "mean")).reset_index()
    table["cost_per_participant"] = np.where(table.participants > 0,
                                             table.total_cost / table.participants.clip(lower=1), np.nan)
    effect = effects_final.pivot(index="scenario", columns="outcome", values="estimate")
    indexed = value.set_index(["scenario", "outcome"])
    for outcome in COST_OUTCOMES:
        table[f"effect_{outcome}"] = table.scenario.map(effect[outcome])
        for column in ("person_points", "cost_per_person_point"):
            table[f"{column}_{outcome}"] = [indexed[column].get((name, outcome), np.nan) for name in table.scenario]
    friends = table.scenario.map(effect["outgroup_friends"])
    table["effect_outgroup_friends"] = friends
    table["cost_per_new_friendship"] = np.where(friends > 0, table.total_cost / friends.where(friends > 0, 1.0), np.nan)
    return table
