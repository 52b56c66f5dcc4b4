"""Typed, validated parameters built once from the composed configuration.

The numbers themselves live in `conf/`; this module only declares which keys exist, their types and
their allowed ranges. `build(Params, cfg)` (model/schema.py) checks everything and raises `InputError` naming
the first offending key, so the model never sees a malformed value. Params is composed of the shared sections
(SharedParams) and the parameters each mechanism module declares (`Mechanism.parameters`): whole sections
(`interventions`) and the keys of the sections several mechanisms share (`contact`, `dynamics`), each composed
here from its keys.
"""

from dataclasses import dataclass, field, fields, make_dataclass, replace

from bridges.model.errors import InputError
from bridges.model.interventions.programme import InterventionParams
from bridges.model.mechanisms import MECHANISMS
from bridges.model.mechanisms.base import Key
# The city's and the survey's parameter dataclasses live in params_city.py and params_survey.py (ranges.py
# holds the allowed ranges they share, schema.py `build`); each mechanism's and intervention's live in its own
# module. A module the mechanisms import cannot import this one (it imports them).
from bridges.model.ranges import (COST, EDUCATION_LEVELS, ENCOUNTER_RATE, GROUPS, LAST_WEEK, LAYER_KINDS, MAX_AGENTS,
                                  MAX_COST, MAX_DEGREE, MAX_EXACT_INT, MAX_HOUSEHOLD, MAX_MAGNITUDE, MAX_RATE,
                                  MAX_SEED, MAX_SITE, MAX_STEPS, MAX_WEIGHT, MULTIPLIER, NOISE, NON_NEGATIVE,
                                  NON_NEGATIVE_WEIGHT, PERSONS, PER_GROUP_UNIT, POSITIVE, RATE, SELECTION_WEIGHT,
                                  STATE_SCALE, STATE_SPREAD, UNIT, WEEK, WEIGHT, _range, _show, bounded, per_group)
from bridges.model.schema import _optional_inner, build
from bridges.model.params_city import (BELIEFS, BeliefParams, CityParams, CustomCityParams, Distribution, GroupParams,
                                       LayerParams, SectorParams)
from bridges.model.params_survey import FrequencyCutoffs, ResponseNoise, SurveyParams, TimeCutoffs

ENGINES = ("vectorised", "agents")
"""How a week runs: "vectorised" (model/step.py, over arrays) or "agents" (model/agents.py, the idiomatic
Mesa reference: residents step through AgentSet methods in random order)."""


