"""`python run.py --config-name design`: run a design study end to end into its folder and write what a
planner reads (report.md, the Pareto front, the robustness table, the failure boxes) and tidy tables
of every evaluation. The folder is named after the study, the command line's overrides and the seed,
so the same command reaches it again and resumes: stored evaluations and complete runs are reused.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bridges.config import JOBS, compose_config, one_of, option_section, run_options, to_plain, whole  # noqa: E402
from bridges.model.errors import InputError  # noqa: E402
from bridges.outputs import OUTPUTS_ROOT  # noqa: E402
from bridges.model.resources import available_cores  # noqa: E402
from bridges.extras import require  # noqa: E402
from bridges.scenarios.design import LAUNCHERS, Study, check_seeds, check_study, load_study  # noqa: E402
from bridges.scenarios.design_robust import failure_boxes, make_worlds, robust_choice, world_outcomes  # noqa: E402
from bridges.scenarios.design_search import (SITE, Context, Store, candidate_summary, evaluate, pareto_front,  # noqa: E402
                                             run_search)

DESIGN_ROOT = OUTPUTS_ROOT / "design"
MARKER = "study.json"


@dataclass(frozen=True)
class DesignOptions:
    """The `design:` section (conf/design.yaml), built by the schema's `build` (design_options)."""

    study: str = field(metadata={"check": lambda value: None if value else
                                 "must name a study in conf/design/ or a .yaml file"})
    jobs: int = field(metadata=JOBS)  # design_options caps them at the available cores
    launcher: str = field(metadata=one_of(LAUNCHERS))
    launcher_settings: dict | None = None  # {KEY: VALUE}, each hydra.launcher.KEY=VALUE; None: the launcher's own
    trials: int | None = field(default=None, metadata=whole(1, 100_000))  # None: the study's search.trials

    def __post_init__(self):
        if not all(isinstance(key, str) and key.isidentifier() for key in self.launcher_settings or {}):
            raise InputError(f"design.launcher_settings: must map launcher settings to values, got "
                             f"{self.launcher_settings!r}")


def design_options(plain: dict) -> DesignOptions:
    """The validated `design:` section, its jobs capped at the available cores."""
    options = option_section(DesignOptions, plain, "design")
    cores = available_cores()
    return replace(options, jobs=cores if options.jobs == -1 else min(options.jobs, cores),
                   launcher_settings=options.launcher_settings or {})


def shared_overrides(overrides: list[str]) -> list[str]:
    """The command line's overrides every run shares: not design.*, run.* or the seed (set per replicate)."""
    return [o for o in overrides if not o.lstrip("+~").startswith(("design.", "run.", "seed="))]


def study_folder(plain: dict, study: Study, shared: list[str]) -> Path:
    """run.output_dir, or outputs/design/<study>-<hash of study file, overrides and seed>: the same command
    reaches the same folder, so rerunning it resumes. A folder that holds files but no study.json, or
    another study's, is refused."""
    chosen = run_options(plain)["output_dir"]
    digest = hashlib.sha256(json.dumps([study.digest, shared, plain["seed"]]).encode()).hexdigest()[:10]
    folder = Path(chosen) if chosen else DESIGN_ROOT / f"{study.name}-{digest}"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError(f"run.output_dir: {folder} is not a folder")
    marker = folder / MARKER
    if folder.is_dir() and any(folder.iterdir()):
        if not marker.is_file():
            raise InputError(f"run.output_dir: {folder} holds files but no {MARKER}: not a design study's folder")
        if json.loads(marker.read_text())["key"] != digest:
            raise InputError(f"run.output_dir: {folder} holds another study (or other overrides or seed); choose "
                             f"a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"key": digest, "study": study.name, "overrides": shared, "seed": plain["seed"]},
                                 indent=2))
    return folder


def spread(front: pd.DataFrame, count: int) -> pd.DataFrame:
    """At most `count` candidates of the front, evenly spread along it (its ends kept)."""
    if len(front) <= count:
        return front
    return front.iloc[sorted(set(np.linspace(0, len(front) - 1, count).round().astype(int)))]


def describe(study: Study, row) -> str:
    """A candidate's lever values in words."""
    return ", ".join(f"{lever.name} {row[lever.name]} ({lever.unit})" for lever in study.levers)


