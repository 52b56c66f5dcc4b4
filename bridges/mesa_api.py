"""Building BridgesModel the way Mesa's tools do: keyword parameters and `rng=`/`seed=`.

This is the application layer (it composes conf/ with Hydra, bridges/config.py): the core imports it only
when a model is built from keywords (BridgesModel.__init__), so `import bridges.model` and
`BridgesModel(params)` never load Hydra. The DataCollector is the core's (model/collector.py).

`mesa.batch_run`, SolaraViz's Reset and scripts call `BridgesModel(**keywords)`. The keywords say what
the command line says (`city=sweden scenario=co_creation city.n_agents=2000 seed=3`):

- `city`: a preset in conf/city/ (default "default"); `scenario`: a scenario in conf/scenario/ (default "baseline")
- dotted config keys, e.g. `**{"city.n_agents": 2000, "contact.update.negativity_weight": 3}`
- `interventions.<type>`: True adds that intervention (conf/intervention/<type>.yaml) to the scenario,
  False removes it; the keys of a removed intervention (`interventions.<type>.delivery.coverage`, ...)
  are then ignored, so a dashboard can send every dose whether its programme is on or off
- named shortcuts: `n_agents`, `arriving_share`, `segregation`, `negativity_weight` (the config keys in
  NAMED), and `homophily_shift`, added to every layer's homophily and clipped to [0, 1] (0 = the preset)
- the value "preset" for any key keeps the preset's (or scenario's) value, so a control can offer it
- `rng` or `seed`: the run's root seed (an integer, a numpy Generator or SeedSequence, or a string of
  digits from a text box). A model built with neither (or `rng=None`, as `mesa.batch_run(iterations=3)`
  and `rng=[None] * 3` pass) gets a fresh seed from the operating system, as Mesa documents; the seed
  used is `model.params.seed` and the DataCollector's `seed` column, so any run can be rebuilt with
  `rng=<that seed>`. `params_from_keywords` alone (no model) keeps the config's seed.
- `engine`: "vectorised" or "agents" (the config key `engine`)
- a Mesa `Scenario` as `scenario` (SolaraViz's Reset passes one): its parameters and rng are used as
  keywords; a string `scenario` names a Bridges scenario

Values are placed into the composed configuration as they are (no text formatting) and validated by
`model_params`, so a bad key or value raises InputError naming it, as on the command line.
"""

import numpy as np
from mesa.experimental.scenarios import Scenario

from bridges.config import compose_config, model_params, to_plain
from bridges.model.errors import InputError
from bridges.model.params import MAX_SEED, Params

NAMED = {
    "n_agents": "city.n_agents",
    "arriving_share": "city.arriving_share",
    "segregation": "city.segregation",
    "negativity_weight": "contact.update.negativity_weight",
}
"""Named keyword -> the config key it sets."""

INTERVENTION_PREFIX = "interventions."
KEEP = "preset"
"""A keyword value meaning: keep the value the preset and scenario give."""


def seed_value(rng, seed, config_seed: int) -> int:
    """The root seed from Mesa's `rng=` or `seed=` (at most one), else the config's seed."""
    if rng is not None and seed is not None:
        raise InputError("rng, seed: give one of them, not both")
    value = rng if rng is not None else seed
    if value is None:
        return config_seed
    if isinstance(value, np.random.Generator):
        return int(value.integers(MAX_SEED, endpoint=True))
    if isinstance(value, np.random.SeedSequence):
        return int(value.generate_state(1, np.uint32)[0])
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise InputError(f"rng: must be an integer 0 or more, a numpy Generator or SeedSequence, got {value!r}")


def fresh_seed() -> int:
    """A root seed from the operating system's entropy (Mesa's meaning of `rng=None`): 32 bits, as MAX_SEED."""
    return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])


def plain_value(value):
    """Numpy scalars (from batch_run grids) as Python values, which the parameter checks expect."""
    return value.item() if isinstance(value, np.generic) else value


