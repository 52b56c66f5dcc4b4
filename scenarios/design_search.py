"""Evaluating designs and searching over them.

An *evaluation* is one candidate design in one state of the world with one seed: the design's run and
the baseline's run on that seed (common random numbers: the same city and every shared draw), each a
run of a resumable sweep (bridges.sweep.run_points: local processes or Slurm, one folder per distinct
configuration, complete runs reused), compared resident by resident. Evaluations go to a SQLite table
whose key (candidate, world, replicate) makes storing one twice impossible; a killed study rerun with
the same command reuses every stored evaluation and every complete run. The search is an Optuna study
(NSGA-II, TPE, random or grid sampler) in SQLite storage; trials a killed process left running are
marked failed and their candidates asked again (answered from the store).
"""

import json
import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bridges.model.params import GROUPS
from bridges.scenarios.design import Study, candidate_key, candidate_overrides, lever_values
from bridges.sweep import run_points

SITE = "site"
"""The world the search runs in: the study's base configuration (the site as configured)."""


@dataclass(frozen=True)
class World:
    """A state of the world: its id, the overrides that make it, and its uncertain values (for PRIM)."""

    id: str
    overrides: tuple[str, ...]
    values: dict


@dataclass(frozen=True)
class Context:
    """Everything an evaluation needs besides the candidate: the study, the command line's model
    overrides, the root seed, the study folder, and the sweep launcher with its settings."""

    study: Study
    overrides: tuple[str, ...]
    seed: int
    folder: Path
    launcher: str
    settings: tuple[str, ...]

    @property
    def sweep_dir(self) -> Path:
        return self.folder / "sweep"


def with_choice(overrides: list[str] | tuple, group: str, option: str) -> list[str]:
    """The overrides with config group `group` set to `option` (any earlier choice of it removed)."""
    return [o for o in overrides if o.split("=", 1)[0] != group] + [f"{group}={option}"]


# ---- the store --------------------------------------------------------------------------------------
SCHEMA = """CREATE TABLE IF NOT EXISTS evaluations (
    candidate TEXT NOT NULL, world TEXT NOT NULL, replicate INTEGER NOT NULL, seed INTEGER NOT NULL,
    outcomes TEXT NOT NULL, cost REAL NOT NULL, participants INTEGER NOT NULL, staff_hours REAL NOT NULL,
    design_run TEXT NOT NULL, baseline_run TEXT NOT NULL, PRIMARY KEY (candidate, world, replicate))"""


class Store:
    """Every evaluation once, in SQLite (each insert its own transaction: a SIGKILL loses at most the
    evaluation being written, never half of one)."""

    def __init__(self, path: Path):
        self.path = path
        with self._connect() as db:
            db.execute(SCHEMA)

    def _connect(self):
        return sqlite3.connect(self.path, timeout=60)

    def done(self) -> set[tuple[str, str, int]]:
        with self._connect() as db:
            return set(db.execute("SELECT candidate, world, replicate FROM evaluations"))

    def add(self, rows: list[dict]) -> None:
        with self._connect() as db:
            db.executemany("INSERT OR IGNORE INTO evaluations VALUES (:candidate, :world, :replicate, :seed, "
                           ":outcomes, :cost, :participants, :staff_hours, :design_run, :baseline_run)", rows)

    def table(self) -> pd.DataFrame:
        """Every evaluation, tidy: one row per evaluation and outcome."""
        with self._connect() as db:
            rows = pd.read_sql_query("SELECT * FROM evaluations ORDER BY world, candidate, replicate", db)
        records = [{**{k: row[k] for k in ("candidate", "world", "replicate", "seed", "cost", "participants",
                                            "staff_hours", "design_run", "baseline_run")},
                    "outcome": name, "value": value}
                   for _, row in rows.iterrows() for name, value in json.loads(row.outcomes).items()]
        return pd.DataFrame(records, columns=["candidate", "world", "replicate", "seed", "cost", "participants",
                                              "staff_hours", "design_run", "baseline_run", "outcome", "value"])


