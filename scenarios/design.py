"""Programme design under uncertainty: a study's levers, outcomes, constraints and uncertainties, read
from conf/design/<study>.yaml and checked before any run (`python run.py --config-name design`).

A *lever* is what a planner chooses (an intervention key with a range and a step or a list of choices, a
programme's duration in weeks, or its share of the budget, which sets its capacity); an *outcome* is a
paired effect against the baseline on the same seeds (person-points or a mean effect of a resident
column) or the design's cost; *constraints* are a budget in EUR, staff hours a week and a participant
cap; *uncertainties* are a calibration posterior or ranges (a Latin hypercube) and city presets. The
search, the robustness analysis and scenario discovery are in design_search.py and design_robust.py.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from bridges.config import (CONF_DIR, build_section, compose_config, config_groups, group_file, model_params, one_of,
                            to_plain, whole, whole_number)
from bridges.model.errors import InputError
from bridges.model.params import GROUPS, LAST_WEEK, MAX_COST, MAX_SEED
from bridges.model.ranges import bounded

MEASURES = ("person_points", "mean_effect", "cost")
DIRECTIONS = ("maximize", "minimize")
SAMPLERS = ("nsga2", "tpe", "random", "grid")
RULES = ("minimax", "percentile")
LAUNCHERS = ("joblib", "basic", "submitit_local", "submitit_slurm")
MAX_TRIALS = 100_000
"""Most candidates a search may try: beyond any study a planner could run."""
PARTICIPANTS_PER_PLACE = {"buddy_pairs": 2}
"""Participants per unit of `delivery.capacity` (a buddy_pairs capacity counts pairs); 1 otherwise."""
DOCUMENTED = ("unit", "meaning", "source")


@dataclass(frozen=True)
class Lever:
    """One decision: `key` set to a value from `choices` or from low..high in `step`s; or a programme's
    duration in weeks (`duration_of`) or its share of the budget (`budget_share_of`)."""

    name: str
    key: str | None = None
    duration_of: str | None = None
    budget_share_of: str | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple = ()
    unit: str = ""

    @property
    def integer(self) -> bool:
        return self.low is not None and all(float(v).is_integer() for v in (self.low, self.high, self.step))


@dataclass(frozen=True)
class Outcome:
    """A design's outcome: person-points (the paired change of `column`, times `scale`, summed over
    `group`) or the mean of that change, against the baseline on the same seed; or the design's cost."""

    name: str
    measure: str
    direction: str
    column: str | None = None
    group: str = "all"
    scale: float = 1.0
    unit: str = ""

    @property
    def sign(self) -> int:
        """+1 when more is better, -1 when less is."""
        return 1 if self.direction == "maximize" else -1


@dataclass(frozen=True)
class Constraints:
    budget: float | None = None  # EUR, the designed programmes' total cost (mean over replicates)
    staff_capacity: float | None = None  # staff hours a week
    staff_hours: dict = field(default_factory=dict)  # programme -> staff hours per participant a week
    participants: int | None = None  # most participants over the designed programmes


@dataclass(frozen=True)
class Study:
    name: str
    description: str
    base: tuple[str, ...]
    programmes: tuple[str, ...]
    levers: tuple[Lever, ...]
    outcomes: tuple[Outcome, ...]
    constraints: Constraints
    search: dict
    robustness: dict
    discovery: dict
    digest: str  # hash of the study file's content: a changed study gets a new folder


def _number(value, where: str, low: float | None = None, high: float | None = None) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value or value in (
            float("inf"), float("-inf")) or (low is not None and value < low) or (high is not None and value > high):
        span = "" if low is None else f" from {low:g}" + ("" if high is None else f" to {high:g}")
        raise InputError(f"{where}: must be a number{span}, got {value!r}")
    return float(value)


def _mapping(content: dict, key: str, where: str, required: bool = True) -> dict:
    value = content.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or (required and not value):
        raise InputError(f"{where}, key {key}: must be a mapping")
    return value


def _known(spec: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(allowed))})")


