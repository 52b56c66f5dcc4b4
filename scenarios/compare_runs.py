"""The comparison's runs: each scenario's config (variants included, and refused when they would pair
different residents), and one replicate of every scenario on common random numbers, compared with the
baseline resident by resident."""

import hashlib

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from bridges.model import BridgesModel
from bridges.config import compose_config, model_params, to_plain
from bridges.model.city_source import make_city
from bridges.model.errors import InputError
from bridges.model.interventions import programme_weeks
from bridges.model.metrics import OUTCOMES
from bridges.model.model import SURVEYED_FIELDS
from bridges.model.params import GROUPS
from bridges.model.reference import key_role
from bridges.model.simulation import build, simulate, snapshots
from bridges.model.streams import Streams
from bridges.scenarios.compare_effects import BASELINE, GOALS, PERSON_OUTCOMES
from bridges.scenarios.compare_options import VARIANT_PREFIX
from bridges.workers import exit_with_parent

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


def check_variant_keys(name: str, own: list[str], reference: str) -> None:
    """One line for a variant override that would pair different people (model/reference.py key roles): a
    shape key (seed, run length, size, surveyed initial states, survey, the site) or a tool key always; a
    world key under `dynamics.reference=self`, where each world is re-anchored to its own steady state."""
    for text in own:
        key = text.lstrip("+~").split("=", 1)[0].split("@")[0].replace("/", ".")
        role = key_role(key)
        if role in ("shape", "tool"):
            raise InputError(f"{VARIANT_PREFIX}{name}: {key} changes who the residents are, how long the run is or "
                             "what is written, so the variant could not be compared resident by resident with the "
                             "baseline; set it for every scenario (outside compare.variants) or compare it on its own")
        if role == "world" and reference != "site":
            raise InputError(f"{VARIANT_PREFIX}{name}: {key} is a world parameter, and under dynamics.reference="
                             f"{reference} each world is re-anchored to its own steady state, so the variant would "
                             "compare re-anchored worlds, not the same people; use dynamics.reference=site to let "
                             "it act from week 0 on the baseline's people")


def world_part(plain: dict) -> str:
    """The configuration minus what a comparison varies safely (programmes, tool sections): arms with the
    same world part have the same residents at week 0 by construction."""
    return repr({key: value for key, value in plain.items() if key_role(key) not in ("programme", "tool")})


def reference_setting(plain: dict) -> str:
    """dynamics.reference: `site` (every world starts from the surveyed site's people) or `self` (each
    configuration re-anchored to its own steady state)."""
    return OmegaConf.select(OmegaConf.create(plain), "dynamics.reference", default="self")


def people_fingerprint(model) -> str:
    """SHA-256 of the residents at week 0: the seed, run length and size, every resident's group and
    surveyed state (SURVEYED_FIELDS) after the spin-up and warm-up. Two arms are paired resident by resident
    only if these agree; where they live and whom they know belong to the world, which a variant may change
    under the reference world."""
    digest = hashlib.sha256(repr((model.params.seed, model.params.steps, model.state.n)).encode())
    for name in ("group", *SURVEYED_FIELDS):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(getattr(model.state, name)).tobytes())
    return digest.hexdigest()


def check_same_people(configs: dict[str, dict]) -> None:
    """Before any run: every arm whose world part differs from the baseline's is built once at the first
    seed, and refused with one line unless its residents at week 0 are the baseline's."""
    base = configs[BASELINE]
    different = [name for name, plain in configs.items() if world_part(plain) != world_part(base)]
    if not different:
        return
    baseline = people_fingerprint(BridgesModel(model_params(base)))
    for name in different:
        if people_fingerprint(BridgesModel(model_params(configs[name]))) != baseline:
            raise InputError(unpaired_message(name))


def unpaired_message(name: str) -> str:
    return (f"{VARIANT_PREFIX}{name}: its residents at week 0 differ from the baseline's (their groups or surveyed "
            "states: the arriving share, or a world parameter acting before week 0 through warmup_weeks), so it "
            "cannot be compared resident by resident; refused")


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
        check_intervention_overrides(base, scenario, scenario)
        check_intervention_overrides(own, scenario, scenario)
        plain = to_plain(compose_config([*base, f"scenario={scenario}", *own]))
        check_variant_keys(name, own, reference_setting(plain))
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
    return max((end for _, _, end in programme_weeks(params)), default=params.steps)


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
    programme value rows). The baseline runs first; others are compared with it resident by resident. A
    worker process exits if the comparison that started it is killed."""
    exit_with_parent()
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
        model, build_seconds = build(params, cities[city_key])
        fingerprint = people_fingerprint(model)
        if name == BASELINE:
            people = fingerprint
        elif fingerprint != people:  # checked at the first seed before any run; every seed is checked here
            raise InputError(f"{unpaired_message(name)} (seed {params.seed})")
        on_week, shots = snapshots(checkpoints, lambda model: person_values(model.state))
        results = simulate(model, build_seconds, on_week)
        if name == BASELINE:
            base = shots
        else:
            took = model.participation()
            took_part = np.logical_or.reduce(list(took.values())) if took else np.zeros(model.state.n, dtype=bool)
            when = {"programme_end": programme_end(params), "last_week": params.steps}
            by_group += group_rows(name, replicate, took_part, model.state.group, shots, base, when)
            by_programme += value_rows(name, replicate, model, model.state.group, shots, base)
        series = results.timeseries.set_index(["group", "metric", "step"]).value.sort_index()
        for outcome, (group, metric) in OUTCOMES.items():
            values = series.loc[(group, metric)]
            rows.append(pd.DataFrame({"scenario": name, "replicate": replicate, "seed": params.seed,
                                      "step": values.index.to_numpy(), "outcome": outcome, "value": values.to_numpy()}))
        spent = results.costs
        costs.append({"scenario": name, "replicate": replicate,
                      "currency": ",".join(sorted(set(spent.currency))) or "",
                      "total_cost": float(spent.total_cost.sum()), "participants": int(spent.participants.sum())})
    return (pd.concat(rows, ignore_index=True), pd.DataFrame(costs), pd.DataFrame(by_group, columns=GROUP_COLUMNS),
            pd.DataFrame(by_programme, columns=VALUE_COLUMNS))


GROUP_COLUMNS = ["scenario", "replicate", "when", "step", "outcome", "who", "n", "effect", "baseline_mean",
                 "baseline_sd"]
VALUE_COLUMNS = ["scenario", "replicate", "programme", "type", "outcome", "currency", "cost", "participants",
                 "goal_participants", "participant_points", "person_points"]
