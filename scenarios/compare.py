"""Compare scenarios against baseline on common random numbers, with uncertainty and cost.

Replicate r runs every scenario with seed `seed + r`; scenarios share the city and every random draw
they have in common, so a difference is the scenario's effect, not noise (baseline - baseline = 0
exactly). Replicates run in parallel (joblib). Effects are paired differences with 95% t-intervals
over replicates: over time for each group's mean, and per resident (same resident, scenario minus
baseline) for participants, non-participants and the whole population, at the programme's end and at
the last week. Sizes are also given in standard deviations of the baseline distribution, and each
programme's cost per participant, per participant-point and per person-point on its own goal.

This module runs the comparison (`run_comparison`); the work is in the modules beside it: compare_options
(the `compare:` section), compare_runs (scenario configs, pairing checks, one replicate), compare_effects
(outcomes, paired effects and intervals), compare_value (cost measures, recommendations, budget view),
compare_plots and compare_report (report.md, the terminal's headline).
"""

import os
import time

import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from bridges.calibration.posterior_draws import posterior_draws
from bridges.config import PROGRESS_DISABLE
from bridges.plots import scenario_colours
from bridges.scenarios.compare_effects import (BASELINE, CONFIDENCE, GOALS, HEADLINE, PERSON_OUTCOMES, group_effects,
                                               paired_effects, size_word)
from bridges.scenarios.compare_options import (VARIANT_PREFIX, CompareOptions, check_posterior_file, compare_options,
                                               parse_variant)
from bridges.model.interventions import programme_weeks
from bridges.scenarios.compare_plots import OUTCOME_TITLES, plot_cost_effect, plot_effects, scenario_programme_weeks
from bridges.scenarios.compare_report import ranking_text, terminal_headline
from bridges.scenarios.compare_runs import (people_fingerprint, person_values, run_replicate, scenario_configs)
from bridges.scenarios.compare_value import (DEFINITIONS, budget_mix, cost_effectiveness, programme_value,
                                             recommendation, scenario_value)
from bridges.workers import exit_with_parent, interrupts_for_this_process_only, mark_driver

__all__ = [
    "BASELINE", "CONFIDENCE", "DEFINITIONS", "GOALS", "HEADLINE", "OUTCOME_TITLES", "PERSON_OUTCOMES",
    "VARIANT_PREFIX", "CompareOptions", "budget_mix", "check_posterior_file", "compare_options",
    "cost_effectiveness", "group_effects", "paired_effects", "parse_variant", "people_fingerprint",
    "person_values", "plot_cost_effect", "plot_effects", "programme_value", "programme_weeks", "recommendation",
    "run_comparison", "run_replicate", "scenario_configs", "scenario_programme_weeks", "scenario_value",
    "size_word"]
"""The comparison's public names, kept here (the analysis is in the compare_* modules beside this one) so
`from bridges.scenarios.compare import ...` reaches all of them."""


CSV_DECIMALS = 6
"""Decimals kept in the comparison's CSV tables: six, so an effect on a 0-1 scale (distress, belonging,
misperception: often a few thousandths) keeps three or more significant digits."""

def quiet_resource_tracker() -> None:
    """Keep loky's resource tracker (a child process sharing stderr, started with the workers) from printing
    its "leaked semlock objects to clean up" warning when Ctrl-C or SIGTERM stops a comparison: it cleans them
    up all the same, and the user is owed one line. Read from the environment when the tracker starts."""
    quiet = "ignore:resource_tracker:UserWarning"
    current = os.environ.get("PYTHONWARNINGS", "")
    if quiet not in current.split(","):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (current, quiet)))


def run_comparison(options: CompareOptions, configs: dict[str, dict], folder, progress: str = "auto") -> list[str]:
    """Run the comparison of the validated scenario configs and write its files into `folder`;
    returns the five-line headline for the terminal."""
    start = time.perf_counter()
    seed = next(iter(configs.values()))["seed"]
    draws = (posterior_draws(options.posterior, options.replicates, seed) if options.posterior
             else [None] * options.replicates)
    quiet_resource_tracker()
    mark_driver()
    with interrupts_for_this_process_only():
        jobs = Parallel(n_jobs=options.jobs, return_as="generator", max_nbytes=None,  # no memmaps: no /dev/shm
                        initializer=exit_with_parent)(  # a worker watches the driver from its start, idle or not
            delayed(run_replicate)(configs, replicate, draws[replicate]) for replicate in range(options.replicates))
        results = list(tqdm(jobs, total=options.replicates, desc="replicates", disable=PROGRESS_DISABLE[progress],
                            leave=False))
    seconds = time.perf_counter() - start
    replicates, costs, groups, values = (pd.concat(parts, ignore_index=True) for parts in zip(*results))
    effects = paired_effects(replicates)
    final = effects[effects.step == effects.step.max()]
    columns = ["scenario", "outcome", "estimate", "ci_low", "ci_high"]
    by_group = group_effects(groups, options.size_thresholds)
    value = programme_value(values)
    scenarios = scenario_value(groups, costs)
    cost = cost_effectiveness(final, costs, scenarios)
    budget = None if options.budget is None else budget_mix(scenarios, options.budget, options.budget_outcome)
    replicates.to_parquet(folder / "replicates.parquet", index=False)
    final[final.scenario != BASELINE][columns].to_csv(folder / "effects.csv", index=False)
    effects[columns[:2] + ["step"] + columns[2:]].to_csv(folder / "effects_over_time.csv", index=False)
    cost.round(CSV_DECIMALS).to_csv(folder / "cost.csv", index=False)
    by_group.round(CSV_DECIMALS).to_csv(folder / "effects_by_group.csv", index=False)
    value.round(CSV_DECIMALS).to_csv(folder / "programme_value.csv", index=False)
    scenarios.round(CSV_DECIMALS).to_csv(folder / "scenario_value.csv", index=False)
    colours = scenario_colours([name for name in configs if name != BASELINE])
    plot_effects(effects, folder / "effect_over_time.png", colours, scenario_programme_weeks(configs))
    plot_cost_effect(cost, final, folder / "cost_effect.png", colours)
    text = ranking_text(final, cost, options, seconds, by_group, value, configs, replicates, budget, scenarios)
    (folder / "report.md").write_text(text)
    return terminal_headline(by_group, scenarios, configs, options, int(effects.step.max()))
