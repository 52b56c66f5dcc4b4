"""Typed, validated parameters built once from the composed configuration.

The numbers themselves live in `conf/`; this module only declares which keys exist, their types and
their allowed ranges. `build(Params, cfg)` (model/schema.py) checks everything and raises `InputError` naming
the first offending key, so the model never sees a malformed value. Params is composed of the shared sections
(SharedParams) and the parameter sections each mechanism module declares (`Mechanism.parameters`).
"""

from dataclasses import dataclass, field, fields, make_dataclass, replace

from bridges.model.errors import InputError
from bridges.model.mechanisms import MECHANISMS
# The parameter dataclasses live in one module per part of the configuration (ranges.py holds the allowed
# ranges they share, schema.py `build`); the application layer imports them from here, with Params. The core
# imports them from those modules: a module the mechanisms import cannot import this one (it imports them).
from bridges.model.ranges import (COST, EDUCATION_LEVELS, ENCOUNTER_RATE, GROUPS, LAST_WEEK, LAYER_KINDS, MAX_AGENTS,
                                  MAX_COST, MAX_DEGREE, MAX_EXACT_INT, MAX_HOUSEHOLD, MAX_MAGNITUDE, MAX_RATE,
                                  MAX_SEED, MAX_SITE, MAX_STEPS, MAX_WEIGHT, MULTIPLIER, NOISE, NON_NEGATIVE,
                                  NON_NEGATIVE_WEIGHT, PERSONS, PER_GROUP_UNIT, POSITIVE, RATE, SELECTION_WEIGHT,
                                  STATE_SCALE, STATE_SPREAD, UNIT, WEEK, WEIGHT, _range, _show, bounded, per_group)
from bridges.model.schema import _optional_inner, build
from bridges.model.params_city import (BELIEFS, BeliefParams, CityParams, CustomCityParams, Distribution, GroupParams,
                                       LayerParams, SectorParams)
from bridges.model.params_survey import FrequencyCutoffs, ResponseNoise, SurveyParams
from bridges.model.params_interventions import (EMPLOYMENT_FILTER, TARGETING, CostParams, DeliveryParams,
                                                EligibilityParams, InterventionParams)
from bridges.model.params_contact import (ContactParams, GeneralisationParams, IncidentalParams, NegativityParams,
                                          PartnerParams, QualityParams, SelectionParams, UpdateParams,
                                          WillingnessParams)
from bridges.model.params_dynamics import (BelongingParams, DiscriminationParams, DispositionParams, DistressParams,
                                           DynamicsParams, EmploymentParams, FriendshipParams, NormParams,
                                           ThreatParams, TurnoverParams, VariabilityParams)

ENGINES = ("vectorised", "agents")
"""How a week runs: "vectorised" (model/step.py, over arrays) or "agents" (model/agents.py, the idiomatic
Mesa reference: residents step through AgentSet methods in random order)."""


@dataclass(frozen=True)
class SharedParams:
    """The sections every simulation has (Params adds those the mechanisms declare)."""

    seed: int = field(metadata=bounded(0, MAX_SEED, '', 'seeds are 32-bit'))
    steps: int = field(metadata=bounded(1, MAX_STEPS, 'weeks', 'a hundred years'))
    city: CityParams
    contact: ContactParams
    dynamics: DynamicsParams
    survey: SurveyParams
    scenario_name: str
    interventions: dict[str, InterventionParams]
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


def declared_sections(mechanisms) -> dict[str, type]:
    """Top-level config key -> parameter dataclass, of the sections the mechanisms declare (their
    `parameters`), in the order of the week; a key declared twice or shadowing a shared one is refused."""
    sections, shared = {}, {item.name for item in fields(SharedParams)}
    for mechanism in mechanisms:
        for key, kind in mechanism.parameters.items():
            if key in sections or key in shared:
                raise InputError(f"model/mechanisms/{mechanism.name}.py: parameter section {key!r} is declared twice")
            sections[key] = kind
    return sections


Params = make_dataclass("Params", list(declared_sections(MECHANISMS).items()), bases=(SharedParams,), frozen=True,
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