def switched_interventions(settings: dict) -> dict[str, bool]:
    """`interventions.<type>: bool` keywords: which intervention types to add (True) or remove (False)."""
    switches = {}
    for key, value in settings.items():
        name = key.removeprefix(INTERVENTION_PREFIX)
        if key.startswith(INTERVENTION_PREFIX) and "." not in name:
            if not isinstance(plain_value(value), bool):
                raise InputError(f"{key}: must be true or false (switches the intervention on or off), got {value!r}")
            switches[name] = plain_value(value)
    return switches


def composed(city: str, scenario: str, switches: dict[str, bool]) -> dict:
    """The plain config of preset and scenario, with interventions switched on or off."""
    plain = to_plain(compose_config([f"city={city}", f"scenario={scenario}"]))
    present = set(plain.get("interventions") or {})
    changes = [f"+intervention@interventions.{name}={name}" for name, on in switches.items() if on and name not in present]
    changes += [f"~interventions.{name}" for name, on in switches.items() if not on and name in present]
    if changes:
        plain = to_plain(compose_config([f"city={city}", f"scenario={scenario}", *changes]))
    return plain


def set_key(plain: dict, key: str, value) -> None:
    """Set dotted `key` in a plain config; its parent must exist (the leaf is checked by model_params)."""
    *parents, leaf = key.split(".")
    node = plain
    for depth, part in enumerate(parents):
        if not isinstance(node, dict) or part not in node:
            raise InputError(f"{'.'.join(parents[: depth + 1])}: unknown config key (in {key})")
        node = node[part]
    if not isinstance(node, dict):
        raise InputError(f"{key}: unknown config key")
    node[leaf] = plain_value(value)


def shift_homophily(plain: dict, shift: float) -> None:
    """Add `shift` to every layer's homophily, kept within [0, 1]."""
    if not isinstance(plain_value(shift), (int, float)) or isinstance(shift, bool):
        raise InputError(f"homophily_shift: must be a number, got {shift!r}")
    for layer in plain["city"]["layers"].values():
        if layer.get("homophily") is not None:
            layer["homophily"] = float(np.clip(layer["homophily"] + shift, 0.0, 1.0))


def params_from_keywords(city: str = "default", scenario: str | Scenario = "baseline", rng=None, seed=None,
                         homophily_shift: float = 0.0, **settings) -> Params:
    """Validated Params from Mesa-style keyword parameters (see the module docstring)."""
    if isinstance(scenario, Scenario):  # its parameters are keywords, below the ones given here
        rng = scenario.rng if rng is None and seed is None else rng
        keywords = {"city": city, "homophily_shift": homophily_shift,
                    **{key: value for key, value in scenario if key != "rng"}, **settings}
        return params_from_keywords(rng=rng, seed=seed, **keywords)
    switches = switched_interventions(settings)
    plain = composed(city, scenario, switches)
    for key, value in settings.items():
        key = NAMED.get(key, key)
        name = key.removeprefix(INTERVENTION_PREFIX).split(".")[0] if key.startswith(INTERVENTION_PREFIX) else None
        if name in switches and (key == INTERVENTION_PREFIX + name or not switches[name]):
            continue  # a switch itself, or a setting of a switched-off intervention
        if isinstance(value, str) and value == KEEP:
            continue
        set_key(plain, key, value)
    if homophily_shift:
        shift_homophily(plain, homophily_shift)
    plain["seed"] = seed_value(rng, seed, plain["seed"])
    return model_params(plain)


def model_arguments(city, rng, settings: dict) -> tuple[Params, None]:
    """(Params, no prebuilt City) from BridgesModel's keyword arguments (model/model.py imports this module
    only then): a preset name as `city`, and without `rng`, `seed` or a Mesa Scenario's rng a fresh seed.
    `seed` is one of the keywords, not a named argument of BridgesModel: `mesa.batch_run` then passes its
    replicates as `rng`, and a `seed` in its `parameters` reaches the model instead of being overwritten."""
    if city is not None and not isinstance(city, str):
        raise TypeError("BridgesModel: a prebuilt City needs its params")
    seed = settings.pop("seed", None)
    scenario = settings.get("scenario")
    if rng is None and seed is None and getattr(scenario, "rng", None) is None:
        rng = fresh_seed()
    return params_from_keywords(city or "default", rng=rng, seed=seed, **settings), None
