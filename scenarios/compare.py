"""Compare scenarios against baseline on common random numbers, with uncertainty and cost.

Replicate r runs every scenario with seed `seed + r`; scenarios share the city and every random draw
they have in common, so a difference is the scenario's effect, not noise (baseline - baseline = 0
exactly). Replicates run in parallel (joblib). Effects are paired differences with 95% t-intervals
over replicates: over time for each group's mean, and per resident (same resident, scenario minus
baseline) for participants, non-participants and the whole population, at the programme's end and at
the last week. Sizes are also given in standard deviations of the baseline distribution, and each
programme's cost per participant, per participant-point and per person-point on its own goal.
"""

import hashlib
import os
import time
from pathlib import Path
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from scipy import stats  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bridges.calibration.posterior_draws import posterior_draws  # noqa: E402
from bridges.model import BridgesModel  # noqa: E402
from bridges.model.config import PROGRESS_DISABLE, compose_config, config_groups, model_params, to_plain  # noqa: E402
from bridges.model.errors import InputError  # noqa: E402
from bridges.model.interventions.coordination import KIND as COORDINATION  # noqa: E402
from bridges.model.metrics import OUTCOMES, misperception_per_person  # noqa: E402
from bridges.model.model import make_city  # noqa: E402
from bridges.model.resources import available_cores  # noqa: E402
from bridges.model.params import GROUPS, LAST_WEEK, MAX_COST  # noqa: E402
from bridges.model.plots import draw_programme_weeks, scenario_colours  # noqa: E402  (one colour per scenario)
from bridges.model.streams import Streams  # noqa: E402
from bridges.start import interrupts_for_this_process_only  # noqa: E402

BASELINE = "baseline"
CONFIDENCE = 0.95
MAX_REPLICATES = 10_000
"""Most replicates per scenario: intervals narrow as 1/sqrt(replicates), so 10,000 is beyond any need."""
MAX_JOBS = 4_096
"""Most workers one may ask for (more are capped at the available cores, with a note)."""
MAX_SIZE_THRESHOLD = 10.0
"""Largest effect-size threshold [baseline SDs]: ten SDs is beyond any social-science effect."""
HEADLINE = "attitude_receiving"
"""The outcome scenarios are ranked on: receiving members' attitude, FOCUS's main concern."""


PERSON_OUTCOMES = {
    "attitude_receiving": ("receiving", lambda s: s.attitude, +1, "points (0-100)"),
    "attitude_arriving": ("arriving", lambda s: s.attitude, +1, "points (0-100)"),
    "outgroup_friends": (None, lambda s: s.outgroup_friends.astype(float), +1, "friendships per person"),
    "misperception": ("receiving", lambda s: 100 * misperception_per_person(s), -1, "points (0-100)"),
    "distress": (None, lambda s: s.distress, -1, "distress (0-1)"),
    "distress_arriving": ("arriving", lambda s: s.distress, -1, "distress (0-1)"),
    "belonging": (None, lambda s: 100 * s.belonging, +1, "points (0-100)"),
    "employment_arriving": ("arriving", lambda s: 100.0 * s.employed, +1, "percentage points"),
    "legal_status_arriving": ("arriving", lambda s: 100.0 * ~s.legal_pending, +1, "percentage points"),
}
"""Per-resident outcomes: name -> (group, or None for everyone; value per resident; +1 if higher is
better, -1 if lower; unit). Shares and 0-1 scales are scaled to 0-100 points, so every 'point' is one
point on a 0-100 scale (a percentage point for employment and legal status), except distress: it stays on
its 0-1 scale, as everywhere else (run reports, timeseries, plots, the delivery's `eligible.distress`), so
a 'point' of distress is the whole scale (README "Scales")."""

GOALS = {
    "mhpss": ["distress"],
    "information": ["misperception"],
    "structural": ["employment_arriving", "legal_status_arriving"],
    "volunteering": ["attitude_receiving", "attitude_arriving"],
    "co_creation": ["attitude_receiving", "attitude_arriving"],
    "anti_discrimination": ["attitude_arriving", "attitude_receiving"],
}
"""Each programme type's own aim, the outcome its value for money is judged on (FOCUS pillars)."""

