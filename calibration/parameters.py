"""Free parameters of a calibration: their priors (conf/calibration/*.yaml) and how a value reaches the
model, through the plain config every run is built from (so new model mechanisms need no change here)."""

import copy
from dataclasses import dataclass

import numpy as np
from scipy import stats

from bridges.config import group_file, matching_paths, model_params
from bridges.model.errors import InputError
from bridges.model.input_files import read_yaml

DISTRIBUTIONS = ("uniform", "loguniform")
PARAMETER_KEYS = {"key", "prior", "unit", "meaning", "source", "scale"}


@dataclass(frozen=True)
class FreeParameter:
    """One calibrated magnitude: `key` in the config (a `*` matches one level); with `scale`, the value
    multiplies every matched key instead of replacing it."""

    name: str
    key: str
    distribution: str
    low: float
    high: float
    scale: bool = False
    unit: str = ""
    meaning: str = ""
    source: str = ""

    def frozen(self):
        """The prior as a frozen scipy distribution."""
        if self.distribution == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        return stats.loguniform(self.low, self.high)

    def quantile(self, q: float) -> float:
        return float(self.frozen().ppf(q))


def load_priors(choice: str) -> list[FreeParameter]:
    """The declared free parameters, checked; InputError names the file and key."""
    path = group_file("calibration", choice, "calibration.priors")
    content = read_yaml(path)  # the tool's one guarded YAML loader
    declared = (content or {}).get("parameters") if isinstance(content, dict) else None
    if not isinstance(declared, dict) or not declared:
        raise InputError(f"{path}, key parameters: must map each free parameter's name to its declaration")
    parameters = []
    for name, spec in declared.items():
        where = f"{path}, key parameters.{name}"
        if not isinstance(spec, dict):
            raise InputError(f"{where}: must be a mapping with key and prior")
        unknown = sorted(set(spec) - PARAMETER_KEYS)
        if unknown:
            raise InputError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(PARAMETER_KEYS))})")
        prior = spec.get("prior")
        if not isinstance(spec.get("key"), str) or not isinstance(prior, dict):
            raise InputError(f"{where}: needs key (a config key) and prior")
        if prior.get("distribution") not in DISTRIBUTIONS:
            raise InputError(f"{where}.prior.distribution: must be one of {', '.join(DISTRIBUTIONS)}")
        low, high = prior.get("low"), prior.get("high")
        if (not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in (low, high))
                or not low < high):
            raise InputError(f"{where}.prior: low and high must be finite numbers with low < high")
        if prior["distribution"] == "loguniform" and low <= 0:
            raise InputError(f"{where}.prior.low: a loguniform prior needs low > 0")
        parameters.append(FreeParameter(name, spec["key"], prior["distribution"], float(low), float(high),
                                        bool(spec.get("scale", False)), str(spec.get("unit", "")),
                                        str(spec.get("meaning", "")), str(spec.get("source", ""))))
    return parameters


def check_keys(plain: dict, parameters: list[FreeParameter]) -> None:
    """Every free parameter's key must exist in the model's config, and the model must accept both ends
    of every prior (each end with the other parameters at their prior medians): a prior reaching outside
    a key's valid range is one line before any simulation runs, not an error inside the ABC run after its
    database was created."""
    for parameter in parameters:
        paths = matching_paths(plain, parameter.key.split("."))
        if not paths or any(not isinstance(_get(plain, p), (int, float)) or isinstance(_get(plain, p), bool)
                            for p in paths):
            raise InputError(f"calibration priors, parameter {parameter.name}: {parameter.key} is not a "
                             "numeric key of the model's config")
    medians = {p.name: p.quantile(0.5) for p in parameters}
    for parameter in parameters:
        for end, value in (("low", parameter.low), ("high", parameter.high)):
            try:
                model_params(apply_parameters(plain, {**medians, parameter.name: value}, parameters))
            except InputError as error:
                raise InputError(f"calibration priors, parameter {parameter.name}: the prior's {end} end {value:g} "
                                 f"is not a valid {parameter.key} ({error})") from None


def _get(plain: dict, path: tuple):
    for key in path:
        plain = plain[key]
    return plain


def apply_parameters(plain: dict, values: dict[str, float], parameters: list[FreeParameter]) -> dict:
    """A copy of the plain config with each free parameter set (or its matched keys scaled)."""
    out = copy.deepcopy(plain)
    for parameter in parameters:
        value = float(values[parameter.name])
        for path in matching_paths(out, parameter.key.split(".")):
            parent = _get(out, path[:-1])
            parent[path[-1]] = parent[path[-1]] * value if parameter.scale else value
    return out


def prior_draws(parameters: list[FreeParameter], count: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """Independent draws from the joint prior."""
    columns = {p.name: p.frozen().rvs(size=count, random_state=rng) for p in parameters}
    return [{name: float(column[i]) for name, column in columns.items()} for i in range(count)]