# ---- one evaluation ---------------------------------------------------------------------------------
def run_overrides(ctx: Context, world: World, replicate: int, candidate: list[str] | None) -> list[str]:
    """A run's overrides: the study's base, the command line's, the world's, then the candidate's (or the
    baseline scenario), and the replicate's seed (the same for every candidate: common random numbers)."""
    shared = [*ctx.study.base, *ctx.overrides]
    for override in world.overrides:
        key = override.split("=", 1)[0]
        shared = with_choice(shared, key, override.split("=", 1)[1]) if key == "city" else [*shared, override]
    if candidate is None:  # the baseline: no programme, so no programme's keys
        design = with_choice([o for o in shared if not o.lstrip("+~").startswith("interventions.")], "scenario",
                             "baseline")
    else:
        design = [*shared, *candidate]
    return [*design, f"seed={ctx.seed + replicate}"]


def measure(study: Study, design_run: Path, baseline_run: Path) -> dict:
    """One evaluation's outcomes and constraint figures from a design run and its baseline run."""
    design = pd.read_parquet(design_run / "agents.parquet")
    base = pd.read_parquet(baseline_run / "agents.parquet")
    costs = pd.read_csv(design_run / "costs.csv")
    cost = float(costs.total_cost.sum())
    outcomes = {}
    for outcome in study.outcomes:
        if outcome.measure == "cost":
            outcomes[outcome.name] = cost
            continue
        members = np.ones(len(base), dtype=bool) if outcome.group == "all" else (base.group == outcome.group).to_numpy()
        change = outcome.scale * (design[outcome.column].to_numpy(float) - base[outcome.column].to_numpy(float))
        change = change[members & np.isfinite(change)]
        total = float(change.sum())
        outcomes[outcome.name] = total if outcome.measure == "person_points" else total / max(len(change), 1)
    by_programme = costs.set_index("intervention").participants
    staff = sum(float(by_programme.get(p, 0)) * hours for p, hours in study.constraints.staff_hours.items())
    return {"outcomes": outcomes, "cost": cost, "participants": int(by_programme.sum()), "staff_hours": staff}


def evaluate(ctx: Context, store: Store, candidates: list[dict], worlds: list[World], replicates: int) -> None:
    """Evaluate every candidate in every world on `replicates` seeds, skipping stored evaluations; the runs
    of all of them go to the sweep launcher at once (identical runs, such as the baselines, run once)."""
    done = store.done()
    todo = []
    for values in candidates:
        key = candidate_key(values)
        own = candidate_overrides(ctx.study, values, ctx.overrides)
        for world in worlds:
            for replicate in range(replicates):
                if (key, world.id, replicate) not in done:
                    todo.append((key, world, replicate, run_overrides(ctx, world, replicate, own),
                                 run_overrides(ctx, world, replicate, None)))
                    done.add((key, world.id, replicate))
    if not todo:
        return
    settings = list(ctx.settings)
    folders = run_points([p for item in todo for p in item[3:]], ctx.sweep_dir, ctx.launcher, settings)
    rows = []
    for index, (key, world, replicate, _, _) in enumerate(todo):
        design_run, baseline_run = folders[2 * index], folders[2 * index + 1]
        figures = measure(ctx.study, design_run, baseline_run)
        rows.append({"candidate": key, "world": world.id, "replicate": replicate, "seed": ctx.seed + replicate,
                     "outcomes": json.dumps(figures["outcomes"]), "cost": figures["cost"],
                     "participants": figures["participants"], "staff_hours": figures["staff_hours"],
                     "design_run": design_run.name, "baseline_run": baseline_run.name})
    store.add(rows)


# ---- summaries --------------------------------------------------------------------------------------
CONSTRAINTS = ("budget", "staff", "participants")


def constraint_values(study: Study, cost: float, staff: float, participants: float) -> list[float]:
    """Optuna's constraint values (<= 0 is feasible): mean cost over the budget, staff hours over the
    capacity, participants over the cap; 0 for a constraint the study does not set."""
    c = study.constraints
    return [cost - c.budget if c.budget is not None else 0.0,
            staff - c.staff_capacity if c.staff_capacity is not None else 0.0,
            participants - c.participants if c.participants is not None else 0.0]