def design_cli(plain: dict, overrides: list[str], progress=print) -> tuple[Path, list[str]]:
    """Validate, search, test robustness, discover failure conditions, write the folder; returns it and
    the recommendation lines."""
    require("design", "a design study")
    options = design_options(plain)
    study = load_study(options.study)
    if options.trials:
        study.search["trials"] = options.trials
    shared = shared_overrides(overrides)
    check_seeds(plain["seed"], study)
    check_study(study, to_plain(compose_config([*study.base, *shared])), shared)
    folder = study_folder(plain, study, shared)
    settings = [f"hydra.launcher.{k}={v}" for k, v in options.launcher_settings.items()]
    if options.launcher == "joblib" and "n_jobs" not in options.launcher_settings:
        settings.append(f"hydra.launcher.n_jobs={options.jobs}")
    ctx = Context(study, tuple(shared), plain["seed"], folder, options.launcher, tuple(settings))
    store = Store(folder / "evaluations.db")
    start = time.perf_counter()
    run_search(ctx, store, progress)
    search_seconds = time.perf_counter() - start
    summary = candidate_summary(study, store.table())
    front = pareto_front(study, summary)
    # a design that enrols nobody (its share spent on fixed costs) is on the front only for its low cost
    enrolling = front[front.participants > 0] if len(front) else front
    robust = None
    if len(enrolling):
        chosen_front = spread(enrolling, study.robustness["candidates"])
        worlds = make_worlds(study, [*study.base, *shared], plain["seed"])
        progress(f"design robustness: {len(chosen_front)} candidates in {len(worlds)} worlds")
        evaluate(ctx, store, [json.loads(key) for key in chosen_front.candidate], worlds,
                 study.robustness["replicates"])
        robust = robustness(study, store.table(), chosen_front, worlds, plain["seed"])
    seconds = time.perf_counter() - start
    table = store.table()
    write_tables(folder, table, summary, front, robust)
    plot_front(study, summary, front, robust, folder / "pareto.png")
    if robust:
        plot_regret(robust["regret"], folder / "regret.png")
    lines = recommendation(study, front, robust)
    (folder / "report.md").write_text(report(study, summary, front, robust, lines, table, search_seconds, seconds),
                                      encoding="utf-8")
    return folder, lines


def robustness(study: Study, table: pd.DataFrame, front: pd.DataFrame, worlds: list, seed: int) -> dict:
    """The regret table, the robust choice and its failure boxes."""
    rob, disc = study.robustness, study.discovery
    values = world_outcomes(study, table, rob["outcome"], worlds).loc[front.candidate]
    choice = robust_choice(values, rob["rule"], rob["percentile"], rob["resamples"], seed)
    chosen = choice.candidate.iloc[0]
    outcome = next(o for o in study.outcomes if o.name == disc["outcome"])
    own = world_outcomes(study, table, outcome.name, worlds).loc[chosen] * outcome.sign  # in its own units
    failed = (own < disc["threshold"]) if outcome.sign > 0 else (own > disc["threshold"])
    x = pd.DataFrame([w.values for w in worlds], index=[w.id for w in worlds])
    boxes = failure_boxes(x.loc[own.index], failed.to_numpy(), disc["min_coverage"], disc["boxes"])
    regret = (values.max(axis=0) - values).stack().rename("regret").reset_index()
    worlds_table = x.assign(**{f"chosen_{outcome.name}": own, "failed": failed}).rename_axis("world").reset_index()
    return {"choice": choice, "chosen": chosen, "regret": regret, "boxes": boxes, "worlds": worlds_table,
            "failed": int(failed.sum()), "n_worlds": len(worlds), "outcome": outcome}


def write_tables(folder: Path, table: pd.DataFrame, summary, front, robust) -> None:
    """evaluations.parquet/.csv (every evaluation and outcome, tidy), candidates.csv, pareto.csv, and with
    robustness: robustness.csv, regret.csv, worlds.csv, boxes.csv."""
    table.to_parquet(folder / "evaluations.parquet", index=False)
    table.to_csv(folder / "evaluations.csv", index=False)
    summary.to_csv(folder / "candidates.csv", index=False)
    front.to_csv(folder / "pareto.csv", index=False)
    if robust:
        robust["choice"].to_csv(folder / "robustness.csv", index=False)
        robust["regret"].to_csv(folder / "regret.csv", index=False)
        robust["worlds"].to_csv(folder / "worlds.csv", index=False)
        pd.DataFrame(robust["boxes"], columns=["box", "coverage", "density", "mass", "worlds", "failing",
                                               "restrictions"]).to_csv(folder / "boxes.csv", index=False)