@dataclass(frozen=True)
class SharedParams:
    """The sections every simulation has (Params adds those the mechanisms declare)."""

    seed: int = field(metadata=bounded(0, MAX_SEED, '', 'seeds are 32-bit'))
    steps: int = field(metadata=bounded(1, MAX_STEPS, 'weeks', 'a hundred years'))
    city: CityParams
    survey: SurveyParams
    scenario_name: str
    warmup_weeks: int = field(default=0, metadata=NON_NEGATIVE)  # weeks run before week 0 (model.py warm_up)
    site: "Params | None" = field(default=None, repr=False, compare=False, metadata={"internal": True})
    """The surveyed site's configuration (set by config.py `model_params`, never by a config file): the world
    the reference takes (model/reference.py). None: the run is its own site."""
    engine: str = "vectorised"  # how a week runs: one of ENGINES (above)

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise InputError(f"engine: must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        weeks = [self.steps if week == LAST_WEEK else week for week in self.survey.weeks]
        late = [week for week in weeks if week > self.steps]
        if late:
            raise InputError(f"survey.weeks: week {late[0]} is after the last step ({self.steps})")
        if len(set(weeks)) != len(weeks):
            raise InputError(f"survey.weeks: a week is listed twice, got {weeks}")
        object.__setattr__(self, "survey", replace(self.survey, weeks=weeks))


SHARED_KEYS = {"dynamics.reference": Key(str, {"check": lambda value: None if value in ("site", "self")
                                                else "must be site or self (model/reference.py)"})}
"""Keys of the mechanisms' sections that no mechanism reads: which world the spin-up takes (model/reference.py)."""


def declared_sections(mechanisms, shared: dict = SHARED_KEYS) -> dict[str, type]:
    """Top-level config key -> its type, of the sections the mechanisms declare (their `parameters`) in the
    order of the week, the `shared` keys first: a whole section as declared; a section declared key by key
    ("dynamics.friendship") by several modules, a frozen dataclass of those keys (named after the section:
    `dynamics` -> DynamicsParams). A key declared twice, a section declared whole and key by key, one
    shadowing a shared section of SharedParams, or a key deeper than `<section>.<key>` is refused in one line
    naming the module."""
    sections, reserved = {}, {item.name for item in fields(SharedParams)}  # section -> its type, or its keys
    declarations = [("model/params.py", shared), *((f"model/mechanisms/{mechanism.name}.py", mechanism.parameters)
                                                   for mechanism in mechanisms)]
    for where, declared in declarations:
        for key, kind in declared.items():
            section, _, name = key.partition(".")
            if name and not name.isidentifier():
                raise InputError(f"{where}: parameter {key!r}: declare a section or one key of a section")
            taken = sections.get(section)
            if section in reserved or (taken is not None
                                       and (not name or not isinstance(taken, dict) or name in taken)):
                raise InputError(f"{where}: parameter section {key!r} is declared twice")
            if name:
                sections.setdefault(section, {})[name] = (kind, where)
            else:
                sections[section] = kind.kind if isinstance(kind, Key) else kind
    return {section: composed(section, kind) if isinstance(kind, dict) else kind for section, kind in sections.items()}


def composed(section: str, keys: dict[str, tuple]) -> type:
    """The frozen dataclass of a section declared key by key: a field per key, in declaration order."""
    owners = ", ".join(dict.fromkeys(where for _, where in keys.values()))
    specs = [(name, kind.kind, field(metadata=kind.metadata)) if isinstance(kind, Key) else (name, kind)
             for name, (kind, _) in keys.items()]
    return make_dataclass(f"{section.title().replace('_', '')}Params", specs, frozen=True, kw_only=True,
                          module=__name__, namespace={"__doc__": f"The keys of `{section}`, declared in {owners}."})


SECTIONS = declared_sections(MECHANISMS)
"""Every section the mechanisms declare: config key -> its type."""
# The composed sections (ContactParams, DynamicsParams) are named in this module, where pickle looks for them.
globals().update({kind.__name__: kind for kind in SECTIONS.values() if getattr(kind, "__module__", "") == __name__})
Params = make_dataclass("Params", list(SECTIONS.items()), bases=(SharedParams,), frozen=True,
                        kw_only=True, module=__name__, namespace={"__doc__": "Everything one simulation needs."})
"""Everything one simulation needs: SharedParams and one field per parameter section a mechanism declares,
built by `build(Params, mapping)`. One class, whatever the import path (bridges/model/__init__.py)."""


def check_cross_fields(params: Params) -> None:
    """Rules that tie two keys together, checked once on the built parameters; each failure is one
    InputError naming both keys."""
    city = params.city
    if not city.layers:
        raise InputError("city.layers: must define at least one contact layer")
    if not city.custom.used:
        if city.n_neighbourhoods > city.n_agents:
            raise InputError(f"city.n_neighbourhoods: {city.n_neighbourhoods:,} neighbourhoods is more than "
                             f"city.n_agents ({city.n_agents:,} residents)")
        for group, size in city.household_size.items():
            if size > city.n_agents:
                raise InputError(f"city.household_size.{group}: {size:g} adults per household is more than "
                                 f"city.n_agents ({city.n_agents:,})")
        for name, layer in city.layers.items():
            if layer.degree is not None and layer.degree >= city.n_agents:
                raise InputError(f"city.layers.{name}.degree: a mean of {layer.degree:g} ties per resident needs "
                                 f"more residents than city.n_agents ({city.n_agents:,})")
    for name, intervention in params.interventions.items():
        kind = intervention.effect.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise InputError(f"interventions.{name}.effect.kind: must be a string, got {kind!r}")
        delivery, key = intervention.delivery, f"interventions.{name}.delivery"
        if delivery.start_week > params.steps:  # an end week past the run is fine: the run cuts it short
            raise InputError(f"{key}.start_week: week {delivery.start_week} is after the last week "
                             f"(steps={params.steps}), so the programme would never run")
        if not city.custom.used:
            missing = [index for index in delivery.eligible.neighbourhoods if index >= city.n_neighbourhoods]
            if missing:
                raise InputError(f"{key}.eligible.neighbourhoods: neighbourhood {missing[0]} does not exist "
                                 f"(city.n_neighbourhoods={city.n_neighbourhoods}: indices 0-{city.n_neighbourhoods - 1})")
