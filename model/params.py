"""Typed, validated parameters built once from the composed configuration.

The numbers themselves live in `conf/`; this module only declares which keys exist, their types and
their allowed ranges. `build(Params, cfg)` checks everything and raises `InputError` naming the first
offending key, so the model never sees a malformed value.
"""

import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from typing import Any, Union, get_args, get_origin, get_type_hints

from bridges.model.errors import InputError
# The parameter dataclasses live in one module per part of the configuration (ranges.py holds the allowed
# ranges they share); the rest of the code imports them from here, with Params.
from bridges.model.ranges import (COST, EDUCATION_LEVELS, ENCOUNTER_RATE, GROUPS, LAST_WEEK, LAYER_KINDS, MAX_AGENTS,
                                  MAX_COST, MAX_DEGREE, MAX_EXACT_INT, MAX_HOUSEHOLD, MAX_MAGNITUDE, MAX_RATE,
                                  MAX_SEED, MAX_SITE, MAX_STEPS, MAX_WEIGHT, MULTIPLIER, NOISE, NON_NEGATIVE,
                                  NON_NEGATIVE_WEIGHT, PERSONS, PER_GROUP_UNIT, POSITIVE, RATE, SELECTION_WEIGHT,
                                  STATE_SCALE, STATE_SPREAD, UNIT, WEEK, WEIGHT, _range, _show, bounded, per_group)
from bridges.model.params_city import (BELIEFS, BeliefParams, CityParams, CustomCityParams, Distribution, GroupParams,
                                       LayerParams, SectorParams)
from bridges.model.params_survey import FrequencyCutoffs, ResponseNoise, SurveyParams, TimeCutoffs
from bridges.model.params_interventions import (EMPLOYMENT_FILTER, TARGETING, CostParams, DeliveryParams,
                                                EligibilityParams, InterventionParams)
from bridges.model.params_contact import (ContactParams, GeneralisationParams, IncidentalParams, NegativityParams,
                                          PartnerParams, QualityParams, RejectionParams, SelectionParams,
                                          SettlingParams, UpdateParams, WillingnessParams)
from bridges.model.params_dynamics import (BelongingParams, DiscriminationParams, DispositionParams, DistressParams,
                                           DynamicsParams, EmploymentParams, FriendshipParams, NormParams,
                                           ThreatParams, TurnoverParams, VariabilityParams)

ENGINES = ("vectorised", "agents")
"""How a week runs: "vectorised" (model/step.py, over arrays) or "agents" (model/agents.py, the idiomatic
Mesa reference: residents step through AgentSet methods in random order)."""


@dataclass(frozen=True)
class Params:
    """Everything one simulation needs."""

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


# ---- building from a mapping ----------------------------------------------------------------------
def _type_name(kind) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(kind, str(kind))


def _coerce(kind, value, key: str):
    """Check `value` against a scalar type; ints are accepted where numbers are expected."""
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and abs(value) > MAX_EXACT_INT:
            raise InputError(f"{key}: {value} is far too large (must be a finite number)")
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in (str, bool) and isinstance(value, kind):
        return value
    raise InputError(f"{key}: must be {_type_name(kind)}, got {value!r}")


def _optional_inner(kind):
    """X for `X | None`, else None."""
    if get_origin(kind) in (Union, types.UnionType):
        inner = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(inner) == 1 and len(get_args(kind)) == 2:
            return inner[0]
    return None


MAX_TEXT = 4096
"""Longest text value (a name, a label, a path: PATH_MAX is 4,096 bytes): a 20,000-character city name took
25 s of CPU to draw into titles and reports."""


def _build_value(kind, value, key: str, metadata):
    inner = _optional_inner(kind)
    if inner is not None:
        return None if value is None else _build_value(inner, value, key, metadata)
    if value is None:
        raise InputError(f"{key}: missing value")
    if is_dataclass(kind):
        return build(kind, value, key)
    if kind is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        return dict(value)
    if get_origin(kind) is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        if metadata.get("per_group") and sorted(value) != sorted(GROUPS):
            raise InputError(f"{key}: must give a value for exactly {', '.join(GROUPS)}")
        _, item_kind = get_args(kind)
        return {name: _build_value(item_kind, item, f"{key}.{name}", metadata) for name, item in value.items()}
    if get_origin(kind) is list:
        if not isinstance(value, list):
            raise InputError(f"{key}: must be a list, got {value!r}")
        (item_kind,) = get_args(kind)
        return [_build_value(item_kind, item, f"{key}[{i}]", metadata) for i, item in enumerate(value)]
    value = _coerce(kind, value, key)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InputError(f"{key}: {len(value):,} characters, more than the {MAX_TEXT:,} a name, label or path may have")
    check = metadata.get("check")
    problem = check(value) if check else None
    if problem:
        raise InputError(f"{key}: {problem}, got {value!r}")
    return value


def build(cls, mapping: Any, prefix: str = ""):
    """Build dataclass `cls` from a plain mapping, raising `InputError` on the first bad key.

    Every field must be present unless it has a default (optional structural keys).
    """
    where = prefix or "config"
    if not isinstance(mapping, dict):
        raise InputError(f"{where}: must be a mapping, got {mapping!r}")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls) if not f.metadata.get("internal")}
    for name in mapping:
        if name not in known:
            raise InputError(f"{prefix + '.' if prefix else ''}{name}: unknown config key")
    values = {}
    for f in fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in mapping:
            if f.default is MISSING:
                raise InputError(f"{key}: missing value")
            continue
        values[f.name] = _build_value(hints[f.name], mapping[f.name], key, f.metadata)
    try:
        return cls(**values)
    except InputError as error:
        message = str(error)
        raise InputError(message if message.startswith(prefix or "\0") else f"{where}.{message}") from None



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