WHO = ("participants", "non_participants", "population")

SIZE_WORDS = ("negligible", "small", "moderate", "large")


@dataclass(frozen=True)
class CompareOptions:
    scenarios: list[str]
    replicates: int
    jobs: int  # worker processes, at most the available cores
    note: str | None = None  # one line to show the user (jobs capped)
    size_thresholds: tuple[float, float, float] = (0.1, 0.3, 0.5)
    """|effect| / baseline SD at which an effect is small, moderate, large (conf/compare.yaml)."""
    budget: float | None = None
    budget_outcome: str = HEADLINE
    variants: dict[str, list[str]] | None = None
    """Variant name -> [scenario, KEY=VALUE, ...]: compared next to the scenarios."""
    posterior: str | None = None
    """posterior.parquet of a calibration: each replicate draws its parameters from it (None: fixed)."""

    @property
    def parameter_uncertainty(self) -> bool:
        """True when replicates draw parameters from a posterior: intervals then cover parameter
        uncertainty as well as chance (read by `intervals_sentence`)."""
        return self.posterior is not None


def compare_options(plain: dict, variants: dict[str, list[str]] | None = None) -> CompareOptions:
    """Validated `compare:` section, with variants given on the command line (parse_variant)."""
    section = plain.get("compare") or {}
    unknown = sorted(set(section) - {"scenarios", "replicates", "jobs", "size_thresholds", "budget",
                                     "budget_outcome", "variants", "posterior"})
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
    thresholds = section.get("size_thresholds", [0.1, 0.3, 0.5])
    if (not isinstance(thresholds, list) or len(thresholds) != 3
            or not all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= MAX_SIZE_THRESHOLD
                       for t in thresholds)
            or sorted(thresholds) != thresholds):
        raise InputError(f"compare.size_thresholds: must be three increasing numbers in (0, {MAX_SIZE_THRESHOLD:g}] "
                         f"baseline SDs, got {thresholds!r}")
    budget = section.get("budget")
    if budget is not None and (not isinstance(budget, (int, float)) or isinstance(budget, bool)
                               or not 0 < budget <= MAX_COST):
        raise InputError(f"compare.budget: must be a positive number of at most {MAX_COST:g} (beyond any programme "
                         f"budget) or null, got {budget!r}")
    budget_outcome = section.get("budget_outcome", HEADLINE)
    if not isinstance(budget_outcome, str) or budget_outcome not in PERSON_OUTCOMES:
        raise InputError(f"compare.budget_outcome: no outcome {budget_outcome!r} "
                         f"(available: {', '.join(PERSON_OUTCOMES)})")
    chosen = variant_options({**(section.get("variants") or {}), **(variants or {})}, scenarios)
    posterior = section.get("posterior")
    if posterior is not None:
        if not isinstance(posterior, str) or not posterior:
            raise InputError(f"compare.posterior: must be the path of a posterior.parquet file, got {posterior!r}")
        check_posterior_file(posterior, plain)
    if len(scenarios) + len(chosen) < 2:
        raise InputError(f"compare.scenarios: {BASELINE} alone compares nothing; add a scenario or a variant")
    return CompareOptions(list(scenarios), replicates, cores if jobs == -1 or jobs > cores else jobs, note,
                          size_thresholds=tuple(float(t) for t in thresholds),
                          budget=None if budget is None else float(budget), budget_outcome=budget_outcome,
                          variants=chosen, posterior=posterior)


