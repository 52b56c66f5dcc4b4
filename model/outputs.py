"""Write a run folder: config, tidy tables, plots and a plain-words report.

Everything is written into a hidden sibling folder first and renamed into place at the end, so a
failed run leaves no partial output behind.
"""

import json
import shutil
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from model.params import GROUPS
from model.plots import ATTITUDE, CONTACT, MetricsPlot, metrics_figure

OUTPUTS_ROOT = Path("outputs")
REPORT_PLOTS = {"attitude_by_group.png": ATTITUDE, "contact_by_group.png": CONTACT}
"""The run folder's plots (model/plots.py draws them, the dashboard too)."""


def default_run_dir(seed: int, root: Path = OUTPUTS_ROOT, now: datetime | None = None) -> Path:
    """outputs/<date>/<time>-seed<seed>, with a numeric suffix if that folder exists."""
    now = now or datetime.now()
    base = root / now.strftime("%Y-%m-%d") / f"{now.strftime('%H-%M-%S')}-seed{seed}"
    candidate, suffix = base, 1
    while candidate.exists():
        suffix += 1
        candidate = base.with_name(f"{base.name}-{suffix}")
    return candidate


@contextmanager
def staged_folder(final: Path):
    """Yield a temporary folder that becomes `final` only if the block finishes without error."""
    final = Path(final)
    if final.exists() and any(final.iterdir()):
        raise FileExistsError(f"{final} exists and is not empty")
    staging = final.with_name(f".{final.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.exists():
        final.rmdir()
    staging.rename(final)


def write_table(frame: pd.DataFrame, folder: Path, name: str, csv: bool = False) -> None:
    """Parquet (and optionally CSV) copy of a table."""
    frame.to_parquet(folder / f"{name}.parquet", index=False)
    if csv:
        frame.to_csv(folder / f"{name}.csv", index=False)


def run_label(scenario: str, overrides: list[str]) -> str:
    """Scenario and command-line overrides, for titles: 'scenario co_creation (steps=20, seed=3)'."""
    shown = [o for o in overrides if not o.startswith("run.")]
    return f"scenario {scenario}" + (f" ({', '.join(shown)})" if shown else "")


def headline_lines(figures: dict, run_info: dict, costs: pd.DataFrame) -> list[str]:
    """Five lines for the terminal: what ran, attitude start to end per group, contact, programmes."""
    lines = [f"Bridges run: {run_info['label']}, city {run_info['city']}, {run_info['n_agents']:,} residents, "
             f"{run_info['steps']} weeks, seed {run_info['seed']}."]
    for group in ("receiving", "arriving"):
        f = figures.get(group)
        lines.append(f"{group.capitalize()} members' attitude (0-100): {f['attitude_start']:.1f} at week 0, "
                     f"{f['attitude_end']:.1f} at the last week." if f else f"No {group} members.")
    contact = [f"{g} {figures[g]['weekly_contact_share']:.0%}" for g in GROUPS if g in figures]
    lines.append(f"Share with intergroup contact in an average week: {', '.join(contact)}.")
    lines.append("Programmes: none (baseline)." if costs.empty else "Programmes: " + "; ".join(
        f"{row.intervention} {row.participants:,} participants, {row.total_cost:,.0f} {row.currency}"
        for row in costs.itertuples()) + ".")
    return lines


def plot_metrics(timeseries: pd.DataFrame, plot: MetricsPlot, path: Path) -> None:
    """One line per group and metric over weeks, saved as a PNG."""
    metrics_figure(timeseries, plot).savefig(path, dpi=110)


def write_plots(timeseries: pd.DataFrame, folder: Path, label: str = "") -> None:
    """The run's plots, titled with the scenario and overrides (`run_label`)."""
    for name, plot in REPORT_PLOTS.items():
        titled = replace(plot, title=f"{plot.title}\n{label}") if label else plot
        plot_metrics(timeseries, titled, folder / name)


def _value(rows: pd.DataFrame, metric: str, step: int) -> float:
    """One metric's value at one step in a group's timeseries rows."""
    return float(rows[(rows.metric == metric) & (rows.step == step)].value.iloc[0])


def headline(timeseries: pd.DataFrame, agents: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Headline figures per group: start and end attitude, weekly contact, share ever in contact."""
    last = timeseries.step.max()
    figures = {}
    for group in GROUPS:
        rows = timeseries[timeseries.group == group]
        if rows.empty:
            continue
        weekly = rows[rows.metric == "intergroup_contact_share"].value
        members = agents[agents.group == group]
        figures[group] = {
            "residents": int(len(members)),
            "attitude_start": _value(rows, "attitude_mean", 0),
            "attitude_end": _value(rows, "attitude_mean", last),
            "anxiety_end": _value(rows, "anxiety_mean", last),
            "trust_end": _value(rows, "trust_mean", last),
            "weekly_contact_share": float(weekly.mean()) if len(weekly) else float("nan"),
            "ever_contact_share": float((members.intergroup_contacts > 0).mean()),
            "outgroup_friend_share": float((members.outgroup_friends > 0).mean()),
            "employed_share": float(members.employed.mean()),
            "distress_end": float(members.distress.mean()),
            "belonging_end": float(members.belonging.mean()),
            "misperception_end": float(members.misperception.mean()) if members.misperception.notna().any() else float("nan"),
            "negative_share_of_encounters": float(members.negative_contacts.sum() / max(members.intergroup_contacts.sum(), 1)),
        }
    return figures


def write_report(folder: Path, figures: dict, city_measured: dict, requested: dict, run_info: dict,
                 costs: pd.DataFrame, settings: pd.DataFrame | None = None) -> None:
    """report.md: what was run and what came out, in plain words."""
    lines = ["# Bridges run report", "", f"Run: {run_info.get('label', '')}.", "",
             f"City `{run_info['city']}`, seed {run_info['seed']}, {run_info['steps']} weeks, {run_info['n_agents']} residents; "
             f"built in {run_info['build_seconds']:.2f} s, simulated in {run_info['run_seconds']:.2f} s.", "",
             "## Headline figures", "",
             "| figure | arriving | receiving |", "|---|---|---|"]
    rows = [("residents", "{:d}"), ("attitude_start", "{:.1f}"), ("attitude_end", "{:.1f}"),
            ("anxiety_end", "{:.3f}"), ("trust_end", "{:.3f}"), ("weekly_contact_share", "{:.1%}"),
            ("ever_contact_share", "{:.1%}"), ("negative_share_of_encounters", "{:.1%}"),
            ("outgroup_friend_share", "{:.1%}"), ("employed_share", "{:.1%}"), ("distress_end", "{:.3f}"),
            ("belonging_end", "{:.3f}"), ("misperception_end", "{:.3f}")]
    labels = {"residents": "residents", "attitude_start": "mean attitude, week 0 (0-100)",
              "attitude_end": "mean attitude, last week (0-100)", "anxiety_end": "mean anxiety, last week (0-1)",
              "trust_end": "mean trust, last week (0-1)",
              "weekly_contact_share": "share with intergroup contact in an average week",
              "ever_contact_share": "share with any intergroup contact over the run",
              "negative_share_of_encounters": "negative share of intergroup encounters",
              "outgroup_friend_share": "share with a cross-group friendship, last week",
              "employed_share": "share employed, last week", "distress_end": "mean distress, last week (0-1)",
              "belonging_end": "mean belonging, last week (0-1)",
              "misperception_end": "mean misperception of arriving members, last week (0-1)"}
    for key, fmt in rows:
        cells = [fmt.format(figures[g][key]) if g in figures and figures[g][key] == figures[g][key] else "-"
                 for g in ("arriving", "receiving")]
        lines.append(f"| {labels[key]} | {cells[0]} | {cells[1]} |")
    arriving, receiving = figures.get("arriving"), figures.get("receiving")
    if arriving and receiving:
        lines += ["", "In words: arriving members end the run with a mean attitude of "
                  f"{arriving['attitude_end']:.1f} toward receiving members, receiving members "
                  f"{receiving['attitude_end']:.1f} toward arriving members. In an average week "
                  f"{arriving['weekly_contact_share']:.0%} of arriving and {receiving['weekly_contact_share']:.0%} "
                  "of receiving members have any intergroup contact."]
    lines += ["", "## Interventions", ""]
    if costs.empty:
        lines.append("None (baseline).")
    else:
        lines += ["| intervention | participants | participant-weeks | total cost | cost per participant |",
                  "|---|---|---|---|---|"]
        for row in costs.itertuples():
            lines.append(f"| {row.intervention} ({row.type}) | {row.participants} | {row.participant_weeks} | "
                         f"{row.total_cost:,.0f} {row.currency} | {row.cost_per_participant:,.0f} {row.currency} |")
    if settings is not None:
        lines += ["", "## Contact by setting", "",
                  "Intergroup encounters over the run, and how they were experienced (each encounter has two sides).",
                  "", "| setting | kind | encounters | positive | negative | negative share |", "|---|---|---|---|---|---|"]
        for row in settings.itertuples():
            share = f"{row.negative_share:.1%}" if row.negative_share == row.negative_share else "-"
            lines.append(f"| {row.setting} | {row.kind} | {row.encounters:,} | {row.positive:,} | {row.negative:,} | {share} |")
    lines += ["", "## The city: requested and measured", "", "| quantity | requested (input) | measured |", "|---|---|---|"]
    for key, value in city_measured.items():
        lines.append(f"| {key} | {requested.get(key, '')} | {value:.3f} |")
    lines += ["", "Dissimilarity: Duncan's index across places (0 = even, 1 = fully apart). E-I index: "
              "(between-group - within-group ties) / all ties. Assortativity: Newman's coefficient by group.",
              "", "## Files", "",
              "- `config.yaml`: the resolved configuration", "- `timeseries.parquet` / `.csv`: step, group, metric, value",
              "- `agents.parquet`: one row per resident at the end", "- `city.json`: requested and measured city structure",
              "- `survey.parquet`: the virtual survey, one row per respondent (docs/survey_schema.md)",
              "- `costs.csv`: each intervention's participants and costs",
              "- `contact_by_setting.csv`: encounters, positive and negative experiences per city layer and programme",
              "- `attitude_by_group.png`, `contact_by_group.png`: plots", ""]
    (folder / "report.md").write_text("\n".join(lines))


def write_config(folder: Path, plain_config: dict, overrides: list[str]) -> None:
    (folder / "config.yaml").write_text(yaml.safe_dump(plain_config, sort_keys=False))
    (folder / "overrides.yaml").write_text(yaml.safe_dump(list(overrides)))


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True))
