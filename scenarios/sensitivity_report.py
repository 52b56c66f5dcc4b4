"""What a sensitivity analysis writes for a reader: the sentences naming the most influential parameters,
the index bars and the Morris mu*-sigma plane, the directions table and report.md."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bridges.scenarios.sensitivity_indices import TOP  # noqa: E402
from bridges.scenarios.sensitivity_options import SensitivityOptions  # noqa: E402
from bridges.scenarios.sensitivity_study import Outcome, Study  # noqa: E402

WORDS = {1: "raises", -1: "lowers", 0: "no clear direction"}
"""How a direction reads: raising the parameter raises or lowers the outcome, or moves it no clear way."""
EFFECTS = {1: "raising it raises it", -1: "raising it lowers it", 0: "no clear direction"}
SIGN_COLOURS = {1: "tab:blue", -1: "tab:red", 0: "tab:gray"}
"""Bar and point colours by the direction of a parameter's effect."""


def _direction_of(row) -> int:
    return 0 if row.direction is pd.NA else int(row.direction)


def sentences(indices: pd.DataFrame, study: Study, method: str) -> list[str]:
    """Per outcome, one sentence naming the most influential parameters, how much and which way they move it,
    and any parameter whose direction differs from the directions table (scenarios/directions.yaml)."""
    index = "mu_star" if method == "morris" else "ST"
    lines = []
    for outcome in study.outcomes:
        rows = indices[(indices.outcome == outcome.name) & (indices["index"] == index)].sort_values("rank")
        top = rows.head(TOP)
        if method == "morris":
            named = ", ".join(f"{r.parameter} (mu* {r.value:.3g} {outcome.unit}, mu {r.signed_effect:+.3g}: "
                              f"{EFFECTS[_direction_of(r)]})" for r in top.itertuples())
        else:
            named = ", ".join(f"{r.parameter} (ST {r.value:.2f}, slope {r.signed_effect:+.3g} {outcome.unit}: "
                              f"{EFFECTS[_direction_of(r)]})" for r in top.itertuples())
        if (rows.value <= 0).all():
            line = f"{outcome.name}: no parameter moves it over these ranges."
        else:
            line = f"{outcome.name} ({outcome.meaning}) depends most on {named}."
        differing = rows[rows.differs_from_table]
        if len(differing):
            line += " Direction differs from the table: " + ", ".join(
                f"{r.parameter} (table {WORDS[int(r.table_direction)]}, here {WORDS[_direction_of(r)]})"
                for r in differing.itertuples()) + "."
        lines.append(line)
    return lines


def plot_indices(indices: pd.DataFrame, study: Study, method: str, folder: Path) -> None:
    """Per outcome, horizontal bars of mu* (Morris) or S1 and ST (Sobol, ST lighter) with interval whiskers,
    coloured by the direction of the parameter's effect (blue raises, red lowers, grey neither) and marked
    "≠ table" where it differs from the directions table; for Morris also the mu*-sigma plane, points
    coloured the same way."""
    from matplotlib.patches import Patch

    shown = ("mu_star",) if method == "morris" else ("S1", "ST")
    legend = [Patch(color=SIGN_COLOURS[1], label="raising it raises the outcome"),
              Patch(color=SIGN_COLOURS[-1], label="raising it lowers the outcome"),
              Patch(color=SIGN_COLOURS[0], label="no clear direction")]
    for outcome in study.outcomes:
        rows = indices[(indices.outcome == outcome.name) & indices["index"].isin(shown)]
        order = rows[rows["index"] == shown[-1]].sort_values("value").parameter.tolist()
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(order) + 1.5))
        height = 0.8 / len(shown)
        for k, index in enumerate(shown):
            part = rows[rows["index"] == index].set_index("parameter").loc[order]
            positions = np.arange(len(order)) + (k - (len(shown) - 1) / 2) * height
            errors = np.vstack([(part.value - part.ci_low).clip(lower=0), (part.ci_high - part.value).clip(lower=0)])
            colours = [SIGN_COLOURS[_direction_of(r)] for r in part.itertuples()]
            ax.barh(positions, part.value, height=height, xerr=errors, color=colours, capsize=2,
                    alpha=1.0 if k == 0 else 0.45)
        flagged = rows[(rows["index"] == shown[-1]) & rows.differs_from_table].set_index("parameter")
        ax.set_yticks(np.arange(len(order)), [f"{name} ≠ table" if name in flagged.index else name for name in order])
        unit = f" [{outcome.unit}]" if method == "morris" else ""
        ax.set_xlabel(("mu* (mean |elementary effect| over the whole range)" if method == "morris"
                       else "Sobol index (share of variance; S1 dark, ST light)") + unit)
        ax.set_title(f"{outcome.name}: {method}", fontsize=10)
        ax.legend(handles=legend, loc="lower right", fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / f"indices_{outcome.name}.png", dpi=110)
        plt.close(fig)
        if method == "morris":
            plot_morris_plane(indices, outcome, folder, legend)