def check_posterior_file(path: str, plain: dict) -> None:
    """A calibration's posterior.parquet, checked before any run: a Parquet file (a regular file under the
    input size limit) with Bridges' parameter metadata naming numeric keys of the model's config (keys that
    define the people or the run are not parameters), a finite value column for each, and finite
    non-negative weights with a positive sum. Without metadata no parameter would be applied, yet the
    report would claim parameter uncertainty."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from bridges.calibration.report import METADATA_KEY
    from bridges.model.config import NOT_PARAMETERS, matching_paths
    from bridges.model.input_files import read_bytes

    key = f"compare.posterior: {path}"
    content = read_bytes(path)
    try:
        table = pq.read_table(pa.BufferReader(content))
    except (pa.ArrowException, OSError, ValueError):
        raise InputError(f"{key}: not a Parquet file (write one with python run.py --config-name calibrate)") from None
    try:
        declared = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"null"))
    except ValueError:
        declared = None
    if not isinstance(declared, dict) or not declared or not all(
            isinstance(spec, dict) and isinstance(spec.get("key"), str) and isinstance(spec.get("scale"), bool)
            for spec in declared.values()):
        raise InputError(f"{key}: has no Bridges parameter metadata (not written by a calibration), so no parameter "
                         "would be drawn; use a calibration's posterior.parquet")
    frame = table.to_pandas()
    if len(frame) == 0:
        raise InputError(f"{key}: has no rows")
    for column in [*declared, "weight"]:
        if column not in frame.columns:
            raise InputError(f"{key}: no column {column!r}")
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise InputError(f"{key}, column {column}: every value must be a finite number")
    weights = frame["weight"].to_numpy(dtype=float)
    if (weights < 0).any() or weights.sum() <= 0:
        raise InputError(f"{key}, column weight: weights must be 0 or more with a positive sum")
    model = {k: v for k, v in plain.items() if k not in ("run", "compare")}
    for name, spec in declared.items():
        parameter = spec["key"]
        if any(parameter == bad or parameter.startswith(f"{bad}.") for bad in NOT_PARAMETERS):
            raise InputError(f"{key}, parameter {name}: {parameter} defines the people or the run, not a parameter")
        paths = matching_paths(model, parameter.split("."))
        leaves = [model_value(model, p) for p in paths]
        if not paths or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in leaves):
            raise InputError(f"{key}, parameter {name}: {parameter} is not a numeric key of the model's config")


def model_value(plain: dict, path: tuple):
    for part in path:
        plain = plain[part]
    return plain


VARIANT_PREFIX = "compare.variants."


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes."""
    parts, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    return [*parts, current.strip()] if current.strip() else parts


def parse_variant(arg: str) -> tuple[str, list[str]]:
    """`compare.variants.NAME=[SCENARIO,KEY=VALUE,...]` -> (NAME, [SCENARIO, KEY=VALUE, ...]).

    Read here rather than by Hydra, whose list syntax does not allow `=` inside an element."""
    key, _, value = arg.partition("=")
    name = key[len(VARIANT_PREFIX):]
    value = value.strip()
    if not name.isidentifier() or not (value.startswith("[") and value.endswith("]")):
        raise InputError(f"{key}: write a variant as compare.variants.NAME=[SCENARIO,KEY=VALUE,...], got {arg!r}")
    items = [item.strip("'\"") for item in split_top_level(value[1:-1])]
    if not items or "=" in items[0]:
        raise InputError(f"{key}: the first item must be the scenario the variant starts from, got {value!r}")
    if any("=" not in item for item in items[1:]):
        raise InputError(f"{key}: every item after the scenario must be KEY=VALUE, got {value!r}")
    return name, items


def variant_options(section: dict | None, scenarios: list[str]) -> dict[str, list[str]]:
    """Validated variants (name -> [scenario, overrides...]) from the config file and the command line."""
    variants = dict(section or {})
    available = config_groups().get("scenario", [])
    for name, items in variants.items():
        key = f"{VARIANT_PREFIX}{name}"
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise InputError(f"{key}: must be a list [SCENARIO, KEY=VALUE, ...], got {items!r}")
        if items[0] not in available:
            raise InputError(f"{key}: no scenario {items[0]!r} (available: {', '.join(available)})")
        if name in scenarios or name in available:
            raise InputError(f"{key}: {name!r} is already a scenario's name; give the variant its own name")
    return variants


