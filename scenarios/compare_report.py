"""A comparison's words: report.md (for whom, how big, how sure, for how long, at what cost) and the
terminal's five-line headline."""

import numpy as np
import pandas as pd

from bridges.model.metrics import OUTCOMES
from bridges.scenarios.compare_effects import (BASELINE, GOALS, HEADLINE, PERSON_OUTCOMES, WHO, certainty_word,
                                               amount, intervals_sentence, signed)
from bridges.scenarios.compare_options import CompareOptions
from bridges.scenarios.compare_value import DEFINITIONS, recommendation

def goal_outcome(configs: dict, scenario: str) -> str:
    """The outcome a scenario is judged on first: its first programme's goal (the headline if none)."""
    for entry in (configs[scenario].get("interventions") or {}).values():
        if entry.get("type") in GOALS:
            return GOALS[entry["type"]][0]
    return HEADLINE


def effect_cell(row) -> str:
    return f"{signed(row.estimate, row.unit)} ({signed(row.ci_low, row.unit)} to {signed(row.ci_high, row.unit)})"


def headline_table(groups: pd.DataFrame, configs: dict, thresholds) -> list[str]:
    """The report's headline: each scenario on its own goal, for participants, non-participants and
    everyone, with counts, size in baseline SDs and whether the interval excludes zero."""
    lines = ["| scenario | outcome [unit] | participants: n, effect (95%) | non-participants: n, effect (95%) | "
             "everyone: n, effect (95%) | size, participants / everyone (d) | everyone's interval | "
             "everyone at programme end |", "|---|---|---|---|---|---|---|---|"]
    indexed = groups.set_index(["scenario", "when", "outcome", "who"])
    for scenario in groups.scenario.unique():
        outcome = goal_outcome(configs, scenario)
        part, non, pop = (indexed.loc[(scenario, "last_week", outcome, who)] for who in WHO)
        end = indexed.loc[(scenario, "programme_end", outcome, "population")]
        part_cell, non_cell = (f"{row.n:,.0f}, {effect_cell(row)}" if row.n else "0, -" for row in (part, non))
        lines.append(f"| {scenario} | {outcome} [{pop.unit}] | {part_cell} | {non_cell} | "
                     f"{pop.n:,.0f}, {effect_cell(pop)} | {part['size']} ({part.d:+.2f}) / {pop['size']} "
                     f"({pop.d:+.2f}) | {pop.certainty} | week {end.step}: {signed(end.estimate, end.unit)} |")
    low, mid, high = thresholds
    return lines + ["", f"Size words follow |d| = |effect| / SD of the outcome across residents in the baseline: "
                    f"negligible below {low:g}, small {low:g}-{mid:g}, moderate {mid:g}-{high:g}, large {high:g} "
                    "or more (after Cohen 1988; Funder & Ozer 2019 argue such small effects can matter "
                    "when summed over many people). Whether an interval excludes zero is a separate matter "
                    "from size."]


def baseline_drift(replicates: pd.DataFrame) -> list[str]:
    """How much the baseline itself moves from its first to its last recorded week (mean over replicates)."""
    base = replicates[replicates.scenario == BASELINE].groupby(["outcome", "step"]).value.mean()
    lines = ["| outcome | baseline, first week | baseline, last week | drift |", "|---|---|---|---|"]
    for outcome in OUTCOMES:
        series = base[outcome]
        first, last = series.iloc[0], series.iloc[-1]
        lines.append(f"| {outcome} (week {series.index[0]} to {series.index[-1]}) | {first:.3f} | {last:.3f} | "
                     f"{last - first:+.3f} |")
    return lines


