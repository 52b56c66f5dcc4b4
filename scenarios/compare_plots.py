"""A comparison's plots: effects over time with their intervals and each programme's weeks, and cost
against effect; the dashboard's Planner draws the same."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bridges.config import model_params  # noqa: E402
from bridges.model.interventions import programme_weeks  # noqa: E402
from bridges.model.metrics import OUTCOMES  # noqa: E402
from bridges.plots import draw_programme_weeks, scenario_colours  # noqa: E402  (one colour per scenario)
from bridges.scenarios.compare_effects import BASELINE, HEADLINE  # noqa: E402

OUTCOME_TITLES = {
    "attitude_receiving": "Receiving members' attitude [points, 0-100]",
    "attitude_arriving": "Arriving members' attitude [points, 0-100]",
    "contact_receiving": "Receiving with contact this week [share, 0-1]",
    "contact_arriving": "Arriving with contact this week [share, 0-1]",
    "outgroup_friends": "Cross-group friendships [count]",
    "misperception": "Receiving members' misperception [gap, 0-1]",
    "distress": "Everyone's distress [0-1]",
    "distress_arriving": "Arriving members' distress [0-1]",
    "belonging": "Everyone's belonging [0-1]",
    "employment_arriving": "Arriving members employed [share, 0-1]",
}
"""Plot titles with units for the group-level outcomes (OUTCOMES)."""


def scenario_programme_weeks(configs: dict[str, dict]) -> list[tuple[str, int, int]]:
    """Every scenario's programmes with their weeks, named `scenario: programme` (the scenario alone when
    it runs one programme named after it), in the order of the scenarios."""
    weeks = []
    for scenario, plain in configs.items():
        own = programme_weeks(model_params(plain))
        weeks += [(scenario if len(own) == 1 and name == scenario else f"{scenario}: {name}", start, end)
                  for name, start, end in own]
    return weeks


def plot_effects(effects: pd.DataFrame, path, colours: dict | None = None,
                 programmes: list[tuple[str, int, int]] | None = None) -> None:
    """Effect against baseline over weeks, with 95% bands, one panel per outcome; each scenario's programmes'
    weeks (`scenario_programme_weeks`) as bands along the bottom, in the scenario's colour."""
    outcomes = list(OUTCOMES)
    columns = 3
    rows = int(np.ceil(len(outcomes) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 3.4 * rows), squeeze=False)
    scenarios = [s for s in effects.scenario.unique() if s != BASELINE]
    colours = colours or scenario_colours(scenarios)
    bands = {label: colours[label.split(": ")[0]] for label, _, _ in programmes or []
             if label.split(": ")[0] in colours}
    for ax, outcome in zip(axes.flat, outcomes):
        if programmes:
            draw_programme_weeks(ax, programmes, int(effects.step.max()), bands)
        for scenario in scenarios:
            rows_ = effects[(effects.scenario == scenario) & (effects.outcome == outcome)].sort_values("step")
            ax.plot(rows_.step, rows_.estimate, color=colours[scenario], label=scenario)
            ax.fill_between(rows_.step, rows_.ci_low, rows_.ci_high, color=colours[scenario], alpha=0.15)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(OUTCOME_TITLES.get(outcome, outcome), fontsize=10)
        ax.set_xlabel("week")
        ax.set_ylabel("difference from baseline")
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", fontsize=8, ncol=2, frameon=False)
    fig.suptitle("Effect against baseline over time (mean and 95% interval over replicates); bands along the "
                 "bottom: the weeks each programme runs (none for a programme running every week)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_cost_effect(cost: pd.DataFrame, final: pd.DataFrame, path, colours: dict | None = None) -> None:
    """Each scenario's mean cost against its effect on the headline outcome, with 95% intervals; scenarios
    named in a legend (labels cannot overlap)."""
    head = final[final.outcome == HEADLINE].set_index("scenario")
    colours = colours or scenario_colours(list(cost.scenario))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for _, row in cost[cost.scenario != BASELINE].iterrows():
        e = head.loc[row.scenario]
        ax.errorbar(row.total_cost, e.estimate, yerr=[[e.estimate - e.ci_low], [e.ci_high - e.estimate]], fmt="o",
                    color=colours[row.scenario], label=row.scenario)
    ax.axhline(0, color="black", lw=0.8)
    currencies = sorted({c for c in cost.currency if isinstance(c, str) and c})
    ax.set_xlabel(f"total cost per run [{', '.join(currencies)}{', not converted' if len(currencies) > 1 else ''}]")
    ax.set_ylabel("effect on receiving members' attitude\n[points, 0-100, whole population]")
    ax.set_title("Cost against effect on receiving members' attitude")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
