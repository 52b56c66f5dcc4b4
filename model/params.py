"""Typed, validated parameters built once from the composed configuration.

The numbers themselves live in `conf/`; this module only declares which keys exist, their types and
their allowed ranges. `build(Params, cfg)` checks everything and raises `InputError` naming the first
offending key, so the model never sees a malformed value.
"""

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

from model.errors import InputError

GROUPS = ("receiving", "arriving")
"""Group labels; an agent's group code is its index here (0 = receiving, 1 = arriving)."""


# ---- range checks ---------------------------------------------------------------------------------
def _range(low=None, high=None, low_open=False, label=""):
    def check(value):
        if low is not None and (value < low or (low_open and value == low)):
            return label
        if high is not None and value > high:
            return label
        return None

    return check


UNIT = {"check": _range(0.0, 1.0, label="must be in [0, 1]")}
POSITIVE = {"check": _range(0, low_open=True, label="must be greater than 0")}
NON_NEGATIVE = {"check": _range(0, label="must be 0 or more")}
ANY = {}
MAX_RATE = 100.0
"""Ceiling on encounters per tie per week: far above daily contact (7), low enough for exact sampling."""
RATE = {"check": _range(0.0, MAX_RATE, label=f"must be in [0, {MAX_RATE:g}] encounters per tie per week")}


# ---- parameter groups -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Distribution:
    """Initial distribution of a bounded state variable: a Beta with this mean and standard deviation,
    scaled to the variable's range."""

    mean: float = field(metadata=NON_NEGATIVE)
    sd: float = field(metadata=POSITIVE)


@dataclass(frozen=True)
class GroupParams:
    """Initial composition of one community."""

    employed: float = field(metadata=UNIT)
    studying: float = field(metadata=UNIT)
    language: Distribution
    attitude: Distribution
    anxiety: Distribution
    trust: Distribution
    distress: Distribution


@dataclass(frozen=True)
class LayerParams:
    """One contact layer: how ties form there and what an encounter there is like."""

    degree: float = field(metadata=NON_NEGATIVE)
    homophily: float = field(metadata=UNIT)
    contact_rate: float = field(metadata=RATE)
    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)


@dataclass(frozen=True)
class WorkplaceParams:
    """How workplaces and schools are sized and sorted by group."""

    site_size: int = field(metadata=POSITIVE)
    segregation: float = field(metadata=UNIT)


@dataclass(frozen=True)
class CityParams:
    """The city: its size, its neighbourhoods, its contact layers and its people."""

    n_agents: int = field(metadata=POSITIVE)
    arriving_share: float = field(metadata=UNIT)
    n_neighbourhoods: int = field(metadata=POSITIVE)
    arrival_area_share: float = field(metadata=UNIT)
    segregation: float = field(metadata=UNIT)
    workplaces: WorkplaceParams
    layers: dict[str, LayerParams]
    groups: dict[str, GroupParams]

    def __post_init__(self):
        if sorted(self.groups) != sorted(GROUPS):
            raise InputError(f"city.groups: must define exactly {', '.join(GROUPS)}, got {', '.join(self.groups) or 'none'}")


@dataclass(frozen=True)
class QualityParams:
    """Logistic weights turning setting and people into the quality of an intergroup encounter."""

    intercept: float = field(metadata=ANY)
    equal_status: float = field(metadata=ANY)
    common_goal: float = field(metadata=ANY)
    cooperation: float = field(metadata=ANY)
    institutional_support: float = field(metadata=ANY)
    shared_language: float = field(metadata=ANY)
    anxiety: float = field(metadata=ANY)
    distress: float = field(metadata=ANY)


@dataclass(frozen=True)
class WillingnessParams:
    """How anxiety and distress reduce a person's readiness to meet the outgroup."""

    anxiety: float = field(metadata=NON_NEGATIVE)
    distress: float = field(metadata=NON_NEGATIVE)
    floor: float = field(metadata=UNIT)


@dataclass(frozen=True)
class UpdateParams:
    """Per-encounter steps of attitude, anxiety and trust, and the negativity asymmetry."""

    attitude_step: float = field(metadata=UNIT)
    anxiety_step: float = field(metadata=UNIT)
    trust_step: float = field(metadata=UNIT)
    negativity_weight: float = field(metadata=POSITIVE)


@dataclass(frozen=True)
class ContactParams:
    """The contact mechanism, shared by every city."""

    quality: QualityParams
    valence_offset: dict[str, float]
    susceptibility: dict[str, float]
    willingness: WillingnessParams
    update: UpdateParams

    def __post_init__(self):
        for key in ("valence_offset", "susceptibility"):
            if sorted(getattr(self, key)) != sorted(GROUPS):
                raise InputError(f"contact.{key}: must give a value for exactly {', '.join(GROUPS)}")


@dataclass(frozen=True)
class Params:
    """Everything one simulation needs."""

    seed: int = field(metadata=NON_NEGATIVE)
    steps: int = field(metadata=POSITIVE)
    city: CityParams
    contact: ContactParams


# ---- building from a mapping ----------------------------------------------------------------------
def _type_name(kind) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(kind, str(kind))


def _coerce(kind, value, key: str):
    """Check `value` against a scalar type; ints are accepted where numbers are expected."""
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in (str, bool) and isinstance(value, kind):
        return value
    raise InputError(f"{key}: must be {_type_name(kind)}, got {value!r}")


def _build_value(kind, value, key: str, metadata):
    if is_dataclass(kind):
        return build(kind, value, key)
    if get_origin(kind) is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        _, item_kind = get_args(kind)
        return {name: _build_value(item_kind, item, f"{key}.{name}", metadata) for name, item in value.items()}
    value = _coerce(kind, value, key)
    check = metadata.get("check")
    problem = check(value) if check else None
    if problem:
        raise InputError(f"{key}: {problem}, got {value!r}")
    return value


def build(cls, mapping: Any, prefix: str = ""):
    """Build dataclass `cls` from a plain mapping, raising `InputError` on the first bad key."""
    where = prefix or "config"
    if not isinstance(mapping, dict):
        raise InputError(f"{where}: must be a mapping, got {mapping!r}")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for name in mapping:
        if name not in known:
            raise InputError(f"{prefix + '.' if prefix else ''}{name}: unknown config key")
    values = {}
    for f in fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in mapping or mapping[f.name] is None:
            raise InputError(f"{key}: missing value")
        values[f.name] = _build_value(hints[f.name], mapping[f.name], key, f.metadata)
    return cls(**values)
