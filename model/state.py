"""Per-agent state as a struct of arrays owned by one model instance.

Each field is one numpy array indexed by agent index (0 .. n-1). Rules read and write these arrays;
Mesa agents are thin views onto them (see `model.agents`).
"""

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np
from scipy import special

from bridges.model.city import City
from bridges.model.errors import InputError
from bridges.model.params import BELIEFS, EDUCATION_LEVELS, GROUPS, CityParams, Distribution
from bridges.model.streams import Streams

THERMOMETER_MAX = 100.0
"""Top of the feeling-thermometer scale on which attitudes are measured (0 = cold, 100 = warm)."""

SCALES = {"attitude": THERMOMETER_MAX, "language": 1.0, "anxiety": 1.0, "trust": 1.0, "distress": 1.0,
          "belonging": 1.0, "responsibility": 1.0}
"""Upper bound of each bounded continuous state variable drawn per group (all have lower bound 0)."""

STATIC_FIELDS = ("group", "neighbourhood", "household", "workplace", "has_children")
"""Fields the city fixes: the ties follow them, so they are read-only (the city's own arrays, not copies)."""

HIGHER_EDUCATION = EDUCATION_LEVELS.index("higher")
RECEIVING, ARRIVING = GROUPS.index("receiving"), GROUPS.index("arriving")


@dataclass
class State:
    """All per-agent state of one model. Arrays share length n_agents."""

    # where people are: fixed, read-only arrays handed over by the city (see STATIC_FIELDS)
    group: np.ndarray  # int8, index into GROUPS (0 receiving, 1 arriving)
    neighbourhood: np.ndarray  # int32
    household: np.ndarray  # int64
    workplace: np.ndarray  # int32, potential workplace (ties live only while employed); -1 none
    has_children: np.ndarray  # bool, parent of school-age children (school layer)
    # socio-economic situation
    employed: np.ndarray  # bool, in paid work
    studying: np.ndarray  # bool, in a language/integration course or education
    education: np.ndarray  # int8, index into EDUCATION_LEVELS
    qualification_recognised: np.ndarray  # bool, qualification recognised (True when nothing needs recognising)
    legal_pending: np.ndarray  # bool, asylum decision pending (False = status granted or citizen)
    family_pending: np.ndarray  # bool, awaiting family reunification
    language: np.ndarray  # float, host-language proficiency 0-1 (1 = native)
    # psycho-social state
    attitude: np.ndarray  # float, feeling thermometer toward the outgroup 0-100
    anxiety: np.ndarray  # float, intergroup anxiety 0-1
    trust: np.ndarray  # float, outgroup trust 0-1
    distress: np.ndarray  # float, psychological distress 0-1
    belonging: np.ndarray  # float, sense of belonging 0-1
    responsibility: np.ndarray  # float, own responsibility for integration 0-1
    # receiving members' beliefs about arriving members (NaN for arriving members)
    belief_education: np.ndarray  # float, perceived share with higher education 0-1
    belief_employment: np.ndarray  # float, perceived share employed 0-1
    belief_welfare: np.ndarray  # float, perceived share on welfare 0-1
    # contact history
    recent_encounters: np.ndarray  # float, running average of intergroup encounters per week
    intergroup_contacts: np.ndarray  # int64, intergroup encounters over the run
    positive_contacts: np.ndarray  # int64
    negative_contacts: np.ndarray  # int64
    outgroup_friends: np.ndarray  # int64, current cross-group friendship ties (a pair tied in two settings counts twice)
    extended_contacts: np.ndarray  # int64, ingroup friends who have outgroup friends
    # mechanisms of issue 9 (model/rules/partner.py, threat.py, variability.py)
    distinct_partners: np.ndarray  # int64, distinct outgroup partners met over the run (a tie or a passer-by)
    positive_history: np.ndarray  # float, exponentially weighted positive intergroup encounters per week
    discrimination: np.ndarray  # float, experienced discrimination 0-1 (arriving members; 0 for receiving)
    threat: np.ndarray  # float, perceived threat 0-1 (receiving members; NaN for arriving)
    variability: np.ndarray  # float, perceived outgroup variability 0-1
    # who never meets (issue 24: model/mechanisms/settling.py; arrival_week: turnover.py)
    arrival_week: np.ndarray  # int64, week a newcomer arrived (0: before the run)
    sociability: np.ndarray  # float, multiplier of one's voluntary encounter rates (1 unless contact.settling)
    shared_housing: np.ndarray  # bool, living in shared accommodation (arriving members)
    recent_time_together: np.ndarray  # float, running average of intergroup encounters on ties per week

    @property
    def n(self) -> int:
        return len(self.group)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def belief(self, topic: str) -> np.ndarray:
        """The belief array for a topic in BELIEFS."""
        return getattr(self, f"belief_{topic}")


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
    return scale * beta_ppf(u, mean * concentration, (1.0 - mean) * concentration)


QUANTILE_INTERVALS = 2048
"""Intervals of the quantile table `beta_ppf` interpolates in (it costs about 2,048 exact inverses)."""

QUANTILE_TOLERANCE = 1e-12
"""Largest interpolation error `beta_ppf` accepts on the unit scale; other intervals are computed exactly."""


