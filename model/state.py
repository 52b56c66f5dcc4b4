"""Per-agent state as a struct of arrays owned by one model instance.

Each field is one numpy array indexed by agent index (0 .. n-1). Rules read and write these arrays;
Mesa agents are thin views onto them (see `model.agents`).
"""

import hashlib
from collections import OrderedDict
from dataclasses import fields, make_dataclass
from functools import lru_cache

import numpy as np
from scipy import special

from bridges.model import kept
from bridges.model.city import City
from bridges.model.errors import InputError
from bridges.model.mechanisms import MECHANISMS
from bridges.model.params_city import BELIEFS, CityParams, Distribution
from bridges.model.ranges import EDUCATION_LEVELS, GROUPS, THERMOMETER_MAX
# The group codes moved to ranges.py with the thermometer's top (the mechanisms, which State is made from, need
# them); they are still importable from here for code written before.
from bridges.model.ranges import ARRIVING, RECEIVING  # noqa: F401
from bridges.model.streams import Streams
from bridges.model.threads import ROW_BLOCK, SERIAL, Threads

SCALES = {"attitude": THERMOMETER_MAX, "language": 1.0, "anxiety": 1.0, "trust": 1.0, "distress": 1.0,
          "belonging": 1.0, "responsibility": 1.0}
"""Upper bound of each bounded continuous state variable drawn per group (all have lower bound 0)."""

STATIC_FIELDS = ("group", "neighbourhood", "household", "workplace", "has_children")
"""Fields the city fixes: the ties follow them, so they are read-only (the city's own arrays, not copies)."""

HIGHER_EDUCATION = EDUCATION_LEVELS.index("higher")


class StateArrays:
    """What State offers besides its arrays."""

    @property
    def n(self) -> int:
        return len(self.group)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def belief(self, topic: str) -> np.ndarray:
        """The belief array for a topic in BELIEFS."""
        return getattr(self, f"belief_{topic}")


STATE_VARS = tuple(var for mechanism in MECHANISMS for var in mechanism.state)
"""Every per-person state array, declared by the mechanism that owns it (`Mechanism.state`), in the order of
the week."""

State = make_dataclass("State", [(var.name, np.ndarray) for var in STATE_VARS], bases=(StateArrays,),
                       module=__name__, namespace={"__doc__": "All per-agent state of one model: one array per "
                                                   "declared StateVar, all of length n_agents."})
"""All per-agent state of one model: one field per StateVar the mechanisms declare (what each holds, its
dtype and how it starts: the StateVar in its mechanism's module); arrays share length n_agents."""


def beta_quantile(u: np.ndarray, dist: Distribution, scale: float, key: str, threads: Threads = SERIAL) -> np.ndarray:
    """Map uniforms to a Beta distribution with the given mean and sd on [0, scale].

    Using quantiles of shared uniforms (not fresh draws) keeps initial states on common random
    numbers when only a distribution's parameters change. Many values are interpolated in blocks on
    `threads` (`beta_ppf`).
    """
    return scale * beta_ppf(u, *beta_shape(dist, scale, key), threads)


def beta_shape(dist: Distribution, scale: float, key: str) -> tuple[float, float]:
    """The shape parameters (a, b) of the Beta distribution with `dist`'s mean and sd on [0, scale]."""
    mean, sd = dist.mean / scale, dist.sd / scale
    if not 0.0 < mean < 1.0:
        raise InputError(f"{key}.mean: must lie strictly between 0 and {scale:g}, got {dist.mean!r}")
    variance = sd * sd
    if variance >= mean * (1.0 - mean):
        raise InputError(f"{key}.sd: too large for mean {dist.mean:g} (must be below {scale * np.sqrt(mean * (1 - mean)):.3g})")
    concentration = mean * (1.0 - mean) / variance - 1.0
    return mean * concentration, (1.0 - mean) * concentration


