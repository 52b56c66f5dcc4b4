"""Compare scenarios against baseline on common random numbers, with uncertainty and cost.

Replicate r runs every scenario with seed `seed + r`; scenarios share the city and every random draw
they have in common, so a difference is the scenario's effect, not noise (baseline - baseline = 0
exactly). Replicates run in parallel (joblib). Effects are paired differences at the final step with
95% t-intervals over replicates.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from scipy import stats  # noqa: E402
from tqdm import tqdm  # noqa: E402

from calibration.posterior_draws import posterior_draws, uncertainty_sentence  # noqa: E402
from model import BridgesModel  # noqa: E402
from model.config import PROGRESS_DISABLE, compose_config, config_groups, model_params, to_plain  # noqa: E402
from model.errors import InputError  # noqa: E402
from model.metrics import OUTCOMES  # noqa: E402
from model.model import make_city  # noqa: E402
from model.resources import available_cores  # noqa: E402
from model.streams import Streams  # noqa: E402

BASELINE = "baseline"
CONFIDENCE = 0.95
MAX_REPLICATES = 10_000
"""Most replicates per scenario: intervals narrow as 1/sqrt(replicates), so 10,000 is beyond any need."""
MAX_JOBS = 4_096
"""Most workers one may ask for (more are capped at the available cores, with a note)."""
HEADLINE = "attitude_receiving"
"""The outcome scenarios are ranked on: receiving members' attitude, FOCUS's main concern."""


@dataclass(frozen=True)
class CompareOptions:
    scenarios: list[str]
    replicates: int
    jobs: int  # worker processes, at most the available cores
    note: str | None = None  # one line to show the user (jobs capped)
    posterior: str | None = None  # posterior.parquet: each replicate draws its parameters from it


def compare_options(plain: dict) -> CompareOptions:
    """Validated `compare:` section."""
    section = plain.get("compare") or {}
    unknown = sorted(set(section) - {"scenarios", "replicates", "jobs", "posterior"})
    if unknown:
        raise InputError(f"compare.{unknown[0]}: unknown config key")
    scenarios, replicates, jobs = section.get("scenarios"), section.get("replicates"), section.get("jobs")
    available = config_groups().get("scenario", [])
    if not isinstance(scenarios, list) or not scenarios:
        raise InputError(f"compare.scenarios: must be a list of scenarios, got {scenarios!r}")
    for name in scenarios:
        if name not in available:
            raise InputError(f"compare.scenarios: no scenario {name!r} (available: {', '.join(available)})")
    if len(set(scenarios)) != len(scenarios):
        raise InputError("compare.scenarios: a scenario is listed twice")
    if BASELINE not in scenarios:
        raise InputError(f"compare.scenarios: must include {BASELINE!r}, the reference for every effect")
    if not isinstance(replicates, int) or isinstance(replicates, bool) or not 2 <= replicates <= MAX_REPLICATES:
        raise InputError(f"compare.replicates: must be an integer 2 or more and at most {MAX_REPLICATES:,} (intervals "
                         f"narrow as 1/sqrt(replicates); more is beyond any need), got {replicates!r}")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or not (jobs == -1 or 1 <= jobs <= MAX_JOBS):
        raise InputError(f"compare.jobs: must be -1 (all cores) or a whole number from 1 to {MAX_JOBS:,} (more than "
                         f"it is beyond any machine's cores), got {jobs!r}")
    cores = available_cores()
    note = None
    if jobs > cores:
        note = f"note: compare.jobs={jobs:,} capped at the {cores} available cores"
    posterior = section.get("posterior")
    if posterior is not None and not (isinstance(posterior, str) and Path(posterior).is_file()):
        raise InputError(f"compare.posterior: {posterior!r} is not a posterior.parquet file")
    return CompareOptions(list(scenarios), replicates, cores if jobs == -1 or jobs > cores else jobs, note, posterior)


def scenario_configs(overrides: list[str], scenarios: list[str]) -> dict[str, dict]:
    """Each scenario's plain config: the user's overrides (not compare.*) plus scenario=NAME."""
    base = [o for o in overrides if not o.lstrip("+~").startswith("compare.")]
    configs = {}
    for name in scenarios:
        plain = to_plain(compose_config([*base, f"scenario={name}"]))
        model_params(plain)  # validate now, before any work
        configs[name] = plain
    return configs


def run_replicate(configs: dict[str, dict], replicate: int, draw=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every scenario with seed + replicate, and with `draw` (posterior parameter values, or None) applied
    to every scenario alike; returns (outcome rows, cost rows)."""
    rows, costs, cities = [], [], {}
    for name, plain in configs.items():
        plain = draw(plain) if draw else plain
        params = model_params({**plain, "seed": plain["seed"] + replicate})
        city_key = repr(plain["city"])
        if city_key not in cities:
            cities[city_key] = make_city(params, Streams(params.seed))
        model = BridgesModel(params, city=cities[city_key])
        for _ in range(params.steps):
            model.step()
        series = model.timeseries().set_index(["group", "metric", "step"]).value.sort_index()
        for outcome, (group, metric) in OUTCOMES.items():
            values = series.loc[(group, metric)]
            rows.append(pd.DataFrame({"scenario": name, "replicate": replicate, "seed": params.seed,
                                      "step": values.index.to_numpy(), "outcome": outcome, "value": values.to_numpy()}))
        spent = model.intervention_costs()
        costs.append({"scenario": name, "replicate": replicate,
                      "currency": ",".join(sorted(set(spent.currency))) or "",
                      "total_cost": float(spent.total_cost.sum()), "participants": int(spent.participants.sum())})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(costs)