def candidate_summary(study: Study, table: pd.DataFrame, world: str = SITE) -> pd.DataFrame:
    """One row per candidate in a world: its lever values, each outcome's mean over replicates with its
    standard error, mean cost, participants and staff hours, and whether it meets every constraint."""
    rows = []
    part = table[table.world == world]
    for key, runs in part.groupby("candidate", sort=True):
        row = json.loads(key)
        wide = runs.pivot_table(index="replicate", columns="outcome", values="value")
        for outcome in study.outcomes:
            values = wide[outcome.name]
            row[outcome.name] = float(values.mean())
            row[f"{outcome.name}_se"] = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan
        first = runs.drop_duplicates("replicate")
        row.update(candidate=key, replicates=len(first), cost=float(first.cost.mean()),
                   participants=float(first.participants.mean()), staff_hours=float(first.staff_hours.mean()))
        row["feasible"] = all(v <= 0 for v in constraint_values(study, row["cost"], row["staff_hours"],
                                                                 row["participants"]))
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_front(study: Study, summary: pd.DataFrame) -> pd.DataFrame:
    """The feasible candidates no other feasible candidate beats on every outcome (better or equal on all,
    better on one), best first on the first effect outcome."""
    feasible = summary[summary.feasible].reset_index(drop=True)
    if feasible.empty:
        return feasible
    signed = np.column_stack([o.sign * feasible[o.name].to_numpy() for o in study.outcomes])
    keep = [not any(np.all(signed[j] >= signed[i]) and np.any(signed[j] > signed[i])
                    for j in range(len(signed)) if j != i) for i in range(len(signed))]
    primary = next(o for o in study.outcomes if o.measure != "cost")
    return feasible[keep].sort_values(primary.name, ascending=primary.sign < 0).reset_index(drop=True)


# ---- the search -------------------------------------------------------------------------------------
def _distributions(study: Study) -> dict:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out = {}
    for lever in study.levers:
        if lever.choices:
            out[lever.name] = CategoricalDistribution(list(lever.choices))
        elif lever.integer:
            out[lever.name] = IntDistribution(int(lever.low), int(lever.high), step=int(lever.step))
        else:
            out[lever.name] = FloatDistribution(lever.low, lever.high, step=lever.step)
    return out


def _sampler(study: Study, seed: int):
    import optuna

    kind = study.search["sampler"]
    if kind == "grid":
        class AskAndTellGrid(optuna.samplers.GridSampler):
            """Optuna's grid sampler without its end-of-grid stop, which only an optimize() loop may call
            (the search counts its own trials)."""

            def after_trial(self, study, trial, state, values) -> None:
                return None

        return AskAndTellGrid({lever.name: lever_values(lever) for lever in study.levers}, seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    return optuna.samplers.NSGAIISampler(seed=seed, population_size=study.search["population"])


def _snap(lever, value):
    """A sampled value on the lever's grid (Optuna's float steps can carry rounding noise)."""
    if lever.choices:
        return value
    return int(round(value)) if lever.integer else round(float(value), 12)


def run_search(ctx: Context, store: Store, progress=print) -> None:
    """Ask the sampler for candidates in batches, evaluate each batch (stored once), tell the results,
    until the study holds `search.trials` complete trials. Resumes a study a killed process left."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study, search = ctx.study, ctx.study.search
    directions = [o.direction for o in study.outcomes]
    storage = optuna.storages.RDBStorage(f"sqlite:///{(ctx.folder / 'study.db').absolute()}",
                                         engine_kwargs={"connect_args": {"timeout": 60}})
    optimiser = optuna.create_study(study_name=study.name, storage=storage, directions=directions,
                                    sampler=_sampler(study, ctx.seed), load_if_exists=True)
    for stale in optimiser.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        optimiser.tell(stale.number, state=optuna.trial.TrialState.FAIL)  # its process was killed
        optimiser.enqueue_trial(stale.params)
    distributions = _distributions(study)
    levers = {lever.name: lever for lever in study.levers}
    world = World(SITE, (), {})
    while True:
        complete = len(optimiser.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
        if complete >= search["trials"]:
            return
        trials = [optimiser.ask(distributions) for _ in range(min(search["batch"], search["trials"] - complete))]
        candidates = [{name: _snap(levers[name], trial.params[name]) for name in levers} for trial in trials]
        evaluate(ctx, store, candidates, [world], search["replicates"])
        summary = candidate_summary(study, store.table()).set_index("candidate")
        for trial, values in zip(trials, candidates):
            row = summary.loc[candidate_key(values)]
            trial.set_user_attr("candidate", candidate_key(values))
            for name, value in zip(CONSTRAINTS, constraint_values(study, row.cost, row.staff_hours, row.participants)):
                trial.set_constraint(name, value)  # <= 0 feasible: the samplers prefer feasible candidates
            optimiser.tell(trial, [float(row[o.name]) for o in study.outcomes])
        progress(f"design search: {complete + len(trials)} of {search['trials']} trials")