def plot_morris_plane(indices: pd.DataFrame, outcome: Outcome, folder: Path, legend: list) -> None:
    """The usual Morris screening plot: mu* against sigma, each parameter a point coloured by the sign of mu."""
    rows = indices[indices.outcome == outcome.name].pivot(index="parameter", columns="index", values="value")
    signs = indices[(indices.outcome == outcome.name) & (indices["index"] == "mu")].set_index("parameter")
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, row in rows.iterrows():
        sign = _direction_of(next(signs.loc[[name]].itertuples()))
        ax.scatter(row.mu_star, row.sigma, color=SIGN_COLOURS[sign])
        ax.annotate(name, (row.mu_star, row.sigma), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel(f"mu* [{outcome.unit}]")
    ax.set_ylabel(f"sigma [{outcome.unit}] (interactions, non-linearity)")
    ax.set_title(f"{outcome.name}: Morris mu* and sigma", fontsize=10)
    ax.legend(handles=legend, loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / f"morris_{outcome.name}.png", dpi=110)
    plt.close(fig)


def directions_section(indices: pd.DataFrame, method: str) -> str:
    """report.md's table of every parameter's signed effect on every outcome, the directions table's sign, and
    the flag "direction differs from the table"."""
    index, signed = ("mu_star", "mu") if method == "morris" else ("S1", "slope")
    rows = indices[indices["index"] == index].sort_values(["outcome", "rank"])
    lines = [f"| outcome | parameter | {index} | {signed} | direction | table | |", "|---|---|---|---|---|---|---|"]
    for r in rows.itertuples():
        table = "" if r.table_direction is pd.NA else WORDS[int(r.table_direction)]
        flag = "direction differs from the table" if r.differs_from_table else ""
        lines.append(f"| {r.outcome} | {r.parameter} | {r.value:.3g} | {r.signed_effect:+.3g} | "
                     f"{WORDS[_direction_of(r)]} | {table} | {flag} |")
    return ("\n## Directions\n\nWhich way raising each parameter moves each outcome (" +
            ("Morris mu, the signed mean elementary effect" if method == "morris" else
             "the slope of the outcome on the parameter over the design's one-at-a-time pairs, over its whole "
             "range; its direction only where it differs from 0 at the confidence level") +
            "), against the directions table (scenarios/directions.yaml; empty: not in the table, or an effect of a "
            "scenario). Runs use the reference world (dynamics.reference=site), as the table does.\n\n"
            + "\n".join(lines) + "\n")


def report(study: Study, options: SensitivityOptions, lines: list[str], convergence: pd.DataFrame | None,
           runs: int, seconds: float, cpu_seconds: float | None, sweep_dir: Path | None = None,
           indices: pd.DataFrame | None = None) -> str:
    """The run's report.md: what was varied, over what, how, and the sentences. With `sweep_dir` the
    simulations ran as that sweep's runs (complete ones reused, so their CPU time is not this analysis's)."""
    ranges = "\n".join(f"| {p.name} | `{p.key}`{' (multiplier)' if p.multiply else ''} | {p.low:g} - {p.high:g}"
                       f"{' (log)' if p.log else ''} | {p.unit} | {p.source} |" for p in study.parameters)
    how = (f"Morris screening, r = {options.trajectories} trajectories on a {options.levels}-level grid"
           if options.method == "morris" else
           f"Sobol indices, N = {options.samples} base samples{' with second order' if options.second_order else ''}")
    text = (f"# Sensitivity: {study.name}\n\n{study.description}\n\n{how}; {runs:,} simulations "
            f"({options.replicates} seed(s) per point, common random numbers) in {seconds:.0f} s wall, "
            + (f"as runs of the sweep {sweep_dir} (complete runs reused; runs.csv names each point's run folders)"
               if sweep_dir else f"{cpu_seconds:.0f} s CPU in the simulations")
            + f"; intervals {options.confidence:.0%} bootstrap "
            f"({options.resamples} resamples).\n\n## Most influential\n\n" + "\n".join(f"- {line}" for line in lines)
            + "\n\n## Ranges\n\n| parameter | key | range | unit | source |\n|---|---|---|---|---|\n" + ranges + "\n")
    if indices is not None:
        text += directions_section(indices, options.method)
    if convergence is not None and (convergence.trajectories < options.trajectories).any():
        last = convergence[convergence.trajectories < options.trajectories].groupby("trajectories")
        summary = last.agg(spearman=("spearman_vs_all", "min"), top3=("top3_shared", "min"))
        rows = "\n".join(f"| {r} | {row.spearman:.2f} | {int(row.top3)} of {TOP} |" for r, row in summary.iterrows())
        text += ("\n## Convergence of the ranking\n\nmu* ranks from the first r trajectories against all of them "
                 "(worst outcome shown):\n\n| r | Spearman rho | top 3 shared |\n|---|---|---|\n" + rows + "\n")
    return text