def intervention_names(scenario: str) -> set[str]:
    """The interventions a scenario lists (its file alone, no overrides)."""
    return set((to_plain(compose_config([f"scenario={scenario}"])).get("interventions") or {}))


def check_intervention_overrides(overrides: list[str], scenario: str, label: str) -> None:
    """An override of interventions.NAME.* needs NAME in the scenario: say what to do if it is not."""
    keys = [o.lstrip("~").split("=", 1)[0] for o in overrides if not o.startswith("+")]
    wanted = [(key, key.split(".")[1]) for key in keys if key.startswith("interventions.") and key.count(".") >= 2]
    if not wanted:
        return
    present = intervention_names(scenario)
    for key, name in wanted:
        if name not in present:
            raise InputError(
                f"{key}: scenario {label!r} has no intervention {name!r}; an override outside compare.variants "
                f"applies to every scenario, so tune it in one scenario only with "
                f"compare.variants.{name}_tuned=[SCENARIO_WITH_{name.upper()},{key}=VALUE]")


PEOPLE_KEYS = ("seed", "steps", "warmup_weeks", "city", "city.name", "city.n_agents", "city.arriving_share",
               "city.n_neighbourhoods", "city.segregation", "city.arrival_area_share", "city.household_size",
               "city.groups", "city.custom", "run", "compare", "scenario")
"""Keys a comparison variant may not change: they choose who the residents are, how long the run is, or what
is written, so the variant's residents could not be paired one by one with the baseline's. (A variant
changes interventions, or world parameters whose residents at week 0 are provably the baseline's.)"""


def check_variant_keys(name: str, own: list[str]) -> None:
    """One line for a variant override that would break the pairing (PEOPLE_KEYS)."""
    for text in own:
        key = text.lstrip("+~").split("=", 1)[0].split("@")[0]
        if any(key == bad or key.startswith(f"{bad}.") or key.startswith(f"{bad}/") for bad in PEOPLE_KEYS):
            raise InputError(f"{VARIANT_PREFIX}{name}: {key} changes who the residents are or how long the run is, "
                             "so the variant could not be compared resident by resident with the baseline; "
                             "set it for every scenario (outside compare.variants) or compare it on its own")


def world_part(plain: dict) -> str:
    """The configuration minus what a comparison varies safely (programmes, survey, labels): arms with the
    same world part have the same residents at week 0 by construction."""
    skip = ("interventions", "scenario_name", "survey", "run", "compare")
    return repr({key: value for key, value in plain.items() if key not in skip})


def reference_setting(plain: dict) -> str:
    """dynamics.reference: `site` (every world starts from the surveyed site's people) or `self` (each
    configuration re-anchored to its own steady state, the behaviour before the setting existed)."""
    return OmegaConf.select(OmegaConf.create(plain), "dynamics.reference", default="self")


def people_fingerprint(model) -> str:
    """SHA-256 of the residents at week 0 (every state array, their groups, places and ties' history, and
    the seed, length and size): two arms may be paired resident by resident only if these agree."""
    digest = hashlib.sha256(repr((model.params.seed, model.params.steps, model.state.n)).encode())
    for owner in (model.state, model, model.city.network):
        for attribute, value in sorted(vars(owner).items()):
            if isinstance(value, np.ndarray):
                digest.update(attribute.encode())
                digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def check_same_people(configs: dict[str, dict]) -> None:
    """Before any run: every arm whose world part differs from the baseline's is built once at the first
    seed, and refused with one line unless its residents at week 0 are the baseline's."""
    base = configs[BASELINE]
    different = [name for name, plain in configs.items() if world_part(plain) != world_part(base)]
    if not different:
        return
    fingerprints = {BASELINE: people_fingerprint(BridgesModel(model_params(base)))}
    for name in different:
        if people_fingerprint(BridgesModel(model_params(configs[name]))) != fingerprints[BASELINE]:
            raise InputError(unpaired_message(name, configs[name]))


