"""A sensitivity study (conf/sensitivity/<study>.yaml): the uncertain parameters with their ranges and the
outcomes read from each run, loaded and checked into `Study`."""

import math
from dataclasses import dataclass

import numpy as np

from bridges.config import config_groups, group_file
from bridges.model.errors import InputError
from bridges.model.input_files import known_keys, read_yaml

MEASURES = ("change", "final", "mean")
"""How an outcome reads a metric's weekly series: last week minus the first recorded week (week 0; week 1
for contact metrics), last week, or the mean over the weeks it is recorded."""
OUTCOME_GROUPS = ("arriving", "receiving", "all")
"""Groups an outcome can read: either community, or everyone ("all")."""
PARAMETER_KEYS = {"key", "low", "high", "log", "multiply", "integer", "unit", "meaning", "source"}
OUTCOME_KEYS = {"group", "metric", "measure", "effect_of", "unit", "meaning"}


@dataclass(frozen=True)
class Parameter:
    """One uncertain input: `key` in the config (a `*` matches one level); with `multiply`, the value
    multiplies every matched key instead of replacing it; with `log`, it is uniform in its logarithm;
    with `integer`, it is rounded (counts such as a programme's capacity)."""

    name: str
    key: str
    low: float
    high: float
    log: bool = False
    multiply: bool = False
    unit: str = ""
    meaning: str = ""
    source: str = ""
    integer: bool = False

    def value(self, unit: float) -> float | int:
        """The parameter's value at `unit` in [0, 1] along its range (rounded to a whole number if integer)."""
        if self.log:
            value = math.exp(math.log(self.low) + unit * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + unit * (self.high - self.low)
        return round(value) if self.integer else float(value)


@dataclass(frozen=True)
class Outcome:
    """One quantity read from a run's weekly metrics; with `effect_of`, that scenario minus baseline."""

    name: str
    group: str
    metric: str
    measure: str
    effect_of: str | None = None
    unit: str = ""
    meaning: str = ""

    def read(self, series: dict[tuple[str, str], np.ndarray]) -> float:
        """The outcome from a run's weekly series (`weekly_series`)."""
        values = series[(self.group, self.metric)]
        if self.measure == "change":
            return float(values[-1] - values[0])
        if self.measure == "final":
            return float(values[-1])
        return float(values.mean())


@dataclass(frozen=True)
class Study:
    name: str
    description: str
    parameters: tuple[Parameter, ...]
    outcomes: tuple[Outcome, ...]

    def problem(self) -> dict:
        """SALib's problem: the unit cube, one axis per parameter (Parameter.value maps it onto the range)."""
        return {"num_vars": len(self.parameters), "names": [p.name for p in self.parameters],
                "bounds": [[0.0, 1.0]] * len(self.parameters)}


def _number(spec: dict, key: str, where: str) -> float:
    value = spec.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise InputError(f"{where}.{key}: must be a number, got {value!r}")
    return float(value)


def _documented(spec: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise InputError(f"{where}.{key}: say it in words (every range states its meaning, unit and source, "
                             f"or 'assumption')")


def _parameter(name: str, spec, where: str) -> Parameter:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: must be a mapping with key, low, high, unit, meaning and source")
    known_keys(spec, PARAMETER_KEYS, where)
    if not isinstance(spec.get("key"), str) or not spec["key"]:
        raise InputError(f"{where}.key: must be a config key such as contact.update.attitude_step")
    low, high = _number(spec, "low", where), _number(spec, "high", where)
    if not low < high:
        raise InputError(f"{where}: low ({low:g}) must be below high ({high:g})")
    for flag in ("log", "multiply", "integer"):
        if not isinstance(spec.get(flag, False), bool):
            raise InputError(f"{where}.{flag}: must be true or false, got {spec[flag]!r}")
    if spec.get("log", False) and low <= 0:
        raise InputError(f"{where}.low: a log range needs low > 0, got {low:g}")
    _documented(spec, ("unit", "meaning", "source"), where)
    return Parameter(name, spec["key"], low, high, spec.get("log", False), spec.get("multiply", False),
                     spec["unit"], spec["meaning"], spec["source"], spec.get("integer", False))


def _outcome(name: str, spec, where: str) -> Outcome:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: must be a mapping with group, metric and measure")
    known_keys(spec, OUTCOME_KEYS, where)
    if spec.get("group") not in OUTCOME_GROUPS:
        raise InputError(f"{where}.group: must be one of {', '.join(OUTCOME_GROUPS)}, got {spec.get('group')!r}")
    if not isinstance(spec.get("metric"), str):
        raise InputError(f"{where}.metric: must name a metric of timeseries.parquet (model/metrics.py)")
    if spec.get("measure") not in MEASURES:
        raise InputError(f"{where}.measure: must be one of {', '.join(MEASURES)}, got {spec.get('measure')!r}")
    scenario = spec.get("effect_of")
    if scenario is not None and scenario not in config_groups().get("scenario", []):
        raise InputError(f"{where}.effect_of: no scenario {scenario!r} in conf/scenario/")
    _documented(spec, ("unit", "meaning"), where)
    return Outcome(name, spec["group"], spec["metric"], spec["measure"], scenario, spec["unit"], spec["meaning"])


def load_study(choice: str) -> Study:
    """The declared parameters and outcomes of a study, checked; InputError names the file and key."""
    path = group_file("sensitivity", choice, "sensitivity.study")
    content = read_yaml(path)
    if not isinstance(content, dict):
        raise InputError(f"{path}: must be a mapping with description, parameters and outcomes")
    unknown = sorted(set(content) - {"description", "parameters", "outcomes"})
    if unknown:
        raise InputError(f"{path}, key {unknown[0]}: unknown key (known: description, parameters, outcomes)")
    sections = {}
    for section in ("parameters", "outcomes"):
        declared = content.get(section)
        if not isinstance(declared, dict) or not declared:
            raise InputError(f"{path}, key {section}: must map each name to its declaration")
        sections[section] = declared
    parameters = tuple(_parameter(str(name), spec, f"{path}, key parameters.{name}")
                       for name, spec in sections["parameters"].items())
    if len(parameters) < 2:
        raise InputError(f"{path}, key parameters: a sensitivity analysis needs two parameters or more")
    outcomes = tuple(_outcome(str(name), spec, f"{path}, key outcomes.{name}")
                     for name, spec in sections["outcomes"].items())
    return Study(path.stem, str(content.get("description") or ""), parameters, outcomes)