def _lever(name: str, spec, where: str) -> Lever:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: must be a mapping with key (or duration_of, budget_share_of) and a range")
    _known(spec, {"key", "duration_of", "budget_share_of", "low", "high", "step", "choices", *DOCUMENTED}, where)
    targets = [k for k in ("key", "duration_of", "budget_share_of") if k in spec]
    if len(targets) != 1 or not isinstance(spec[targets[0]], str):
        raise InputError(f"{where}: give exactly one of key, duration_of, budget_share_of (a string)")
    for key in DOCUMENTED:
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise InputError(f"{where}.{key}: every lever says its {key} (conf/ rule: meaning, unit, source)")
    common = {"name": name, targets[0]: spec[targets[0]], "unit": spec["unit"]}
    if "choices" in spec:
        if targets[0] != "key" or any(k in spec for k in ("low", "high", "step")):
            raise InputError(f"{where}: choices go with key alone (no low, high, step)")
        choices = spec["choices"]
        if not isinstance(choices, list) or len(choices) < 2 or len(set(map(str, choices))) != len(choices) or not all(
                isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in choices):
            raise InputError(f"{where}.choices: must list two or more distinct values, got {choices!r}")
        return Lever(**common, choices=tuple(choices))
    low, high, step = (_number(spec.get(k), f"{where}.{k}") for k in ("low", "high", "step"))
    if not low < high or not 0 < step <= high - low:
        raise InputError(f"{where}: needs low < high and 0 < step <= high - low, got {low:g}, {high:g}, {step:g}")
    if abs(round((high - low) / step) * step - (high - low)) > 1e-9 * max(1.0, abs(high)):
        raise InputError(f"{where}.step: {step:g} does not divide the range {low:g} to {high:g} into whole steps")
    if targets[0] == "duration_of" and not (low >= 1 and all(float(v).is_integer() for v in (low, high, step))):
        raise InputError(f"{where}: a duration is whole weeks from 1, got {low:g} to {high:g} in {step:g}")
    if targets[0] == "budget_share_of" and not (0 <= low and high <= 1):
        raise InputError(f"{where}: a budget share is within [0, 1], got {low:g} to {high:g}")
    return Lever(**common, low=low, high=high, step=step)