def unpaired_message(name: str, plain: dict) -> str:
    reason = ("each world is re-anchored to its own steady state under dynamics.reference=self, so it "
              "compares re-anchored worlds with different residents at week 0")
    if reference_setting(plain) == "site":
        reason = "its residents at week 0 differ from the baseline's"
    return (f"{VARIANT_PREFIX}{name}: {reason}; refused, since effects are paired resident by resident"
            + ("; use dynamics.reference=site to let the parameter act from week 0 on the same people"
               if reference_setting(plain) == "self" and has_reference_key(plain) else ""))


def has_reference_key(plain: dict) -> bool:
    return isinstance(plain.get("dynamics"), dict) and "reference" in plain["dynamics"]


def scenario_configs(overrides: list[str], scenarios: list[str],
                     variants: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Each scenario's plain config: the user's overrides (not compare.*) plus scenario=NAME; then each
    variant: its scenario with the common overrides and its own. Variants that would pair different
    residents are refused (check_variant_keys, check_same_people)."""
    base = [o for o in overrides if not o.lstrip("+~").startswith("compare.")]
    runs = {name: (name, []) for name in scenarios} | {
        name: (items[0], items[1:]) for name, items in (variants or {}).items()}
    configs = {}
    for name, (scenario, own) in runs.items():
        check_variant_keys(name, own)
        check_intervention_overrides(base, scenario, scenario)
        check_intervention_overrides(own, scenario, scenario)
        plain = to_plain(compose_config([*base, f"scenario={scenario}", *own]))
        model_params(plain)  # validate now, before any work
        configs[name] = plain
    check_both_groups(configs[BASELINE])
    check_same_people(configs)
    return configs


def check_both_groups(plain: dict) -> None:
    """A comparison measures effects on both communities: a generated city needs members of each."""
    city = plain["city"]
    if any((city.get("custom") or {}).get(key) for key in ("graphml", "edges_csv", "nodes_csv")):
        return  # a custom city's file is checked to hold both groups
    arriving = int(round(city["arriving_share"] * city["n_agents"]))
    if arriving < 1 or arriving > city["n_agents"] - 1:
        raise InputError(f"city.arriving_share: {city['arriving_share']:g} of {city['n_agents']:,} residents leaves "
                         f"{'no arriving' if arriving < 1 else 'no receiving'} members, so a comparison has no "
                         "intergroup effects to measure")


def programme_end(params) -> int:
    """The last week any of the scenario's programmes runs (the run's last week if none)."""
    ends = [params.steps if c.delivery.end_week == LAST_WEEK else min(c.delivery.end_week, params.steps)
            for c in params.interventions.values() if c.effect.get("kind") != COORDINATION]
    return max(ends, default=params.steps)


def person_values(state) -> dict[str, np.ndarray]:
    """Every per-resident outcome (PERSON_OUTCOMES) now."""
    return {name: np.asarray(value(state), dtype=float) for name, (_, value, _, _) in PERSON_OUTCOMES.items()}


def in_population(group: np.ndarray, outcome: str, values: np.ndarray) -> np.ndarray:
    """Residents an outcome is measured on (its group; defined values only)."""
    label = PERSON_OUTCOMES[outcome][0]
    members = np.ones(len(group), dtype=bool) if label is None else group == GROUPS.index(label)
    return members & np.isfinite(values)


def group_rows(name: str, replicate: int, took_part: np.ndarray, group: np.ndarray, shots: dict, base: dict,
               when: dict[str, int]) -> list[dict]:
    """Per-resident paired effects of one scenario for participants, non-participants and everyone."""
    rows = []
    for label, step in when.items():
        for outcome in PERSON_OUTCOMES:
            reference, values = base[step][outcome], shots[step][outcome]
            population = in_population(group, outcome, reference)
            difference = values - reference
            sd = float(reference[population].std())
            for who, mask in (("participants", population & took_part), ("non_participants", population & ~took_part),
                              ("population", population)):
                n = int(mask.sum())
                rows.append({"scenario": name, "replicate": replicate, "when": label, "step": step,
                             "outcome": outcome, "who": who, "n": n,
                             "effect": float(difference[mask].mean()) if n else np.nan,
                             "baseline_mean": float(reference[mask].mean()) if n else np.nan,
                             "baseline_sd": sd})
    return rows


def value_rows(name: str, replicate: int, model, group: np.ndarray, shots: dict, base: dict) -> list[dict]:
    """Each programme on its own goal at the last week: its cost, its participants (both communities) and
    those in the goal's group, and the points these and everyone gained (positive = better, whatever the
    outcome's direction)."""
    rows, last = [], model.params.steps
    spent = model.intervention_costs().set_index("intervention")
    took = model.participation()
    for programme in spent.index:
        kind = spent.type[programme]
        for outcome in GOALS.get(kind, []):
            reference = base[last][outcome]
            population = in_population(group, outcome, reference)
            gain = PERSON_OUTCOMES[outcome][2] * (shots[last][outcome] - reference)
            participants = population & took[f"took_part_{programme}"]
            rows.append({"scenario": name, "replicate": replicate, "programme": programme, "type": kind,
                         "outcome": outcome, "currency": spent.currency[programme],
                         "cost": float(spent.total_cost[programme]),
                         "participants": int(spent.participants[programme]),
                         "goal_participants": int(participants.sum()),
                         "participant_points": float(gain[participants].sum()),
                         "person_points": float(gain[population].sum())})
    return rows