def beta_ppf(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """Quantiles of Beta(a, b) at u: scipy's exact inverse, or within QUANTILE_TOLERANCE of it, ten times faster.

    The exact inverse of the incomplete beta function costs about 1.7 us per value (17 s for the initial
    state of a million residents). For many values, the quantile function is tabulated at
    QUANTILE_INTERVALS + 1 nodes, evenly spaced in s with u = sin(pi s / 2)^2 so they crowd into the
    steep tails, with its exact slope (from the density), and interpolated by cubic Hermite polynomials
    in s. Each interval's error is estimated at its midpoint by one Newton step on the (cheap, forward)
    incomplete beta function; values in intervals that miss QUANTILE_TOLERANCE get the exact inverse.
    Below 2 x QUANTILE_INTERVALS values the table would cost more than it saves, so every value is
    exact (bit-identical to `scipy.stats.beta.ppf`).
    """
    u = np.asarray(u, dtype=float)
    if u.size <= 2 * QUANTILE_INTERVALS:
        return special.betaincinv(a, b, u)
    nodes, slope, accurate = quantile_table(a, b)
    position = np.arctan2(np.sqrt(u), np.sqrt(1.0 - u)) * (2.0 * QUANTILE_INTERVALS / np.pi)  # s, well-conditioned
    interval = np.minimum(position.astype(np.int64), QUANTILE_INTERVALS - 1)
    t = position - interval
    t2 = t * t
    t3 = t2 * t
    low, high = nodes[interval], nodes[interval + 1]
    with np.errstate(invalid="ignore"):  # infinite slopes at the ends: those intervals are recomputed below
        values = (low + (3.0 * t2 - 2.0 * t3) * (high - low) + (t3 - 2.0 * t2 + t) * slope[interval]
                  + (t3 - t2) * slope[interval + 1])
    steep = ~accurate[interval]
    values[steep] = special.betaincinv(a, b, u[steep])
    return values


@lru_cache(maxsize=256)
def quantile_table(a: float, b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`beta_ppf`'s table for Beta(a, b): the quantile function at its nodes, its slope in s, and whether each
    interval interpolates within QUANTILE_TOLERANCE. Kept per (a, b): models built from the same parameters
    (replicates, calibration) compute it once."""
    s = np.linspace(0.0, 1.0, QUANTILE_INTERVALS + 1)
    nodes = special.betaincinv(a, b, np.sin(0.5 * np.pi * s) ** 2)
    log_norm = special.betaln(a, b)

    def density(x):
        return np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - log_norm)

    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # the ends have 0 or infinite density
        slope = (0.5 * np.pi / QUANTILE_INTERVALS) * np.sin(np.pi * s) / density(nodes)  # dx/ds per interval
        middle = 0.5 * (nodes[:-1] + nodes[1:]) + (slope[:-1] - slope[1:]) / 8.0
        u_middle = np.sin(0.5 * np.pi * (s[:-1] + 0.5 / QUANTILE_INTERVALS)) ** 2
        error = np.abs(special.betainc(a, b, middle) - u_middle) / density(middle)
        accurate = error <= QUANTILE_TOLERANCE
    for table in (nodes, slope, accurate):
        table.flags.writeable = False
    return nodes, slope, accurate


def _per_group(group: np.ndarray, city: CityParams, attribute: str) -> np.ndarray:
    """A group-level parameter spread to every resident."""
    return np.array([getattr(city.groups[label], attribute) for label in GROUPS])[group]


def _bernoulli(name: str, group: np.ndarray, city: CityParams, streams: Streams) -> np.ndarray:
    return streams.uniform(f"init.{name}", 0, len(group)) < _per_group(group, city, name)


def initial_state(params: CityParams, city: City, streams: Streams) -> State:
    """Draw every resident's starting situation and views from its group's distributions."""
    residents = city.residents
    group = residents.group
    n = len(group)
    continuous = {}
    for name, scale in SCALES.items():
        u = streams.uniform(f"init.{name}", 0, n)
        values = np.empty(n)
        for code, label in enumerate(GROUPS):
            members = group == code
            values[members] = beta_quantile(u[members], getattr(params.groups[label], name), scale,
                                            f"city.groups.{label}.{name}")
        continuous[name] = values

    education = np.empty(n, dtype=np.int8)
    u = streams.uniform("init.education", 0, n)
    for code, label in enumerate(GROUPS):
        members = group == code
        cumulative = np.cumsum([params.groups[label].education[level] for level in EDUCATION_LEVELS])
        education[members] = np.minimum(np.searchsorted(cumulative, u[members], side="right"), len(EDUCATION_LEVELS) - 1)
    qualified = education > EDUCATION_LEVELS.index("basic")

    beliefs = {}
    receiving = group == RECEIVING
    for topic in BELIEFS:
        values = np.full(n, np.nan)
        u = streams.uniform(f"init.belief_{topic}", 0, n)
        values[receiving] = beta_quantile(u[receiving], getattr(params.beliefs, topic), 1.0, f"city.beliefs.{topic}")
        beliefs[f"belief_{topic}"] = values

    counters = {name: np.zeros(n, dtype=np.int64) for name in
                ("intergroup_contacts", "positive_contacts", "negative_contacts", "outgroup_friends", "extended_contacts")}
    return State(
        **{name: getattr(residents, name) for name in STATIC_FIELDS},
        employed=_bernoulli("employed", group, params, streams),
        studying=_bernoulli("studying", group, params, streams),
        education=education,
        qualification_recognised=~qualified | _bernoulli("qualification_recognised", group, params, streams),
        legal_pending=_bernoulli("legal_pending", group, params, streams),
        family_pending=_bernoulli("family_pending", group, params, streams),
        **continuous, **beliefs,
        recent_encounters=np.zeros(n),
        **counters,
        distinct_partners=np.zeros(n, dtype=np.int64), positive_history=np.zeros(n), discrimination=np.zeros(n),
        threat=np.full(n, np.nan), variability=np.full(n, np.nan),  # set by model.step.initial_perceptions
        arrival_week=np.zeros(n, dtype=np.int64), sociability=np.ones(n), shared_housing=np.zeros(n, dtype=bool),
        recent_time_together=np.zeros(n),  # sociability and housing drawn by settling.py's start when on
    )
