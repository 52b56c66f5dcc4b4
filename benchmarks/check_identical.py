"""Bit-for-bit check of a speed change: fingerprints of everything a run computes, compared with a stored set.

    python benchmarks/check_identical.py write FOLDER     # on the code before the change
    python benchmarks/check_identical.py compare FOLDER   # on the code after it: exit 1 at the first difference
    python benchmarks/check_identical.py compare FOLDER on   # ... with every pass through the compiled kernels

For each case (CASES: scenarios x seeds on a 1,500-resident city, 20 weeks, plus the spin-up's variants, a
world change that adopts the site's reference, and the agents engine) it hashes every state array after every
week, the tie blocks' fields, the weekly metrics, the survey, costs, contact by setting, the agent table, the
view anchors and the turnover settings. Every case runs twice in one process, so what a run caches for the
next (the reference world, the initial state's tables) is checked as well as a first run. Spin-ups cached on
disk are off (BRIDGES_CACHE_DIR=off) unless the environment says otherwise. Speed is not measured here.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CITY = ("city.n_agents=1500", "city.n_neighbourhoods=8", "steps=20")
SCENARIOS = ("baseline", "volunteering", "co_creation", "mhpss", "information", "structural",
             "anti_discrimination", "focus_approach")
VARIANTS = (("dynamics.disposition.enabled=false",), ("dynamics.turnover.enabled=false",),
            ("dynamics.reference=self",), ("contact.incidental.rate=0.3",), ("engine=agents", "city.n_agents=150",
                                                                              "steps=3"))
"""Beyond the scenarios: the spin-up without dispositions or turnover, a run that is its own reference, a
world change (the site's reference world is adopted), and the agents engine."""
CASES = tuple((f"scenario={scenario}", f"seed={seed}") for scenario in SCENARIOS for seed in (0, 1)) + tuple(
    (*variant, "seed=2") for variant in VARIANTS)


def anchors_per_person(model, view: str) -> tuple:
    """A view's anchors per person: its start and friends' start, and its neighbourhood's start at each resident's
    (neighbourhood, group) cell, which the norms keep per cell (`ingroup_cell_means`; code before kept it per
    person), so fingerprints of either compare."""
    from bridges.model.rules import norms as norm_rules

    start, friends_start, neighbourhood_start = model.views_at_start[view]
    if hasattr(norm_rules, "ingroup_cell_means"):
        neighbourhood_start = neighbourhood_start[norm_rules.ingroup_places(model.state.neighbourhood,
                                                                            model.state.group)[0]]
    return start, friends_start, neighbourhood_start


def fingerprint(value) -> str:
    """A hash of an array's dtype, shape and bytes (a table's columns one by one)."""
    if isinstance(value, pd.DataFrame):
        return hashlib.sha256("".join(f"{column}:{fingerprint(value[column].to_numpy())}"
                                      for column in value.columns).encode()).hexdigest()[:20]
    array = np.asarray(value)
    if array.dtype == object:
        return hashlib.sha256(repr(array.tolist()).encode()).hexdigest()[:20]
    return hashlib.sha256(f"{array.dtype}{array.shape}".encode() + np.ascontiguousarray(array).tobytes()).hexdigest()[:20]


def state_arrays(model) -> dict:
    from bridges.model.state import State

    arrays = {f"state.{name}": getattr(model.state, name) for name in State.field_names()}
    for block in model.contact_blocks():
        for name in ("strength", "friend", "met", "encounters", "quality", "live", "negative_reduction"):
            if getattr(block, name) is not None:
                arrays[f"{block.name}.{name}"] = getattr(block, name)
        for side in ("source", "target"):
            if side in block.positive:
                arrays[f"{block.name}.positive.{side}"] = block.positive[side]
                arrays[f"{block.name}.negative.{side}"] = block.negative[side]
    return arrays


def run_case(overrides: tuple[str, ...]) -> dict:
    from bridges.config import compose_config, model_params, to_plain
    from bridges.model.simulation import run

    params = model_params(to_plain(compose_config([*CITY, *overrides])))
    weekly = {}

    def on_week(model) -> None:
        weekly[f"week{model.steps}"] = fingerprint(np.frombuffer(b"".join(
            f"{name}={fingerprint(array)}".encode() for name, array in state_arrays(model).items()), dtype=np.uint8))

    results = run(params, on_week=on_week)
    model = results.model
    prints = {name: fingerprint(array) for name, array in state_arrays(model).items()}
    prints |= weekly
    prints |= {name: fingerprint(getattr(results, name))
               for name in ("timeseries", "survey", "costs", "contact_by_setting", "agents")}
    prints["ingroup_friends"] = fingerprint(model.ingroup_friends.toarray().astype(float))  # values, whatever the weights' type
    prints["views_at_start"] = fingerprint(np.concatenate([np.ravel(part) for view in sorted(model.views_at_start)
                                                           for part in anchors_per_person(model, view)]))
    prints["usual_change"] = fingerprint(np.concatenate([model.usual_change[view] for view in sorted(model.usual_change)])
                                         if model.usual_change else np.zeros(0))
    prints["turnover"] = repr((model.turnover_rate, sorted(model.newcomer.items())))
    prints["setting_counts"] = repr(sorted((key, value.tolist()) for key, value in model.setting_counts.items()))
    prints["reference"] = repr(results.reference)
    return prints


def main() -> int:
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if len(sys.argv) > 3:  # the kernels' mode (model/kernels.py): `on` runs every pass through its kernel
        from bridges.model import kernels

        kernels.use(sys.argv[3])
    os.environ.setdefault("BRIDGES_CACHE_DIR", "off")
    found = {}
    for attempt in (1, 2):
        for overrides in CASES:
            name = " ".join(overrides)
            prints = run_case(overrides)
            if attempt == 2 and prints != found[name]:
                moved = sorted(key for key in prints if prints[key] != found[name].get(key))
                print(f"{name}: a second run in the process differs in {moved[:5]}")
                return 1
            found[name] = prints
        print(f"pass {attempt}: {len(CASES)} cases", flush=True)
    stored = folder / "fingerprints.json"
    if mode == "write":
        folder.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(found, indent=1, sort_keys=True))
        print(f"wrote {len(found)} cases to {stored}")
        return 0
    expected = json.loads(stored.read_text())
    differing = 0
    for name, prints in expected.items():
        moved = sorted(key for key in prints.keys() | found[name].keys() if prints.get(key) != found[name].get(key))
        if moved:
            differing += 1
            print(f"DIFFERS {name}: {len(moved)} items, first {moved[:6]}")
    print(f"{len(expected) - differing} of {len(expected)} cases identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