def plot_front(study: Study, summary, front, robust, path: Path) -> None:
    """The first two outcomes of every candidate: infeasible as crosses, the front joined, the choice starred."""
    first, second = study.outcomes[0], study.outcomes[1] if len(study.outcomes) > 1 else study.outcomes[0]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ok = summary[summary.feasible]
    ax.scatter(ok[second.name], ok[first.name], s=18, color="0.6", label="candidates (within constraints)")
    bad = summary[~summary.feasible]
    if len(bad):
        ax.scatter(bad[second.name], bad[first.name], s=18, marker="x", color="0.75", label="outside constraints")
    if len(front):
        line = front.sort_values(second.name)
        ax.plot(line[second.name], line[first.name], "o-", color="#1f77b4", label="Pareto front")
    if robust:
        row = summary.set_index("candidate").loc[robust["chosen"]]
        ax.scatter([row[second.name]], [row[first.name]], marker="*", s=220, color="#d62728", zorder=5,
                   label="robust choice")
    ax.set_xlabel(f"{second.name} ({second.unit})")
    ax.set_ylabel(f"{first.name} ({first.unit})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_regret(regret: pd.DataFrame, path: Path) -> None:
    """Each front candidate's regret across worlds (a box per candidate)."""
    names = list(dict.fromkeys(regret.candidate))
    fig, ax = plt.subplots(figsize=(6.4, 0.6 * len(names) + 1.5))
    ax.boxplot([regret[regret.candidate == n].regret for n in names], vert=False)
    ax.set_yticks(range(1, len(names) + 1), [f"C{i + 1}" for i in range(len(names))])
    ax.set_xlabel("regret across worlds (shortfall from the best candidate in that world)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def recommendation(study: Study, front: pd.DataFrame, robust: dict | None) -> list[str]:
    """The recommended design and how sure, in a few sentences (robust is None when no design on the front
    enrols anyone)."""
    if not robust:
        return ["No candidate that enrols anyone met every constraint: loosen a constraint or widen the levers."]
    choice, rob = robust["choice"].iloc[0], study.robustness
    row = front.set_index("candidate").loc[robust["chosen"]]
    rule = "the smallest largest regret" if rob["rule"] == "minimax" else f"the smallest {rob['percentile']:g}th-percentile regret"
    outcome = next(o for o in study.outcomes if o.name == rob["outcome"])
    lines = [f"Recommended design: {describe(study, row)}; mean cost {row.cost:,.0f} EUR, {row.participants:,.0f} "
             f"participants.",
             f"Across {robust['n_worlds']} states of the world it has {rule} on {outcome.name} "
             f"({choice.statistic:.4g} {outcome.unit}, 95% bootstrap interval {choice.statistic_low:.4g} to "
             f"{choice.statistic_high:.4g}); {outcome.name} median {outcome.sign * choice.outcome_median:.4g}, "
             f"5-95% {_ends(outcome.sign, choice.outcome_p05, choice.outcome_p95)}; it is the choice in "
             f"{choice.chosen_share:.0%} of bootstrap resamples of the worlds."]
    disc, failed = study.discovery, robust["failed"]
    side = "below" if robust["outcome"].sign > 0 else "above"
    lines.append(f"It fails ({disc['outcome']} {side} {disc['threshold']:g}) in {failed} of {robust['n_worlds']} "
                 f"worlds" + (f"; most failures lie where {robust['boxes'][0]['restrictions']} (coverage "
                              f"{robust['boxes'][0]['coverage']:.0%}, density {robust['boxes'][0]['density']:.0%})."
                              if robust["boxes"] else "."))
    return lines


def _ends(sign: int, low: float, high: float) -> str:
    ends = sorted([sign * low, sign * high])
    return f"{ends[0]:.4g} to {ends[1]:.4g}"


def _markdown(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(none)\n"
    cells = frame.map(lambda v: f"{v:,.4g}" if isinstance(v, float) else str(v))
    return "\n".join(["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns),
                      *("| " + " | ".join(row) + " |" for row in cells.to_numpy().tolist())]) + "\n"


def report(study: Study, summary, front, robust, lines, table, search_seconds: float, seconds: float) -> str:
    """report.md: the recommendation in words, the Pareto front, the robustness table and the boxes."""
    levers = [lever.name for lever in study.levers]
    outcomes = [o.name for o in study.outcomes]
    text = [f"# Design study {study.name}\n", study.description + "\n", "## Recommendation\n",
            *(f"- {line}" for line in lines), "",
            "## Levers, outcomes, constraints\n",
            *(f"- lever `{lever.name}`: " + (f"one of {', '.join(map(str, lever.choices))}" if lever.choices else
                                              f"{lever.low:g} to {lever.high:g} in steps of {lever.step:g}")
              + f" ({lever.unit})" for lever in study.levers),
            *(f"- outcome `{o.name}` ({o.direction}): {o.measure}"
              + (f" of {o.column} x {o.scale:g} for {o.group}" if o.column else "") + f" [{o.unit}]"
              for o in study.outcomes),
            f"- constraints: budget {study.constraints.budget} EUR, staff {study.constraints.staff_capacity} hours "
            f"a week, participants {study.constraints.participants} (None = not set)", "",
            f"## Search\n\n{study.search['sampler']} sampler, {study.search['trials']} trials, "
            f"{study.search['replicates']} seeds per candidate (the same seeds for every candidate: common random "
            f"numbers) in the study's own world (`{SITE}`); {len(summary)} distinct candidates, "
            f"{int(summary.feasible.sum()) if len(summary) else 0} within the constraints. Effects are paired "
            f"against the baseline run on the same seed, resident by resident. Standard errors (`_se`) are over "
            f"seeds.\n", "### Pareto front (pareto.png)\n",
            _markdown(front[[*levers, *outcomes, *(f"{o}_se" for o in outcomes), "participants", "staff_hours"]]
                      if len(front) else front)]
    if robust:
        rob = study.robustness
        source = ", ".join(filter(None, [f"posterior {rob['posterior']}" if rob["posterior"] else "",
                                         f"Latin hypercube of {', '.join(rob['ranges'])}" if rob["ranges"] else "",
                                         f"presets {', '.join(rob['presets'])}" if rob["presets"] else ""]))
        names = {c: f"C{i + 1}" for i, c in enumerate(dict.fromkeys(robust["regret"].candidate))}
        choice = robust["choice"].assign(design=lambda t: t.candidate.map(names))
        shown = choice[["design", "candidate", "mean_regret", "max_regret", "statistic", "statistic_low",
                        "statistic_high", "outcome_median", "outcome_p05", "outcome_p95", "chosen_share"]]
        text += [f"## Robustness (regret.png)\n\n{robust['n_worlds']} states of the world ({source}), "
                 f"{rob['replicates']} seed(s) each. Regret on `{rob['outcome']}`: the best front candidate's value in "
                 f"a world minus this one's. Rule: {rob['rule']}"
                 + (f" ({rob['percentile']:g}th percentile)" if rob["rule"] == "percentile" else "")
                 + "; the statistic's interval is a 95% bootstrap over worlds; outcome columns are signed so that "
                 "more is better.\n", _markdown(shown),
                 f"## Where the chosen design fails (scenario discovery, PRIM)\n\nFails in {robust['failed']} of "
                 f"{robust['n_worlds']} worlds ({study.discovery['outcome']} on the wrong side of "
                 f"{study.discovery['threshold']:g}). Coverage: share of all failing worlds inside the box; density: "
                 f"share of the box's worlds that fail (worlds.csv lists every world).\n",
                 _markdown(pd.DataFrame(robust["boxes"])) if robust["boxes"] else
                 "No box: the design fails in no world, in every world, or nothing separates the failures.\n"]
    text += [f"## Cost of the study\n\n{len(table.drop_duplicates(['candidate', 'world', 'replicate']))} "
             f"evaluations stored (evaluations.parquet), each a design run and a baseline run in sweep/runs/; "
             f"search {search_seconds:.0f} s, all {seconds:.0f} s of wall time in this invocation (a resumed "
             f"study counts only its own).\n"]
    return "\n".join(text)