def paired_effects(replicates: pd.DataFrame) -> pd.DataFrame:
    """Scenario minus baseline per replicate and step, with mean and 95% t-interval."""
    wide = replicates.pivot_table(index=["outcome", "step", "replicate"], columns="scenario", values="value")
    differences = wide.sub(wide[BASELINE], axis=0).stack().rename("difference").reset_index()
    grouped = differences.groupby(["scenario", "outcome", "step"]).difference
    summary = grouped.agg(estimate="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, summary.n - 1) * summary.sd.fillna(0.0) / np.sqrt(summary.n)
    summary["ci_low"], summary["ci_high"] = summary.estimate - half, summary.estimate + half
    return summary


def cost_effectiveness(effects_final: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per scenario, and cost per point of attitude gained and per new cross-group friendship."""
    spent = costs.groupby("scenario").agg(currency=("currency", "first"), total_cost=("total_cost", "mean"),
                                         participants=("participants", "mean")).reset_index()
    effect = effects_final.pivot(index="scenario", columns="outcome", values="estimate")
    table = spent.merge(effect[["attitude_receiving", "attitude_arriving", "outgroup_friends"]],
                        left_on="scenario", right_index=True)

    def per_gain(gain):
        return np.where(gain > 0, table.total_cost / np.where(gain > 0, gain, 1.0), np.nan)

    table["cost_per_participant"] = np.where(table.participants > 0, table.total_cost / table.participants.clip(lower=1), np.nan)
    table["cost_per_attitude_point_receiving"] = per_gain(table.attitude_receiving)
    table["cost_per_attitude_point_arriving"] = per_gain(table.attitude_arriving)
    table["cost_per_new_friendship"] = per_gain(table.outgroup_friends)
    return table.rename(columns={"attitude_receiving": "effect_attitude_receiving",
                                 "attitude_arriving": "effect_attitude_arriving",
                                 "outgroup_friends": "effect_outgroup_friends"})


def plot_effects(effects: pd.DataFrame, path) -> None:
    """Effect against baseline over weeks, with 95% bands, one panel per outcome."""
    outcomes = list(OUTCOMES)
    columns = 3
    rows = int(np.ceil(len(outcomes) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.2 * rows), squeeze=False)
    scenarios = [s for s in effects.scenario.unique() if s != BASELINE]
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(scenarios), 1)))
    for ax, outcome in zip(axes.flat, outcomes):
        for colour, scenario in zip(colours, scenarios):
            rows_ = effects[(effects.scenario == scenario) & (effects.outcome == outcome)].sort_values("step")
            ax.plot(rows_.step, rows_.estimate, color=colour, label=scenario)
            ax.fill_between(rows_.step, rows_.ci_low, rows_.ci_high, color=colour, alpha=0.15)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("week")
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, ncol=2)
    fig.suptitle("Effect against baseline (mean and 95% interval over replicates)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_cost_effect(cost: pd.DataFrame, final: pd.DataFrame, path) -> None:
    """Each scenario's mean cost against its effect on the headline outcome, with 95% intervals."""
    head = final[final.outcome == HEADLINE].set_index("scenario")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for _, row in cost.iterrows():
        e = head.loc[row.scenario]
        ax.errorbar(row.total_cost, e.estimate, yerr=[[e.estimate - e.ci_low], [e.ci_high - e.estimate]], fmt="o")
        ax.annotate(row.scenario, (row.total_cost, e.estimate), fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.axhline(0, color="black", lw=0.8)
    currency = next((c for c in cost.currency if c), "")
    ax.set_xlabel(f"total cost per run [{currency}]")
    ax.set_ylabel(f"effect on {HEADLINE} (thermometer points)")
    ax.set_title("Cost against effect")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def ranking_text(final: pd.DataFrame, cost: pd.DataFrame, options: CompareOptions, seconds: float) -> str:
    """report.md: the scenarios ranked in plain words."""
    head = final[(final.outcome == HEADLINE) & (final.scenario != BASELINE)].sort_values("estimate", ascending=False)
    lines = ["# Scenario comparison", "",
             f"{len(options.scenarios)} scenarios x {options.replicates} replicates on common random numbers, "
             f"{seconds:.0f} s. Effects are differences from `{BASELINE}` at the final week, mean and "
             f"{CONFIDENCE:.0%} interval over replicates.", "", uncertainty_sentence(options), "",
             f"## Ranking by effect on {HEADLINE} (receiving members' attitude, 0-100)", ""]
    for rank, row in enumerate(head.itertuples(), start=1):
        verdict = ("clearly raises it" if row.ci_low > 0 else "clearly lowers it" if row.ci_high < 0
                   else "has no clear effect" if row.ci_low < 0 < row.ci_high else "does not change it")
        lines.append(f"{rank}. **{row.scenario}** {verdict}: {row.estimate:+.2f} points "
                     f"({row.ci_low:+.2f} to {row.ci_high:+.2f}).")
    effective = cost[(cost.scenario != BASELINE) & cost.cost_per_attitude_point_receiving.notna()]
    effective = effective.sort_values("cost_per_attitude_point_receiving")
    lines += ["", "## Value for money", ""]
    for row in effective.itertuples():
        friendship = (f", {row.cost_per_new_friendship:,.0f} per new cross-group friendship"
                      if np.isfinite(row.cost_per_new_friendship) else "")
        lines.append(f"- **{row.scenario}**: {row.total_cost:,.0f} {row.currency} in all, "
                     f"{row.cost_per_attitude_point_receiving:,.0f} per attitude point{friendship}.")
    lines += ["", "## All effects at the final week", "", "| scenario | outcome | estimate | 95% interval |",
              "|---|---|---|---|"]
    for row in final[final.scenario != BASELINE].itertuples():
        lines.append(f"| {row.scenario} | {row.outcome} | {row.estimate:+.4f} | {row.ci_low:+.4f} to {row.ci_high:+.4f} |")
    lines += ["", "Files: `replicates.parquet` (every replicate, scenario, step and outcome), `effects.csv`, "
              "`effects_over_time.csv`, `cost.csv`, `effect_over_time.png`, `cost_effect.png`.", ""]
    return "\n".join(lines)


def run_comparison(options: CompareOptions, configs: dict[str, dict], folder, progress: str = "auto") -> str:
    """Run the comparison of the validated scenario configs and write its files into `folder`;
    returns the ranking text."""
    start = time.perf_counter()
    seed = next(iter(configs.values()))["seed"]
    draws = (posterior_draws(options.posterior, options.replicates, seed) if options.posterior
             else [None] * options.replicates)
    jobs = Parallel(n_jobs=options.jobs, return_as="generator", max_nbytes=None)(  # no memmaps: no /dev/shm debris
        delayed(run_replicate)(configs, replicate, draws[replicate]) for replicate in range(options.replicates))
    results = list(tqdm(jobs, total=options.replicates, desc="replicates", disable=PROGRESS_DISABLE[progress],
                        leave=False))
    seconds = time.perf_counter() - start
    replicates = pd.concat([rows for rows, _ in results], ignore_index=True)
    costs = pd.concat([cost for _, cost in results], ignore_index=True)
    effects = paired_effects(replicates)
    final = effects[effects.step == effects.step.max()]
    columns = ["scenario", "outcome", "estimate", "ci_low", "ci_high"]
    cost = cost_effectiveness(final, costs)
    replicates.to_parquet(folder / "replicates.parquet", index=False)
    final[final.scenario != BASELINE][columns].to_csv(folder / "effects.csv", index=False)
    effects[columns[:2] + ["step"] + columns[2:]].to_csv(folder / "effects_over_time.csv", index=False)
    cost.to_csv(folder / "cost.csv", index=False)
    plot_effects(effects, folder / "effect_over_time.png")
    plot_cost_effect(cost, final, folder / "cost_effect.png")
    text = ranking_text(final, cost, options, seconds)
    (folder / "report.md").write_text(text)
    return text