def group_quantiles(name: str, group: np.ndarray, dists: dict[int, tuple[Distribution, str]], scale: float,
                    streams: Streams, values: np.ndarray) -> np.ndarray:
    """`values` with each member of a group code in `dists` set to `beta_quantile` of its uniform from stream
    `name` (week 0, one per resident) under its group's (distribution, key). A big city (more than one row block
    of ROW_BLOCK) whose every such group interpolates (`beta_ppf`) runs in row blocks on the threads, each drawing
    its own uniforms: the same numbers (each value is its own), without a million residents' uniforms and each
    group's gathered copies and quantiles as whole arrays (fresh pages each)."""
    shapes = {code: beta_shape(dist, scale, key) for code, (dist, key) in dists.items()}
    threads, n = streams.threads, len(group)
    counts = np.bincount(group, minlength=max(dists) + 1)
    blocks = threads.blocks(n, ROW_BLOCK)
    if len(blocks) == 1 or any(counts[code] <= 2 * QUANTILE_INTERVALS for code in dists):
        u = streams.uniform(name, 0, n)
        for code, (dist, key) in dists.items():
            members = group == code
            values[members] = beta_quantile(u[members], dist, scale, key, threads)
        return values
    tables = {code: quantile_table(*shape) for code, shape in shapes.items()}

    def block(rows: tuple[int, int]) -> None:
        u, part = streams.uniform_range(name, 0, *rows), values[slice(*rows)]
        for code, shape in shapes.items():
            members = group[slice(*rows)] == code
            part[members] = scale * interpolated_quantiles(u[members], *shape, tables[code])

    threads.map(block, blocks)
    return values


QUANTILE_INTERVALS = 2048
"""Intervals of the quantile table `beta_ppf` interpolates in (it costs about 2,048 exact inverses)."""

QUANTILE_TOLERANCE = 1e-12
"""Largest interpolation error `beta_ppf` accepts on the unit scale; other intervals are computed exactly."""


def beta_ppf(u: np.ndarray, a: float, b: float, threads: Threads = SERIAL) -> np.ndarray:
    """Quantiles of Beta(a, b) at u: scipy's exact inverse, or within QUANTILE_TOLERANCE of it, ten times faster.

    The exact inverse of the incomplete beta function costs about 1.7 us per value (17 s for the initial
    state of a million residents). For many values, the quantile function is tabulated at
    QUANTILE_INTERVALS + 1 nodes, evenly spaced in s with u = sin(pi s / 2)^2 so they crowd into the
    steep tails, with its exact slope (from the density), and interpolated by cubic Hermite polynomials
    in s. Each interval's error is estimated at its midpoint by one Newton step on the (cheap, forward)
    incomplete beta function; values in intervals that miss QUANTILE_TOLERANCE get the exact inverse.
    Below 2 x QUANTILE_INTERVALS values the table would cost more than it saves, so every value is
    exact (bit-identical to `scipy.stats.beta.ppf`). Each value's quantile is its own, so the values are
    interpolated in blocks of at most ROW_BLOCK on `threads`, the same numbers as in one pass: a block's dozen
    temporaries stay in the cache (850,000 values: 40 ms in one pass, 19-21 ms in blocks on one or two threads).
    """
    u = np.asarray(u, dtype=float)
    if u.size <= 2 * QUANTILE_INTERVALS:
        return exact_quantiles(u, a, b)
    table = quantile_table(a, b)
    return threads.over_blocks(lambda start, end: interpolated_quantiles(u[start:end], a, b, table), u.size,
                                ROW_BLOCK)


def interpolated_quantiles(u: np.ndarray, a: float, b: float, table: tuple) -> np.ndarray:
    """`beta_ppf` of many values from its `quantile_table`: interpolated, or exact in the steep intervals."""
    nodes, slope, accurate = table
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


EXACT_SLOTS = 256
"""Exact quantile arrays `exact_quantiles` keeps (each at most 2 x QUANTILE_INTERVALS values: 8 MB in all)."""
_exact: OrderedDict[tuple, np.ndarray] = kept.table()