def run_replicate(configs: dict[str, dict], replicate: int, draw=None) -> tuple[pd.DataFrame, ...]:
    """Every scenario with seed + replicate; returns (outcome rows, cost rows, participant-group rows,
    programme value rows). The baseline runs first; others are compared with it resident by resident."""
    rows, costs, by_group, by_programme, cities = [], [], [], [], {}
    configs = {name: draw(plain) for name, plain in configs.items()} if draw else configs  # the same draw for all
    all_params = {name: model_params({**plain, "seed": plain["seed"] + replicate}) for name, plain in configs.items()}
    checkpoints = {programme_end(params) for params in all_params.values()} | {p.steps for p in all_params.values()}
    base = people = None
    for name in sorted(configs, key=lambda n: n != BASELINE):
        plain, params = configs[name], all_params[name]
        city_key = repr(plain["city"])
        if city_key not in cities:
            cities[city_key] = make_city(params, Streams(params.seed))
        model = BridgesModel(params, city=cities[city_key])
        fingerprint = people_fingerprint(model)
        if name == BASELINE:
            people = fingerprint
        elif fingerprint != people:  # checked at the first seed before any run; every seed is checked here
            raise InputError(f"{unpaired_message(name, plain)} (seed {params.seed})")
        shots = {}
        for _ in range(params.steps):
            model.step()
            if model.steps in checkpoints:
                shots[model.steps] = person_values(model.state)
        if name == BASELINE:
            base = shots
        else:
            took = model.participation()
            took_part = np.logical_or.reduce(list(took.values())) if took else np.zeros(model.state.n, dtype=bool)
            when = {"programme_end": programme_end(params), "last_week": params.steps}
            by_group += group_rows(name, replicate, took_part, model.state.group, shots, base, when)
            by_programme += value_rows(name, replicate, model, model.state.group, shots, base)
        series = model.timeseries().set_index(["group", "metric", "step"]).value.sort_index()
        for outcome, (group, metric) in OUTCOMES.items():
            values = series.loc[(group, metric)]
            rows.append(pd.DataFrame({"scenario": name, "replicate": replicate, "seed": params.seed,
                                      "step": values.index.to_numpy(), "outcome": outcome, "value": values.to_numpy()}))
        spent = model.intervention_costs()
        costs.append({"scenario": name, "replicate": replicate,
                      "currency": ",".join(sorted(set(spent.currency))) or "",
                      "total_cost": float(spent.total_cost.sum()), "participants": int(spent.participants.sum())})
    return (pd.concat(rows, ignore_index=True), pd.DataFrame(costs), pd.DataFrame(by_group, columns=GROUP_COLUMNS),
            pd.DataFrame(by_programme, columns=VALUE_COLUMNS))