def _outcome(name: str, spec, where: str) -> Outcome:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: must be a mapping with measure and direction")
    _known(spec, {"measure", "direction", "column", "group", "scale", "unit", "meaning"}, where)
    if spec.get("measure") not in MEASURES:
        raise InputError(f"{where}.measure: must be one of {', '.join(MEASURES)}, got {spec.get('measure')!r}")
    if spec.get("direction") not in DIRECTIONS:
        raise InputError(f"{where}.direction: must be maximize or minimize, got {spec.get('direction')!r}")
    for key in ("unit", "meaning"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise InputError(f"{where}.{key}: every outcome says its {key}")
    if spec["measure"] == "cost":
        if any(k in spec for k in ("column", "group", "scale")):
            raise InputError(f"{where}: a cost outcome takes no column, group or scale")
        return Outcome(name, "cost", spec["direction"], unit=spec["unit"])
    if not isinstance(spec.get("column"), str):
        raise InputError(f"{where}.column: name a numeric column of a run's agents.parquet (e.g. attitude)")
    group = spec.get("group", "all")
    if group not in (*GROUPS, "all"):
        raise InputError(f"{where}.group: must be one of {', '.join(GROUPS)}, all; got {group!r}")
    scale = _number(spec.get("scale", 1.0), f"{where}.scale", 1e-6, 1e6)
    return Outcome(name, spec["measure"], spec["direction"], spec["column"], group, scale, spec["unit"])


def _constraints(spec: dict, programmes: tuple[str, ...], where: str) -> Constraints:
    _known(spec, {"budget", "staff", "participants"}, where)
    budget = spec.get("budget")
    budget = None if budget is None else _number(budget, f"{where}.budget", 1.0, MAX_COST)
    staff = spec.get("staff") or {}
    if not isinstance(staff, dict):
        raise InputError(f"{where}.staff: must be a mapping with capacity and hours_per_participant_week")
    _known(staff, {"capacity", "hours_per_participant_week"}, f"{where}.staff")
    capacity, hours = None, {}
    if staff:
        capacity = _number(staff.get("capacity"), f"{where}.staff.capacity", 0.0, 1e7)
        hours = staff.get("hours_per_participant_week")
        if not isinstance(hours, dict) or not hours:
            raise InputError(f"{where}.staff.hours_per_participant_week: must map programmes to hours")
        for programme, value in hours.items():
            if programme not in programmes:
                raise InputError(f"{where}.staff.hours_per_participant_week.{programme}: not a programme of the "
                                 f"study's scenario ({', '.join(programmes)})")
            _number(value, f"{where}.staff.hours_per_participant_week.{programme}", 0.0, 168.0)
    cap = spec.get("participants")
    cap = None if cap is None else whole_number(cap, f"{where}.participants", 1, 10_000_000)
    return Constraints(budget, capacity, dict(hours), cap)


@dataclass(frozen=True)
class SearchOptions:
    """A study's `search:` section (defaults: a small NSGA-II search), built by the schema's `build`."""

    sampler: str = field(default="nsga2", metadata=one_of(SAMPLERS))
    trials: int = field(default=24, metadata=whole(1, MAX_TRIALS))  # candidates evaluated
    batch: int = field(default=4, metadata=whole(1, 1000))  # candidates per batch of runs
    replicates: int = field(default=2, metadata=whole(1, 1000))  # seeds per candidate
    population: int = field(default=8, metadata=whole(2, 10_000))  # NSGA-II population


@dataclass(frozen=True)
class RobustnessOptions:
    """A study's `robustness:` section, built by the schema's `build`; the posterior file, the ranges, the
    presets and the outcome's name are checked against the study after (_robustness)."""

    candidates: int = field(default=5, metadata=whole(1, 100))  # front candidates tested across worlds
    posterior: str | None = None  # a calibration's posterior.parquet: worlds drawn from it
    ranges: dict | None = None  # name -> {key, low, high, unit, meaning, source}: worlds drawn uniformly
    draws: int = field(default=8, metadata=whole(1, 10_000))  # worlds drawn
    presets: list[str] | None = None  # city presets added as worlds
    replicates: int = field(default=1, metadata=whole(1, 1000))  # seeds per candidate and world
    outcome: str | None = None  # None: the first effect outcome
    rule: str = field(default="minimax", metadata=one_of(RULES))
    percentile: float = field(default=90.0, metadata=bounded(50, 100, "percent"))
    resamples: int = field(default=1000, metadata=whole(100, 100_000))  # bootstrap resamples


@dataclass(frozen=True)
class DiscoveryOptions:
    """A study's `discovery:` section (scenario discovery's boxes), built by the schema's `build`."""

    outcome: str | None = None  # None: the first effect outcome
    threshold: float = field(default=0.0, metadata=bounded(-MAX_COST, MAX_COST, "(the outcome's unit)"))
    min_coverage: float = field(default=0.5, metadata=bounded(0.0, 1.0, "(share of failing worlds)"))
    boxes: int = field(default=2, metadata=whole(1, 10))


def _search(spec: dict, where: str) -> dict:
    return asdict(build_section(SearchOptions, spec, where))


def _robustness(spec: dict, outcomes: tuple[Outcome, ...], where: str) -> dict:
    rob = asdict(build_section(RobustnessOptions, spec, where))
    posterior = rob["posterior"]
    if posterior is not None:
        found = [p for p in (Path(str(posterior)), CONF_DIR.parent / str(posterior)) if p.is_file()]
        if not isinstance(posterior, str) or not found:
            raise InputError(f"{where}.posterior: {posterior!r} is not a posterior.parquet file (a path from the "
                             f"working folder or the checkout)")
        rob["posterior"] = str(found[0])
    ranges = rob["ranges"] = rob["ranges"] or {}
    for name, spec_range in ranges.items():
        at = f"{where}.ranges.{name}"
        if not isinstance(spec_range, dict):
            raise InputError(f"{at}: must be a mapping with key, low, high")
        _known(spec_range, {"key", "low", "high", *DOCUMENTED}, at)
        if not isinstance(spec_range.get("key"), str):
            raise InputError(f"{at}.key: must be a config key")
        if not _number(spec_range.get("low"), f"{at}.low") < _number(spec_range.get("high"), f"{at}.high"):
            raise InputError(f"{at}: low must be below high")
        for key in DOCUMENTED:
            if not isinstance(spec_range.get(key), str):
                raise InputError(f"{at}.{key}: every range says its {key}")
    presets = rob["presets"] = rob["presets"] or []
    available = config_groups().get("city", [])
    if any(p not in available for p in presets):
        raise InputError(f"{where}.presets: must list city presets ({', '.join(available)}), got {presets!r}")
    rob["outcome"] = _outcome_name(rob["outcome"], outcomes, f"{where}.outcome")
    return rob


def _outcome_name(name, outcomes: tuple[Outcome, ...], where: str) -> str:
    """The named outcome, or the first non-cost one when None."""
    names = [o.name for o in outcomes]
    if name is None:
        return next(o.name for o in outcomes if o.measure != "cost")
    if name not in names:
        raise InputError(f"{where}: no outcome {name!r} (the study's: {', '.join(names)})")
    return name


def load_study(choice: str) -> Study:
    """conf/design/<choice>.yaml (or a path), every key checked; InputError names the file and key."""
    path = group_file("design", choice, "design.study")
    text = path.read_text(encoding="utf-8")
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not valid YAML: {' '.join(str(error).split())[:200]}") from None
    if not isinstance(content, dict):
        raise InputError(f"{path}: must be a mapping with levers, outcomes and constraints")
    where = str(path)
    _known(content, {"description", "base", "levers", "outcomes", "constraints", "search", "robustness",
                     "discovery"}, where)
    base = content.get("base") or []
    if not isinstance(base, list) or not all(isinstance(o, str) and "=" in o for o in base):
        raise InputError(f"{where}, key base: must list KEY=VALUE overrides every run starts from, got {base!r}")
    if any(o.split("=", 1)[0].startswith(("run.", "seed", "hydra")) for o in base):
        raise InputError(f"{where}, key base: run.*, seed and hydra.* are the command line's, not a study's")
    plain = to_plain(compose_config(base))
    programmes = tuple(plain.get("interventions") or {})
    if not programmes:
        raise InputError(f"{where}, key base: the scenario chosen (scenario=...) has no programme to design")
    levers = tuple(_lever(name, spec, f"{where}, key levers.{name}")
                   for name, spec in _mapping(content, "levers", where).items())
    for lever in levers:
        target = lever.duration_of or lever.budget_share_of
        if target and target not in programmes:
            raise InputError(f"{where}, key levers.{lever.name}: no programme {target!r} in the scenario "
                             f"({', '.join(programmes)})")
    outcomes = tuple(_outcome(name, spec, f"{where}, key outcomes.{name}")
                     for name, spec in _mapping(content, "outcomes", where).items())
    if all(o.measure == "cost" for o in outcomes):
        raise InputError(f"{where}, key outcomes: needs an effect outcome besides cost")
    constraints = _constraints(_mapping(content, "constraints", where, required=False), programmes,
                               f"{where}, key constraints")
    if any(lever.budget_share_of for lever in levers) and constraints.budget is None:
        raise InputError(f"{where}, key constraints.budget: budget-share levers need a budget")
    robustness = _robustness(_mapping(content, "robustness", where, required=False), outcomes,
                             f"{where}, key robustness")
    discovery = asdict(build_section(DiscoveryOptions, _mapping(content, "discovery", where, required=False),
                                     f"{where}, key discovery"))
    discovery["outcome"] = _outcome_name(discovery["outcome"], outcomes, f"{where}, key discovery.outcome")
    return Study(path.stem, str(content.get("description") or "").strip(), tuple(base), programmes, levers,
                 outcomes, constraints, _search(_mapping(content, "search", where, required=False),
                                                f"{where}, key search"), robustness, discovery,
                 hashlib.sha256(text.encode()).hexdigest()[:10])


# ---- candidates -------------------------------------------------------------------------------------
def lever_values(lever: Lever) -> list:
    """Every value a lever can take, in order."""
    if lever.choices:
        return list(lever.choices)
    count = int(round((lever.high - lever.low) / lever.step)) + 1
    values = [lever.low + i * lever.step for i in range(count)]
    return [int(round(v)) for v in values] if lever.integer else [round(v, 12) for v in values]


def _get(plain: dict, key: str):
    node = plain
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def candidate_key(values: dict) -> str:
    """A candidate's identity: its lever values, canonically written."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def candidate_overrides(study: Study, values: dict, shared: list[str] | tuple = ()) -> list[str]:
    """The overrides that make a candidate: key levers as given, then durations (end week from the start
    week) and budget shares (capacity: what the share buys after the fixed and weekly costs, in places).
    `shared` are the overrides every run has besides the study's base (the command line's)."""
    out = [f"{lever.key}={values[lever.name]}" for lever in study.levers if lever.key]
    if any(lever.duration_of for lever in study.levers):
        chosen = to_plain(compose_config([*study.base, *shared, *out]))
        out += [f"interventions.{lever.duration_of}.delivery.end_week="
                f"{_get(chosen, f'interventions.{lever.duration_of}.delivery.start_week') + int(values[lever.name]) - 1}"
                for lever in study.levers if lever.duration_of]
    if any(lever.budget_share_of for lever in study.levers):
        chosen = to_plain(compose_config([*study.base, *shared, *out]))
        out += [f"interventions.{lever.budget_share_of}.delivery.capacity="
                f"{places(chosen, lever.budget_share_of, values[lever.name] * study.constraints.budget)}"
                for lever in study.levers if lever.budget_share_of]
    return out


def places(plain: dict, programme: str, money: float) -> int:
    """Capacity (in the delivery's places) that `money` [EUR] buys for a programme running its weeks with
    every place filled and nobody leaving: (money - fixed - per_week x weeks) / (per_participant_week x
    weeks x participants per place), rounded down, at least 0."""
    entry = plain["interventions"][programme]
    delivery, cost = entry["delivery"], entry["cost"]
    end = plain["steps"] if delivery["end_week"] == LAST_WEEK else min(delivery["end_week"], plain["steps"])
    weeks = max(0, end - delivery["start_week"] + 1)
    left = money - cost["fixed"] - cost["per_week"] * weeks
    per_place = cost["per_participant_week"] * weeks * PARTICIPANTS_PER_PLACE.get(delivery["method"], 1)
    if per_place <= 0:
        raise InputError(f"interventions.{programme}.cost.per_participant_week: a budget share needs a positive "
                         f"cost per participant-week to set the capacity")
    return max(0, int(left // per_place))


def check_study(study: Study, plain_base: dict, shared: list[str] | tuple = ()) -> None:
    """Before any run: every key lever names a key of the composed scenario, and the candidates at the
    levers' ends (every choice with the others at their lows, then all at their highs) are valid configs."""
    for lever in study.levers:
        if lever.key and _get(plain_base, lever.key) is None and lever.key.rsplit(".", 1)[-1] != "capacity":
            raise InputError(f"study {study.name}, lever {lever.name}: {lever.key} is not a key of the study's "
                             f"config (base: {' '.join(study.base)})")
    corners = [{lever.name: lever_values(lever)[0] for lever in study.levers},
               {lever.name: lever_values(lever)[-1] for lever in study.levers}]
    for corner in corners:
        try:
            model_params(to_plain(compose_config([*study.base, *shared, *candidate_overrides(study, corner, shared)])))
        except InputError as error:
            raise InputError(f"study {study.name}, levers at {candidate_key(corner)}: {error}") from None


def check_seeds(seed: int, study: Study) -> None:
    most = max(study.search["replicates"], study.robustness["replicates"])
    if seed + most - 1 > MAX_SEED:
        raise InputError(f"seed: replicates use seeds {seed} to {seed + most - 1}, past the largest seed {MAX_SEED:,}")