def exact_quantiles(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """`special.betaincinv(a, b, u)`, kept per (a, b, the bytes of u): a small city's initial state costs about
    1.7 us per value in it (30 ms at 2,000 residents), and runs of the same city and seed (a comparison's arms,
    a sweep's points, replicates of one seed) draw the same uniforms. Read-only: callers copy out of it."""
    key = (a, b, u.shape, hashlib.blake2b(np.ascontiguousarray(u).tobytes(), digest_size=16).digest())
    values = kept.find(_exact, key)
    if values is None:
        values = special.betaincinv(a, b, u)
        values.flags.writeable = False
        kept.keep(_exact, key, values, EXACT_SLOTS)
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


def row_draws(name: str, n: int, streams: Streams, rule, dtype) -> np.ndarray:
    """`rule(u, rows)` of each resident's uniform from stream `name` (week 0): an elementwise rule of the uniforms
    `u` of the residents `rows` (a slice). A big city (more than one row block of ROW_BLOCK) runs in row blocks
    on the threads, each drawing its own uniforms (the same numbers), without a million residents' uniforms
    and the rule's temporaries as whole arrays."""
    blocks = streams.threads.blocks(n, ROW_BLOCK)
    if len(blocks) == 1:
        return rule(streams.uniform(name, 0, n), slice(None))
    values = np.empty(n, dtype=dtype)

    def block(rows: tuple[int, int]) -> None:
        values[slice(*rows)] = rule(streams.uniform_range(name, 0, *rows), slice(*rows))

    streams.threads.map(block, blocks)
    return values


def _bernoulli(name: str, group: np.ndarray, city: CityParams, streams: Streams) -> np.ndarray:
    """Whether each resident has a trait, with the chance its group's parameter `name` gives."""
    share = np.array([getattr(city.groups[label], name) for label in GROUPS])
    return row_draws(f"init.{name}", len(group), streams, lambda u, rows: u < share[group[rows]], bool)


def _education(group: np.ndarray, city: CityParams, streams: Streams) -> np.ndarray:
    """Each resident's education level, by its group's shares of the levels."""
    cumulative = {code: np.cumsum([city.groups[label].education[level] for level in EDUCATION_LEVELS])
                  for code, label in enumerate(GROUPS)}

    def levels(u: np.ndarray, rows: slice) -> np.ndarray:
        education = np.empty(len(u), dtype=np.int8)
        for code, bounds in cumulative.items():
            members = group[rows] == code
            education[members] = np.minimum(np.searchsorted(bounds, u[members], side="right"),
                                            len(EDUCATION_LEVELS) - 1)
        return education

    return row_draws("init.education", len(group), streams, levels, np.int8)


def filled(n: int, fill, dtype) -> np.ndarray:
    """n values of `fill`: `np.zeros` where the fill is zero, whose pages stay the kernel's shared zero page until
    written (a phase that replaces such an array never pays for them; `np.full` writes, so a million residents'
    zero-filled arrays, ~90 MB, were all fresh pages at once), else `np.full`."""
    return np.zeros(n, dtype=dtype) if fill == 0 else np.full(n, fill, dtype=dtype)


def initial_state(params: CityParams, city: City, streams: Streams) -> State:
    """Draw every resident's starting situation and views from its group's distributions."""
    residents = city.residents
    group = residents.group
    n = len(group)
    continuous = {name: group_quantiles(f"init.{name}", group, {code: (getattr(params.groups[label], name),
                                                                      f"city.groups.{label}.{name}")
                                                               for code, label in enumerate(GROUPS)},
                                        scale, streams, np.empty(n)) for name, scale in SCALES.items()}

    education = _education(group, params, streams)
    qualified = education > EDUCATION_LEVELS.index("basic")

    beliefs = {f"belief_{topic}": group_quantiles(f"init.belief_{topic}", group, {
        RECEIVING: (getattr(params.beliefs, topic), f"city.beliefs.{topic}")}, 1.0, streams, np.full(n, np.nan))
        for topic in BELIEFS}

    return State(
        **{name: getattr(residents, name) for name in STATIC_FIELDS},
        employed=_bernoulli("employed", group, params, streams),
        studying=_bernoulli("studying", group, params, streams),
        education=education,
        qualification_recognised=~qualified | _bernoulli("qualification_recognised", group, params, streams),
        legal_pending=_bernoulli("legal_pending", group, params, streams),
        family_pending=_bernoulli("family_pending", group, params, streams),
        **continuous, **beliefs,
        **{var.name: filled(n, var.fill, var.dtype) for var in STATE_VARS if var.fill is not None},
    )
