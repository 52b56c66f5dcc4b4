"""Per-agent state as a struct of arrays owned by one model instance.

Each field is one numpy array indexed by agent index (0 .. n-1). Rules read and write these arrays;
Mesa agents are thin views onto them (see `model.agents`).
"""

from dataclasses import dataclass, fields

import numpy as np
from scipy import stats

from model.errors import InputError
from model.params import GROUPS, CityParams, Distribution
from model.streams import Streams

THERMOMETER_MAX = 100.0
"""Top of the feeling-thermometer scale on which attitudes are measured (0 = cold, 100 = warm)."""

SCALES = {"attitude": THERMOMETER_MAX, "language": 1.0, "anxiety": 1.0, "trust": 1.0, "distress": 1.0}
"""Upper bound of each bounded continuous state variable (all have lower bound 0)."""


@dataclass
class State:
    """All per-agent state of one model. Arrays share length n_agents."""

    group: np.ndarray  # int8, index into GROUPS (0 receiving, 1 arriving)
    neighbourhood: np.ndarray  # int32, neighbourhood index
    employed: np.ndarray  # bool, in paid work
    studying: np.ndarray  # bool, in school, college or a course
    language: np.ndarray  # float, host-language proficiency 0-1 (1 = native)
    attitude: np.ndarray  # float, feeling thermometer toward the outgroup 0-100
    anxiety: np.ndarray  # float, intergroup anxiety 0-1
    trust: np.ndarray  # float, outgroup trust 0-1
    distress: np.ndarray  # float, psychological distress 0-1
    intergroup_contacts: np.ndarray  # int64, intergroup encounters over the run
    positive_contacts: np.ndarray  # int64, positive intergroup encounters over the run
    negative_contacts: np.ndarray  # int64, negative intergroup encounters over the run

    @property
    def n(self) -> int:
        return len(self.group)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def beta_quantile(u: np.ndarray, dist: Distribution, scale: float, key: str) -> np.ndarray:
    """Map uniforms to a Beta distribution with the given mean and sd on [0, scale].

    Using quantiles of shared uniforms (not fresh draws) keeps initial states on common random
    numbers when only a distribution's parameters change.
    """
    mean, sd = dist.mean / scale, dist.sd / scale
    if not 0.0 < mean < 1.0:
        raise InputError(f"{key}.mean: must lie strictly between 0 and {scale:g}, got {dist.mean!r}")
    variance = sd * sd
    if variance >= mean * (1.0 - mean):
        raise InputError(f"{key}.sd: too large for mean {dist.mean:g} (must be below {scale * np.sqrt(mean * (1 - mean)):.3g})")
    concentration = mean * (1.0 - mean) / variance - 1.0
    return scale * stats.beta.ppf(u, mean * concentration, (1.0 - mean) * concentration)


def draw_occupation(city: CityParams, group: np.ndarray, streams: Streams) -> dict[str, np.ndarray]:
    """Who is employed and who is studying, each a Bernoulli draw at the group's share."""
    occupation = {}
    for name in ("employed", "studying"):
        u = streams.uniform(f"init.{name}", 0, len(group))
        share = np.array([getattr(city.groups[label], name) for label in GROUPS])[group]
        occupation[name] = u < share
    return occupation


def initial_state(city: CityParams, group: np.ndarray, neighbourhood: np.ndarray,
                  occupation: dict[str, np.ndarray], streams: Streams) -> State:
    """Draw every agent's starting attitudes and resources from its group's distributions."""
    n = len(group)
    continuous = {}
    for name, scale in SCALES.items():
        u = streams.uniform(f"init.{name}", 0, n)
        values = np.empty(n)
        for code, label in enumerate(GROUPS):
            members = group == code
            values[members] = beta_quantile(u[members], getattr(city.groups[label], name), scale, f"city.groups.{label}.{name}")
        continuous[name] = values
    zeros = np.zeros(n, dtype=np.int64)
    return State(
        group=group.astype(np.int8),
        neighbourhood=neighbourhood.astype(np.int32),
        **occupation,
        **continuous,
        intergroup_contacts=zeros.copy(),
        positive_contacts=zeros.copy(),
        negative_contacts=zeros.copy(),
    )
