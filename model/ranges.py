"""The vocabulary of parameters: group and education labels, layer kinds, and the allowed range of each
kind of number (`bounded`), which every parameter dataclass attaches to its fields."""

import math

import numpy as np

GROUPS = ("receiving", "arriving")
"""Group labels; an agent's group code is its index here (0 = receiving, 1 = arriving)."""


def per_group(values: dict[str, float], group: np.ndarray) -> np.ndarray:
    """A per-group parameter ({label: value}) spread to each person by group code (index into GROUPS)."""
    return np.array([values[label] for label in GROUPS])[group]


RECEIVING, ARRIVING = GROUPS.index("receiving"), GROUPS.index("arriving")
"""Group codes."""

THERMOMETER_MAX = 100.0
"""Top of the feeling-thermometer scale on which attitudes are measured (0 = cold, 100 = warm)."""

EDUCATION_LEVELS = ("basic", "secondary", "higher")
"""Education levels; an agent's education code is its index here."""

LAYER_KINDS = {
    "household": set(),
    "neighbourhood": {"degree", "homophily"},
    "workplace": {"degree", "homophily", "site_size", "sectors"},
    "school": {"degree", "homophily", "participation"},
    "venue": {"degree", "homophily", "site_size", "segregation", "participation"},
}
"""Layer kinds and the structural keys each needs (all kinds need a rate and Allport conditions)."""


def _show(number) -> str:
    return f"{number:,}" if isinstance(number, int) else f"{number:g}"


def _range(low=None, high=None, low_open=False, label="", why=""):
    """A check for a finite number in [low, high] (or (low, high] if `low_open`); returns the problem or None.
    `why` (the reason for the upper bound) is added when a value is too large."""
    def check(value):
        if isinstance(value, float) and not math.isfinite(value):
            return f"{label} (a finite number)"
        if low is not None and (value < low or (low_open and value == low)):
            return label
        if high is not None and value > high:
            return f"{label}: {why}" if why else label
        return None

    return check


def bounded(low, high, unit: str, why: str = "", low_open: bool = False, **extra) -> dict:
    """Field metadata: a finite number in [low, high] (or (low, high]) measured in `unit`; `why` says
    where the upper bound comes from."""
    if low_open:
        label = f"must be greater than {_show(low)} and at most {_show(high)} {unit}".rstrip()
    else:
        label = f"must be in [{_show(low)}, {_show(high)}] {unit}".rstrip()
    return {"check": _range(low, high, low_open, label, why), "unit": unit, "low": low, "high": high,
            "low_open": low_open, "why": why, **extra}


MAX_EXACT_INT = 2**53
"""Largest whole number taken where a number is expected (exact as a float)."""
MAX_MAGNITUDE = 100
"""Ceiling of a quantity declared only as positive or non-negative (intervention effects: relative rises,
encounters per session, group sizes): none is meaningfully above 100 in its own unit (a 100-fold rise,
100 encounters per pair per session, groups of 100 meeting together), and per-session encounters above it
make the weekly contact sampling run for hours. Fields that need a wider range state their own."""
UNIT = bounded(0.0, 1.0, "")
POSITIVE = bounded(0, MAX_MAGNITUDE, "", "the ceiling of effect factors, counts and group sizes", low_open=True)
NON_NEGATIVE = bounded(0, MAX_MAGNITUDE, "", "the ceiling of effect factors, counts and group sizes")
PER_GROUP_UNIT = {**UNIT, "per_group": True}
MAX_RATE = 100.0
"""Ceiling on encounters per tie per week: far above daily contact (7), low enough for exact sampling."""
LAST_WEEK = -1
"""A week of -1 (survey week, programme end week) means the run's last week."""
RATE = bounded(0.0, MAX_RATE, "encounters per tie per week", "far above daily contact (7 a week)")
MAX_AGENTS = 10_000_000
"""Most residents in one run: memory grows about 8 kB per resident (state, ties, network; see
model/resources.py), so ten million need about 80 GB; larger populations are beyond a single machine."""
MAX_STEPS = 5_200
"""Most weeks in one run: a hundred years, far beyond any integration horizon."""
MAX_SEED = 2**32 - 1
"""Largest seed: seeds are stored as 64-bit integers (seed + replicate in comparisons), and 32 bits is the
convention every RNG seeding interface accepts."""
MAX_DEGREE = 1_000
"""Most mean ties per resident in one layer: far above any personal network (~150 people known by
name); also checked to stay below the population."""
MAX_SITE = 100_000
"""Most people per workplace or venue site: larger than any single workplace or club."""
MAX_HOUSEHOLD = 50.0
"""Largest mean adults per household: beyond it a 'household' is an institution."""
MAX_COST = 1e12
"""Ceiling of any cost figure in its currency: beyond the budget of any national programme."""
MAX_WEIGHT = 100.0
"""Ceiling of a logistic weight or multiplier: at 100 the logistic is already 0 or 1 to machine precision."""
COST = bounded(0.0, MAX_COST, "in the cost currency", "beyond the budget of any national programme")
WEEK = bounded(-1, MAX_STEPS, "weeks (-1 = the last week)", "the most weeks a run may have")
PERSONS = bounded(0, MAX_AGENTS, "persons", "the largest population a run may have")
WEIGHT = bounded(-MAX_WEIGHT, MAX_WEIGHT, "(logit)", "the logistic is saturated far below this")
NON_NEGATIVE_WEIGHT = bounded(0.0, MAX_WEIGHT, "(logit)", "the logistic is saturated far below this")
MULTIPLIER = bounded(0.0, MAX_WEIGHT, "x", "a hundredfold is far beyond any plausible effect", low_open=True)
STATE_SCALE = bounded(0.0, 100.0, "(the variable's own units: 0-100 for attitude, 0-1 otherwise)",
                      "no state variable's range is wider than 100")
STATE_SPREAD = bounded(0.0, 100.0, "(the variable's own units)", "no state variable's range is wider than 100",
                       low_open=True)
SELECTION_WEIGHT = bounded(0.0, 3.0, "(log rate ratio per unit of attitude / 100 or trust)",
                           "at 3 the warmest pair meets e^3 = 20 times as often as a pair at the midpoints, beyond "
                           "any reported self-selection into contact; weights near 5 make one year's sampling run "
                           "for a minute, 100 for hours")
ENCOUNTER_RATE = bounded(0.0, 7 * 24.0, "encounters per week", "a week holds 168 hours")
NOISE = bounded(0.0, 100.0, "(the item's own units)", "wider than any item's whole scale")