GROUP_COLUMNS = ["scenario", "replicate", "when", "step", "outcome", "who", "n", "effect", "baseline_mean",
                 "baseline_sd"]
VALUE_COLUMNS = ["scenario", "replicate", "programme", "type", "outcome", "currency", "cost", "participants",
                 "goal_participants", "participant_points", "person_points"]


def t_interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% t-interval of replicate values (NaN dropped)."""
    values = values.dropna()
    mean = float(values.mean()) if len(values) else np.nan
    if len(values) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1) * values.std() / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def size_word(d: float, thresholds) -> str:
    """negligible / small / moderate / large for an effect of |d| baseline SDs."""
    if not np.isfinite(d):
        return "-"
    return SIZE_WORDS[int(np.searchsorted(np.asarray(thresholds), abs(d), side="right"))]


def certainty_word(low: float, high: float) -> str:
    """Whether the interval excludes zero, in words."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "-"
    return "interval excludes zero" if low > 0 or high < 0 else "interval includes zero"


def intervals_sentence(parameter_uncertainty: bool) -> str:
    """What the intervals cover, in one plain sentence."""
    if parameter_uncertainty:
        return (f"The {CONFIDENCE:.0%} intervals cover chance and parameter uncertainty: each replicate draws its "
                "parameters from the calibration posterior (the same draw for every scenario).")
    return (f"The {CONFIDENCE:.0%} intervals cover chance only (which residents meet, who takes part): the "
            "parameters are fixed, and most programme magnitudes are assumptions, so the true uncertainty is larger.")


def group_effects(groups: pd.DataFrame, thresholds) -> pd.DataFrame:
    """Per scenario, time point, outcome and group: n, effect with interval, baseline level and SD,
    effect in baseline SDs (d), relative change, size word and whether the interval excludes zero."""
    records = []
    for key, rows in groups.groupby(["scenario", "when", "step", "outcome", "who"], sort=False):
        estimate, low, high = t_interval(rows.effect)
        level, sd = float(rows.baseline_mean.mean()), float(rows.baseline_sd.mean())
        d = estimate / sd if sd > 0 else np.nan
        records.append(dict(zip(["scenario", "when", "step", "outcome", "who"], key)) | {
            "unit": PERSON_OUTCOMES[key[3]][3], "n": float(rows.n.mean()), "estimate": estimate, "ci_low": low,
            "ci_high": high, "baseline_mean": level, "baseline_sd": sd, "d": d,
            "d_low": low / sd if sd > 0 else np.nan, "d_high": high / sd if sd > 0 else np.nan,
            "relative_change": estimate / level if level else np.nan,
            "size": size_word(d, thresholds), "certainty": certainty_word(low, high)})
    return pd.DataFrame(records)


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
                     "or not (= the effect on the group's mean x the group's size)",
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


