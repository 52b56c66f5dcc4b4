"""Socio-economic and psycho-social dynamics of residents: pure functions over arrays.

Legal status, family reunification, courses, language, employment, distress, belonging and the
running average of contact. Weekly hazards are turned into events by comparing with one uniform per
resident, so scenarios share random numbers.
"""

from typing import TYPE_CHECKING

import numpy as np

from bridges.model import kept

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.livelihoods import EmploymentParams
    from bridges.model.mechanisms.wellbeing import BelongingParams, DistressParams
    from bridges.model.params import DynamicsParams, Params


def power(base: float, count: np.ndarray) -> np.ndarray:
    """base ** count for whole-number counts (flags, encounters): looked up in a table of base ** 0..max, which
    holds the same numbers as the power itself, without a power per person."""
    count = np.asarray(count)
    if count.dtype.kind not in "biu" or count.size == 0:
        return base ** count
    index = count.view(np.uint8) if count.dtype == bool else count
    return (base ** np.arange(int(index.max()) + 1, dtype=float))[index]


POWERS_LENGTH = 64
"""Entries of a new table of `powers` (base ** 0..63): assumption, a small city's weekly encounters per person
stay below it (measured on the default 2,000-resident city: under 20); a larger count grows the table."""
KEPT_POWERS = 256
"""Tables of `powers` kept in a process (a few bases per configuration; a sweep or calibration varies them)."""
_powers = kept.table()


def powers(base: float, most: int = 0) -> np.ndarray:
    """base ** 0, 1, ..., at least up to `most`: the numbers `power` looks up (numpy's power over whole numbers
    gives each exponent the same number whatever the length; tests/test_kernels_fuse_c.py checks it), kept per
    base for the compiled kernels (model/rules/people_compiled.py)."""
    table = kept.find(_powers, base)
    if table is None or len(table) <= most:
        table = kept.keep(_powers, base, base ** np.arange(max(POWERS_LENGTH, 2 * (most + 1)), dtype=float),
                          KEPT_POWERS)
    return table


def resolve_pending(pending: np.ndarray, u: np.ndarray, hazard: float | np.ndarray) -> np.ndarray:
    """A pending condition (asylum decision, family reunification, a course) ends with weekly `hazard`."""
    return pending & ~(u < hazard)


def improve_language(language: np.ndarray, studying: np.ndarray, encounters: np.ndarray,
                     d: "DynamicsParams") -> np.ndarray:
    """Language closes a share of its headroom per course week and per intergroup encounter:
    L' = L + (1 - L) (1 - (1 - c)^studying (1 - k)^encounters), c = language_course_gain,
    k = language_contact_gain."""
    kept = power(1.0 - d.language_course_gain, studying) * power(1.0 - d.language_contact_gain, encounters)
    return language + (1.0 - language) * (1.0 - kept)


def job_finding_rate(params: "Params") -> float:
    """The configured base job-finding rate, or the one that keeps receiving employment steady."""
    employment = params.dynamics.employment
    if employment.finding_rate is not None:
        return employment.finding_rate
    share = params.city.groups["receiving"].employed
    return min(1.0, employment.loss_rate * share / max(1.0 - share, 1e-9))


def job_finding_hazard(language: np.ndarray, legal_pending: np.ndarray, unrecognised: np.ndarray,
                       base_rate: float, e: "EmploymentParams") -> np.ndarray:
    """Weekly chance a job seeker finds work:
    h = base * exp(beta_L (L - 1)) * (pending ? f_pending : 1) * (unrecognised ? f_unrecognised : 1).

    Language, legal status and recognised qualifications are the FOCUS structural barriers to work.
    """
    hazard = base_rate * np.exp(e.language_weight * (language - 1.0))
    hazard = hazard * np.where(legal_pending, e.pending_factor, 1.0) * np.where(unrecognised, e.unrecognised_factor, 1.0)
    return np.minimum(hazard, 1.0)


def update_employment(employed: np.ndarray, u: np.ndarray, finding_hazard: np.ndarray,
                      e: "EmploymentParams") -> np.ndarray:
    """The employed lose their job with `loss_rate`; others find one with their hazard (one uniform each)."""
    return np.where(employed, u >= e.loss_rate, u < finding_hazard)


def update_distress(distress: np.ndarray, group: np.ndarray, legal_pending: np.ndarray, family_pending: np.ndarray,
                    negative: np.ndarray, p: "DistressParams") -> np.ndarray:
    """Distress rises with legal uncertainty, family separation and negative contact, and recovers
    toward the group's baseline D0:
    D' = D + (1 - D) (1 - (1 - l)^pending (1 - f)^separated (1 - n)^negative) - r (D - D0)."""
    kept = (power(1.0 - p.legal_uncertainty, legal_pending) * power(1.0 - p.family_separation, family_pending)
            * power(1.0 - p.negative_contact, negative))
    return np.clip(distress + (1.0 - distress) * (1.0 - kept) - p.recovery * (distress - p.baseline_for(group)), 0.0, 1.0)


def update_belonging(belonging: np.ndarray, group: np.ndarray, positive: np.ndarray, employed: np.ndarray,
                     p: "BelongingParams") -> np.ndarray:
    """Belonging grows with positive intergroup contact and with work, and returns toward the group's
    baseline B0: B' = B + (1 - B) (1 - (1 - c)^positive (1 - w)^employed) - d (B - B0)."""
    kept = power(1.0 - p.positive_contact, positive) * power(1.0 - p.work, employed)
    return np.clip(belonging + (1.0 - belonging) * (1.0 - kept) - p.decay * (belonging - p.baseline_for(group)), 0.0, 1.0)


def running_average(previous: np.ndarray, current: np.ndarray, weight: float) -> np.ndarray:
    """Exponentially weighted average: (1 - w) previous + w current."""
    return (1.0 - weight) * previous + weight * current