def ranking_text(final: pd.DataFrame, cost: pd.DataFrame, options: CompareOptions, seconds: float,
                 groups: pd.DataFrame | None = None, value: pd.DataFrame | None = None,
                 configs: dict | None = None, replicates: pd.DataFrame | None = None,
                 budget: pd.DataFrame | None = None, scenarios: pd.DataFrame | None = None) -> str:
    """report.md: for whom, how big, how sure, for how long and at what cost, in plain words."""
    head = final[(final.outcome == HEADLINE) & (final.scenario != BASELINE)].sort_values("estimate", ascending=False)
    lines = ["# Scenario comparison", "",
             f"{len(configs or options.scenarios)} scenarios x {options.replicates} replicates on common random numbers, "
             f"{seconds:.0f} s. Effects are differences from `{BASELINE}` (same residents, same random draws).", ""]
    if groups is not None and len(groups):
        lines += ["## Headline: each scenario on its own goal, at the last week", "",
                  intervals_sentence(options.parameter_uncertainty), "",
                  *headline_table(groups, configs, options.size_thresholds), "",
                  "Participants: residents who took part in any of the scenario's programmes; non-participants: "
                  "the rest of the outcome's group (spillover); everyone: the whole group. Every outcome and "
                  "group is in `effects_by_group.csv`.", ""]
    lines += [f"## Ranking by effect on {HEADLINE} (receiving members' attitude, 0-100), whole population", ""]
    for rank, row in enumerate(head.itertuples(), start=1):
        lines.append(f"{rank}. **{row.scenario}**: {row.estimate:+.2f} points "
                     f"({row.ci_low:+.2f} to {row.ci_high:+.2f}), {certainty_word(row.ci_low, row.ci_high)}.")
    if scenarios is not None and len(scenarios):
        lines += ["", "## Recommendations: the least cost per person-point, per outcome", "",
                  "Each scenario counts as a whole (a mix with all its programmes, the same basis as the budget "
                  "view and `scenario_value.csv`); only scenarios that gain on the outcome are ranked.", ""]
        lines += [f"- {recommendation(scenarios, outcome)}" for outcome in PERSON_OUTCOMES]
    if value is not None and len(value):
        lines += ["", "## Value for money: each programme on its own goal, at the last week", "",
                  "| scenario | programme | goal [unit] | participants: all / in the goal's group | cost per "
                  "participant | points per participant in the goal's group (95%) | cost per participant-point "
                  "(95%) | person-points, everyone (95%) | cost per person-point (95%) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for row in value.itertuples():
            lines.append(
                f"| {row.scenario} | {row.programme} | {row.outcome} [{row.unit}] | {row.participants:,.0f} / "
                f"{row.goal_participants:,.0f} | "
                + (f"{row.cost_per_participant:,.0f} {row.currency} | " if row.participants else "- | ")
                + (f"{signed(row.gain_per_participant, row.unit)} ({signed(row.gain_per_participant_low, row.unit)} "
                   f"to {signed(row.gain_per_participant_high, row.unit)}) | " if row.goal_participants else "- | ") +
                f"{money(row.cost_per_participant_point, row.cost_per_participant_point_low, row.cost_per_participant_point_high)} | "
                f"{amount(row.person_points, row.unit)} ({amount(row.person_points_low, row.unit)} to "
                f"{amount(row.person_points_high, row.unit)}) | "
                f"{money(row.cost_per_person_point, row.cost_per_person_point_low, row.cost_per_person_point_high)} |")
        lines += ["", "Points are gains toward the goal (lower distress and misperception count as gains). "
                  "Cost per participant-point and per person-point do not depend on the city's size while "
                  "capacity does not bind, apart from fixed and weekly costs spread over more participants. "
                  "In a mix, a programme's person-points include every programme's effect on that outcome: "
                  "compare mixes as a whole in the recommendations above."]
    if budget is not None:
        priced = [] if scenarios is None else sorted(scenarios[scenarios.scenario != BASELINE].currency.unique())
        currency = priced[0] if len(priced) == 1 else "(the programmes' currency)"
        lines += ["", f"## Budget view: {options.budget:,.0f} {currency} on {options.budget_outcome}", ""]
        if budget.attrs.get("currencies"):
            lines.append(f"Not computed: the scenarios are priced in different currencies "
                         f"({budget.attrs['currencies']}), and no exchange rate is known; give "
                         "every programme the same cost.currency to compare them on one budget.")
        elif budget.empty:
            lines.append("No scenario gains on this outcome within the budget.")
        else:
            lines += ["Greedy mix of scenarios (mixes included), cheapest per person-point first as in the "
                      "recommendations, each bought whole at the size it ran (assumes effects add up and repeat "
                      "at the same price):", ""]
            unit = PERSON_OUTCOMES[options.budget_outcome][3]
            lines += [f"- {row.copies} x **{row.scenario}**: {row.cost:,.0f} {row.currency}, "
                      f"{amount(row.person_points, unit)} person-points" for row in budget.itertuples()]
            lines.append(f"- in all: {budget.cost.sum():,.0f} {currency} spent, "
                         f"{amount(budget.person_points.sum(), unit)} person-points")
    lines += ["", "## Definitions", "", *(f"- **{term}**: {meaning}." for term, meaning in DEFINITIONS.items())]
    if replicates is not None:
        lines += ["", "## How much the baseline drifts over the run", "", *baseline_drift(replicates)]
    lines += ["", "## All population effects at the final week", "",
              "| scenario | outcome | estimate | 95% interval |", "|---|---|---|---|"]
    for row in final[final.scenario != BASELINE].itertuples():
        lines.append(f"| {row.scenario} | {row.outcome} | {row.estimate:+.4f} | {row.ci_low:+.4f} to {row.ci_high:+.4f} |")
    lines += ["", "Files: `replicates.parquet` (every replicate, scenario, step and outcome), `effects.csv`, "
              "`effects_over_time.csv`, `effects_by_group.csv` (participants, non-participants, everyone), "
              "`programme_value.csv` (each programme on its goal), `scenario_value.csv` (each scenario on every "
              "outcome), `cost.csv`, `effect_over_time.png`, `cost_effect.png`.", ""]
    return "\n".join(lines)


def terminal_headline(groups: pd.DataFrame, scenarios: pd.DataFrame, configs: dict, options: CompareOptions,
                      last_week: int) -> list[str]:
    """Five lines for the terminal: what ran, the largest effects for participants and for everyone on
    the scenarios' own goals, the recommendation on the budget outcome, and what the intervals cover."""
    final = groups[groups.when == "last_week"]
    own = final[[goal_outcome(configs, s) == o for s, o in zip(final.scenario, final.outcome)]]
    lines = [f"Compared {len(configs)} scenarios x {options.replicates} replicates against {BASELINE}, "
             f"effects at week {last_week} on each scenario's own goal."]
    for who, label in (("participants", "participants"), ("population", "everyone")):
        rows = own[(own.who == who) & own.d.notna()]
        if rows.empty:
            lines.append(f"Largest effect for {label}: none.")
            continue
        best = rows.loc[rows.d.abs().idxmax()]
        lines.append(f"Largest effect for {label}: {best.scenario} on {best.outcome}, {signed(best.estimate, best.unit)} "
                     f"{best.unit} (d {best.d:+.2f}, {best['size']}; {best.certainty}; n {best.n:,.0f}).")
    lines.append(recommendation(scenarios, options.budget_outcome).replace("**", ""))
    lines.append(intervals_sentence(options.parameter_uncertainty).split(":")[0] + ".")
    return lines


def money(value: float, low: float, high: float) -> str:
    if not np.isfinite(value):
        return "- (no gain)"
    upper = "no upper bound" if not np.isfinite(high) else f"{high:,.0f}"
    return f"{value:,.0f} ({low:,.0f} to {upper})"