def paired_effects(replicates: pd.DataFrame) -> pd.DataFrame:
    """Scenario minus baseline per replicate and step, with mean and 95% t-interval."""
    wide = replicates.pivot_table(index=["outcome", "step", "replicate"], columns="scenario", values="value")
    differences = wide.sub(wide[BASELINE], axis=0).stack().rename("difference").reset_index()
    grouped = differences.groupby(["scenario", "outcome", "step"]).difference
    summary = grouped.agg(estimate="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, summary.n - 1) * summary.sd.fillna(0.0) / np.sqrt(summary.n)
    summary["ci_low"], summary["ci_high"] = summary.estimate - half, summary.estimate + half
    return summary


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


def programme_weeks(params) -> list[tuple[str, int, int]]:
    """Each of a scenario's programmes with its first and last week (a partnership enrols nobody: none)."""
    return [(name, entry.delivery.start_week,
             params.steps if entry.delivery.end_week == LAST_WEEK else min(entry.delivery.end_week, params.steps))
            for name, entry in params.interventions.items() if entry.effect.get("kind") != COORDINATION]


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


def goal_outcome(configs: dict, scenario: str) -> str:
    """The outcome a scenario is judged on first: its first programme's goal (the headline if none)."""
    for entry in (configs[scenario].get("interventions") or {}).values():
        if entry.get("type") in GOALS:
            return GOALS[entry["type"]][0]
    return HEADLINE


def effect_cell(row) -> str:
    return f"{row.estimate:+.2f} ({row.ci_low:+.2f} to {row.ci_high:+.2f})"


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
                     f"({pop.d:+.2f}) | {pop.certainty} | week {end.step}: {end.estimate:+.2f} |")
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
                + (f"{row.gain_per_participant:+.2f} ({row.gain_per_participant_low:+.2f} to "
                   f"{row.gain_per_participant_high:+.2f}) | " if row.goal_participants else "- | ") +
                f"{money(row.cost_per_participant_point, row.cost_per_participant_point_low, row.cost_per_participant_point_high)} | "
                f"{row.person_points:,.0f} ({row.person_points_low:,.0f} to {row.person_points_high:,.0f}) | "
                f"{money(row.cost_per_person_point, row.cost_per_person_point_low, row.cost_per_person_point_high)} |")
        lines += ["", "Points are gains toward the goal (lower distress and misperception count as gains). "
                  "Cost per participant-point and per person-point do not depend on the city's size while "
                  "capacity does not bind, apart from fixed and weekly costs spread over more participants. "
                  "In a mix, a programme's person-points include every programme's effect on that outcome: "
                  "compare mixes as a whole in the recommendations above."]
    if budget is not None:
        lines += ["", f"## Budget view: {options.budget:,.0f} on {options.budget_outcome}", ""]
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
            lines += [f"- {row.copies} x **{row.scenario}**: {row.cost:,.0f} {row.currency}, "
                      f"{row.person_points:,.0f} person-points" for row in budget.itertuples()]
            lines.append(f"- in all: {budget.cost.sum():,.0f} spent, {budget.person_points.sum():,.0f} person-points")
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
        lines.append(f"Largest effect for {label}: {best.scenario} on {best.outcome}, {best.estimate:+.2f} "
                     f"{best.unit} (d {best.d:+.2f}, {best['size']}; {best.certainty}; n {best.n:,.0f}).")
    lines.append(recommendation(scenarios, options.budget_outcome).replace("**", ""))
    lines.append(intervals_sentence(options.parameter_uncertainty).split(":")[0] + ".")
    return lines


def money(value: float, low: float, high: float) -> str:
    if not np.isfinite(value):
        return "- (no gain)"
    upper = "no upper bound" if not np.isfinite(high) else f"{high:,.0f}"
    return f"{value:,.0f} ({low:,.0f} to {upper})"


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
    with interrupts_for_this_process_only():
        jobs = Parallel(n_jobs=options.jobs, return_as="generator", max_nbytes=None)(  # no memmaps: no /dev/shm
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
    cost.round(4).to_csv(folder / "cost.csv", index=False)
    by_group.round(4).to_csv(folder / "effects_by_group.csv", index=False)
    value.round(4).to_csv(folder / "programme_value.csv", index=False)
    scenarios.round(4).to_csv(folder / "scenario_value.csv", index=False)
    colours = scenario_colours([name for name in configs if name != BASELINE])
    plot_effects(effects, folder / "effect_over_time.png", colours, scenario_programme_weeks(configs))
    plot_cost_effect(cost, final, folder / "cost_effect.png", colours)
    text = ranking_text(final, cost, options, seconds, by_group, value, configs, replicates, budget, scenarios)
    (folder / "report.md").write_text(text)
    return terminal_headline(by_group, scenarios, configs, options, int(effects.step.max()))
